# SPDX-License-Identifier: GPL-2.0-or-later
"""The host administers a host-owned card's VFs: sriovnic-set-vf (QMP) and
its HMP forms, the SRIOVNIC_VF_CHANGED event, and the card's host PF agent
answering a standalone VF's mailbox by those settings, before and after a
migration. The qtest accelerator plays the VF driver through the VF's
registers."""
import time
import unittest

from sriovnic_pci import R, Card, machine_args
from qemu_machine import Machine, QemuError
from test_hostcard import card_args, card_info, wait_event

VF = 2  # plugged at start into rp0 (card_args' default)
MBX_REPLY = 1 << 8
CAPS_KNOWN = R["MBX_CAP_TAGS"] | R["MBX_CAP_MC_LIST"]


def w0(op, tag=0, status=0):
    return op | tag << 9 | status << 16 | R["MBX_LEGACY_LEVEL"] << 24


class VfDriver:
    """The VF side of the mailbox, as the VF driver drives it."""

    def __init__(self, vf: Card):
        self.vf = vf

    def send(self, *words):
        msg = list(words) + [0] * (R["MBX_WORDS"] - len(words))
        for i, word in enumerate(msg):
            self.vf.wr(R["REG_MBX_BASE"] + 4 * i, word)
        self.vf.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_SEND"])

    def take(self):
        assert self.vf.rd(R["REG_MBX_STATUS"]) & R["MBX_STATUS_MSG"], "no message waits"
        msg = [self.vf.rd(0x0880 + 4 * i) for i in range(R["MBX_WORDS"])]
        self.vf.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_ACK"])
        return msg

    def hello(self, tag=1):
        self.send(w0(R["MBX_HELLO"], tag), R["MBX_LEGACY_LEVEL"], CAPS_KNOWN)
        return self.take()


class HostAdminTest(unittest.TestCase):
    def setUp(self):
        self.m = Machine(card_args(), name="vm")
        self.addCleanup(self.m.kill)
        self.vf = Card(self.m)
        self.drv = VfDriver(self.vf)

    def admin(self, vf=VF):
        return card_info(self.m)["vfs"][vf]["admin"]

    def refused(self, **args):
        with self.assertRaises(QemuError) as e:
            self.m.qmp("sriovnic-set-vf", **args)
        return str(e.exception).split(": ", 1)[1]


class HostPfAgent(HostAdminTest):
    def test_hello_gets_the_hosts_mac_and_mtu_limit(self):
        r = self.drv.hello(tag=5)
        self.assertEqual(r[0], w0(R["MBX_HELLO"] | MBX_REPLY, 5, R["MBX_OK"]))
        self.assertEqual(self.vf.mac().hex(":"), self.admin()["mac"])
        mac = bytes.fromhex(self.admin()["mac"].replace(":", ""))
        self.assertEqual(r[1], int.from_bytes(mac[:4], "little"))
        self.assertEqual(r[2], int.from_bytes(mac[4:], "little"))
        self.assertEqual(r[3], 9000, "the host's MTU limit")
        self.assertEqual(r[4], CAPS_KNOWN)
        self.assertEqual(self.admin()["max-mtu"], 1500, "granted until the VF asks")
        self.assertEqual(self.vf.rd(R["REG_MBX_BAD_REPLIES"]), 0)

    def test_the_hosts_limit_bounds_what_the_agent_grants(self):
        self.m.qmp("sriovnic-set-vf", id="card0", vf=VF, **{"mtu-limit": 4000})
        self.assertEqual(self.drv.hello()[3], 4000)
        self.drv.send(w0(R["MBX_SET_MTU"], 2), 9000)
        r = self.drv.take()
        self.assertEqual(r[0], w0(R["MBX_SET_MTU"] | MBX_REPLY, 2, R["MBX_DENIED"]))
        self.assertEqual(r[1:3], [R["MBX_REASON_MTU_LIMIT"], 4000])
        self.drv.send(w0(R["MBX_SET_MTU"], 3), 4000)
        self.assertEqual(self.drv.take()[0], w0(R["MBX_SET_MTU"] | MBX_REPLY, 3, R["MBX_OK"]))
        self.vf.wr(R["REG_MTU"], 4000)
        self.assertEqual(self.vf.rd(R["REG_MTU"]), 4000)
        self.assertEqual(self.admin()["mtu-limit"], 4000)


class SetVf(HostAdminTest):
    def test_settings_take_effect_at_once_show_in_query_and_in_an_event(self):
        self.vf.wr(R["REG_CTRL"], R["CTRL_ENABLE"])  # a VF driver runs
        self.m.qmp("sriovnic-set-vf", id="card0", vf=VF, mac="52:54:00:aa:00:02", vlan=100,
                   qos=3, trust=True, **{"spoof-check": False, "link-state": "disable",
                                         "max-tx-rate": 500, "mtu-limit": 3000})
        want = {"mac": "52:54:00:aa:00:02", "vlan": 100, "qos": 3, "spoof-check": False,
                "trust": True, "link-state": "disable", "max-tx-rate": 500,
                "max-mtu": 3000, "mtu-limit": 3000}
        self.assertEqual(self.admin(), want)
        event = wait_event(self.m, "SRIOVNIC_VF_CHANGED", vf=VF)
        self.assertEqual(event["data"], {"id": "card0", "qom-path": "/machine/peripheral/card0",
                                         "vf": VF, "admin": want})
        self.assertEqual(self.vf.mac().hex(":"), "52:54:00:aa:00:02", "the VF's MAC now")
        self.assertFalse(card_info(self.m)["vfs"][VF]["link-up"], "link forced down")
        notice = self.drv.take()
        self.assertEqual(notice[0], w0(R["MBX_PF_RESET"]), "its driver is told to start over")
        self.assertEqual(self.drv.hello()[1],
                         int.from_bytes(bytes.fromhex("525400aa"), "little"))

    def test_only_what_is_given_changes(self):
        before = self.admin()
        self.m.qmp("sriovnic-set-vf", id="card0", vf=VF, trust=True)
        self.assertEqual(self.admin(), dict(before, trust=True))
        self.assertEqual(self.vf.rd(R["REG_MBX_STATUS"]), 0, "no driver: no notice")

    def test_bad_arguments_are_refused_by_name_and_change_nothing(self):
        before = card_info(self.m)["vfs"]
        self.assertEqual(self.refused(id="card0", vf=4),
                         "'vf' 4 is out of range: the card has 4 VFs (0..3)")
        self.assertEqual(self.refused(id="card0", vf=0, mac="01:00:5e:00:00:01"),
                         "'mac' must be a unicast address (the first octet's lowest bit clear)")
        self.assertEqual(self.refused(id="card0", vf=0, mac="52:54:00:aa"),
                         "'mac' must be a MAC address like 52:54:00:12:34:56 (got '52:54:00:aa')")
        self.assertEqual(self.refused(id="card0", vf=0, mac="52:54:00:aa:00:01", vlan=4095),
                         "'vlan' must be 0..4094 (0: no port VLAN)")
        self.assertEqual(self.refused(id="card0", vf=0, qos=2),
                         "'qos' needs a port VLAN ('vlan' 1..4094)")
        self.assertEqual(self.refused(id="card0", vf=0, vlan=5, qos=9), "'qos' must be 0..7")
        self.assertEqual(self.refused(id="card0", vf=0, **{"link-state": "up"}),
                         "'link-state' must be 'auto', 'enable' or 'disable' (got 'up')")
        self.assertEqual(self.refused(id="card0", vf=0, **{"max-tx-rate": 100001}),
                         "'max-tx-rate' must be 0..100000 Mbit/s (0: unlimited)")
        self.assertEqual(self.refused(id="card0", vf=0, **{"mtu-limit": 9001}),
                         "'mtu-limit' must be 68..9000")
        self.assertEqual(self.refused(id="nope", vf=0),
                         "'id': no sriovnic or sriovnic-card device with id or QOM path 'nope'")
        self.assertEqual(card_info(self.m)["vfs"], before)
        self.assertFalse([e for e in self.m.events if e["event"] == "SRIOVNIC_VF_CHANGED"])

    def test_a_guest_owned_pfs_vfs_are_its_drivers(self):
        m = Machine(machine_args(2), name="pf")
        self.addCleanup(m.kill)
        with self.assertRaises(QemuError) as e:
            m.qmp("sriovnic-set-vf", id="nic0", vf=0, trust=True)
        self.assertIn("the card's PF is the guest's: its PF driver administers the VFs",
                      str(e.exception))


class Hmp(HostAdminTest):
    def test_set_vf_and_info_show_the_settings_and_the_faults_in_force(self):
        self.assertEqual(self.m.hmp(f"sriovnic_set_vf card0 {VF} vlan=7,trust=on,mtu-limit=2000"), "")
        admin = self.admin()
        self.assertEqual((admin["vlan"], admin["trust"], admin["mtu-limit"]), (7, True, 2000))
        self.assertEqual(self.m.hmp("sriovnic_inject_fault card0 2 mailbox-timeout 60000"), "")
        info = self.m.hmp("info sriovnic")
        self.assertIn("host MTU limit 2000", info)
        self.assertIn("injected faults in force: mailbox-timeout", info)

    def test_errors_are_qmps(self):
        self.assertIn("'qos' must be 0..7",
                      self.m.hmp(f"sriovnic_set_vf card0 {VF} vlan=5,qos=8"))
        self.assertIn("'vf' 9 is out of range", self.m.hmp("sriovnic_set_vf card0 9 trust=on"))
        self.assertIn("trust", self.m.hmp(f"sriovnic_set_vf card0 {VF} trust=maybe"))
        self.assertIn("'fault' must be", self.m.hmp("sriovnic_inject_fault card0 2 melt"))


class Migration(HostAdminTest):
    def test_the_hosts_settings_and_the_agents_state_survive(self):
        self.m.qmp("sriovnic-set-vf", id="card0", vf=VF, vlan=42, **{"mtu-limit": 5000})
        self.drv.hello()
        before = self.admin()
        dst = Machine(card_args(extra=["-incoming", "defer"]), name="dst")
        self.addCleanup(dst.kill)
        self.m.migrate_to(dst)
        for _ in range(200):
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)
        self.assertEqual(card_info(dst)["vfs"][VF]["admin"], before)
        drv = VfDriver(Card(dst, setup=False))
        drv.send(w0(R["MBX_SET_MTU"], 2), 6000)
        r = drv.take()
        self.assertEqual(r[1:3], [R["MBX_REASON_MTU_LIMIT"], 5000], "the host's limit came along")
        drv.send(w0(R["MBX_SET_MC_LIST"], 3), 1, 2)
        self.assertEqual(drv.take()[0], w0(R["MBX_SET_MC_LIST"] | MBX_REPLY, 3, R["MBX_OK"]),
                         "the capabilities agreed in HELLO came along")


if __name__ == "__main__":
    unittest.main()
