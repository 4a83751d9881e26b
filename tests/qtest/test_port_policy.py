# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of a synthetic channel's port policies (router-guard,
dhcp-guard): the -device properties, sriovnic-set-policy at run time,
what query-sriovnic shows, and frames the test-as-guest sends through the
synthetic TX ring that a guard keeps off the wire."""
import struct
import time
import unittest

import test_qmp
import test_synth
from qemu_machine import Machine, QemuError
from sriovnic_pci import S, SplitRing, synth_args
from test_datapath import ETH_P_IP, PEER_MAC, Wire, ether, ipv4
from test_qmp import codes, texts
from test_synth import NET_HDR, PATH_SYNTHETIC, Q_TX, REVOKE, ST_OK, SYNTH_IP, SYNTH_MAC, SynthTest

ETH_P_IPV6 = 0x86DD
ETH_P_8021Q = 0x8100
IPPROTO_ICMP, IPPROTO_UDP, IPPROTO_ICMPV6 = 1, 17, 58
REVOKE_POLICY = 2
ROUTER_GUARD_WORDS = "port policy router-guard is set: only the software path enforces it"
DHCP_GUARD_WORDS = "port policy dhcp-guard is set: only the software path enforces it"
LINK_LOCAL = bytes.fromhex("fe800000000000000000000000000001")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")


def ipv6(proto, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 255, LINK_LOCAL,
                       ALL_NODES) + payload


def icmp(mtype):
    return struct.pack("!BBH", mtype, 0, 0) + bytes(20)


def udp_ports(sport, dport):
    return struct.pack("!HHHH", sport, dport, 8 + 32, 0) + bytes(32)


def router_advertisement(vlan=None):
    """ICMPv6 type 134 to all nodes, VLAN-tagged if `vlan`."""
    l3 = ipv6(IPPROTO_ICMPV6, icmp(134))
    if vlan is None:
        return ether(PEER_MAC, SYNTH_MAC, ETH_P_IPV6, l3)
    return ether(PEER_MAC, SYNTH_MAC, ETH_P_8021Q, struct.pack("!HH", vlan, ETH_P_IPV6) + l3)


def dhcp_offer():
    return ether(PEER_MAC, SYNTH_MAC, ETH_P_IP,
                 ipv4(SYNTH_IP, bytes([255] * 4), IPPROTO_UDP, udp_ports(67, 68)))


def icmp_redirect():
    return ether(PEER_MAC, SYNTH_MAC, ETH_P_IP, ipv4(SYNTH_IP, bytes([10, 0, 0, 1]),
                                                     IPPROTO_ICMP, icmp(5)))


def echo_request():
    return ether(PEER_MAC, SYNTH_MAC, ETH_P_IP, ipv4(SYNTH_IP, bytes([10, 0, 0, 1]),
                                                     IPPROTO_ICMP, icmp(8)))


def dhcp_discover():
    return ether(PEER_MAC, SYNTH_MAC, ETH_P_IP,
                 ipv4(SYNTH_IP, bytes([255] * 4), IPPROTO_UDP, udp_ports(68, 67)))


class GuardTest(SynthTest):
    """A card with a channel paired with VF 0, managed as in test_qmp."""
    synth_props = f"mac={SYNTH_MAC.hex(':')}"
    enable_vfs_and_get_offer = test_synth.Offer.enable_vfs_and_get_offer
    bring_up_vf = test_synth.Offer.bring_up_vf
    channel = test_qmp.Management.channel
    on_vf = test_qmp.Management.on_vf
    hmp = test_qmp.Management.hmp
    hdr = NET_HDR.pack(0, 0, 0, 0, 0, 0, 0)

    def tx_used_ok(self):
        """The TX chain was used without ERR (a guard drop is no driver error)."""
        _, flags, length, _ = self.tx.pop()
        self.assertEqual((flags, length), (0, 0))


class Properties(unittest.TestCase):
    def test_guard_properties_are_listed(self):
        out = test_synth.run_qemu("-device", "sriovnic-synth,help").stdout
        for prop in ("router-guard=", "dhcp-guard="):
            line = next((ln for ln in out.splitlines() if ln.strip().startswith(prop)), None)
            self.assertIsNotNone(line, prop)
            self.assertIn(" - ", line, f"{prop} has no description")


class GuardsAtStart(GuardTest):
    synth_props = f"mac={SYNTH_MAC.hex(':')},router-guard=on,dhcp-guard=on"

    def test_policies_from_the_properties_hold_the_vf_back(self):
        self.bring_up()
        self.card.enable_vfs(2)
        self.bring_up_vf()
        ch = self.channel()
        self.assertEqual(ch["port-policies"], ["router-guard", "dhcp-guard"])
        self.assertEqual(ch["state"], "synthetic", "no offer while a port policy is set")
        self.assertEqual(codes(ch)[:2], ["port-policy", "port-policy"])
        self.assertEqual(texts(ch)[:2], [ROUTER_GUARD_WORDS, DHCP_GUARD_WORDS])
        with self.assertRaisesRegex(QemuError, "^sriovnic-offer: port policy "
                                               "router-guard\\+dhcp-guard is set: only the "
                                               "software path enforces it$"):
            self.m.qmp("sriovnic-offer", id="synth0")
        self.assertIn("port policies router-guard,dhcp-guard (0 guest frames dropped)",
                      self.hmp("info sriovnic"))

        self.m.qmp("sriovnic-set-policy", id="synth0", **{"port-policies": []})
        ch = self.channel()
        self.assertEqual(ch["port-policies"], [])
        self.assertEqual(ch["state"], "offered", "cleared: offered again")
        self.assertNotIn("port-policy", codes(ch))

    def test_guarded_frames_do_not_reach_the_wire(self):
        self.bring_up()
        for frame in (router_advertisement(), router_advertisement(vlan=5), icmp_redirect(),
                      dhcp_offer()):
            self.tx.post([(self.hdr + frame, False)])
            self.tx_used_ok()
        for frame in (echo_request(), dhcp_discover()):
            self.tx.post([(self.hdr + frame, False)])
            self.assertEqual(self.wire.recv(), frame, "ordinary traffic passes")
            self.tx_used_ok()
        self.wire.assert_silent(self)
        ch = self.channel()
        self.assertEqual(ch["guard-drops"], 4)
        self.assertEqual(ch["counters"]["tx-packets"], 2)


class GuardsAtRunTime(GuardTest):
    def test_set_policy_revokes_and_clearing_offers_again(self):
        self.on_vf()
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"port-policies": ["dhcp-guard"]})
        ch = self.channel()
        self.assertEqual(ch["state"], "revoking", "a request: the guest is asked to leave")
        self.assertTrue(ch["sriov-allowed"], "left out: kept")
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        self.assertEqual(REVOKE.unpack(payload)[1], REVOKE_POLICY)
        self.assertEqual(self.switch(PATH_SYNTHETIC)[0], ST_OK)
        ch = self.channel()
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(ch["port-policies"], ["dhcp-guard"])
        self.assertEqual(codes(ch), ["port-policy", "revoked"])
        self.assertEqual(texts(ch)[0], DHCP_GUARD_WORDS)
        self.assertEqual(ch["last-revoke"]["reason"], "policy")

        # Another argument alone leaves the policies as they are.
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"max-mtu": 9000})
        self.assertEqual(self.channel()["port-policies"], ["dhcp-guard"])
        self.assertEqual(self.channel()["state"], "synthetic")

        self.m.qmp("sriovnic-set-policy", id="synth0", **{"port-policies": []})
        self.assertEqual(self.channel()["state"], "offered", "cleared: offered again")
        self.next_event(S["EV_VF_OFFER"])

    def test_a_run_time_guard_drops_and_counts(self):
        self.bring_up()
        hdr = self.hdr
        self.tx.post([(hdr + router_advertisement(), False)])
        self.assertEqual(self.wire.recv(), router_advertisement(), "no policy yet")
        self.tx_used_ok()
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"port-policies": ["router-guard"]})
        self.tx.post([(hdr + router_advertisement(vlan=0x2064), False)])
        self.tx_used_ok()
        self.tx.post([(hdr + dhcp_offer(), False)])
        self.assertEqual(self.wire.recv(), dhcp_offer(), "router-guard alone passes DHCP")
        self.tx_used_ok()
        self.wire.assert_silent(self)
        self.assertEqual(self.channel()["guard-drops"], 1)

    def test_a_bad_policy_is_refused_naming_the_allowed_values(self):
        with self.assertRaises(QemuError) as cm:
            self.m.qmp("sriovnic-set-policy", id="synth0",
                       **{"sriov-allowed": False, "port-policies": ["router-guard", "ra-guard"]})
        self.assertEqual(str(cm.exception), "sriovnic-set-policy: 'port-policies' may hold "
                         "'router-guard' or 'dhcp-guard' (got 'ra-guard')")
        ch = self.channel()
        self.assertEqual(ch["port-policies"], [], "a refused command changes nothing")
        self.assertTrue(ch["sriov-allowed"])

class Migration(unittest.TestCase):
    def test_the_counter_migrates_and_the_policies_stay_with_their_host(self):
        wires = [Wire(), Wire()]
        for w in wires:
            self.addCleanup(w.close)
        mac = f"mac={SYNTH_MAC.hex(':')}"
        src = Machine(synth_args(2, mac + ",router-guard=on", "netdev=n0") +
                      wires[0].netdev_args("n0"), name="src")
        self.addCleanup(src.kill)
        dst = Machine(synth_args(2, mac, "netdev=n0") + wires[1].netdev_args("n0") +
                      ["-incoming", "defer"], name="dst")
        self.addCleanup(dst.kill)

        t = GuardTest.driver(src, wires[0])
        t.bring_up()
        t.tx.post([(t.hdr + router_advertisement(), False)])
        t.tx_used_ok()
        self.assertEqual(t.channel()["guard-drops"], 1)

        src.migrate_to(dst)
        for _ in range(200):
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)
        d = GuardTest.driver(dst, wires[1], setup=False)
        ch = d.channel()
        self.assertEqual(ch["guard-drops"], 1, "the counter came along")
        self.assertEqual(ch["port-policies"], [], "the destination's own policy")
        d.tx = SplitRing.adopt(d.fn, Q_TX, t.tx.avail_idx, t.tx.used_seen, t.tx.next_desc,
                               t.tx.heads)
        d.tx.post([(d.hdr + router_advertisement(), False)])
        got = wires[1].recv()
        while got[12:14] == b"\x80\x35":  # the destination's RARP announcements
            got = wires[1].recv()
        self.assertEqual(got, router_advertisement())


if __name__ == "__main__":
    unittest.main()
