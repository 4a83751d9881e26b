# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's own virtio-net failover with a standalone sriovnic VF as the
primary, in a guest running the stock virtio_net + net_failover and our VF
driver, live-migrated between the two hosts of netns.TwoHosts.

Each host gives the guest a virtio-net-pci standby (failover=on) and VF 0
of a host-owned sriovnic-card as its primary (failover_pair_id, the
standby's MAC through the VF's mac=), each on a tap of the host's bridge.
The net_failover master netdev has the address; a 1000 packets/s UDP
sequence stream and a paced TCP stream run each way with the traffic peer
through every migration and through a cancelled one.

Asserted, as a user sees it: the TCP stream never breaks; QEMU's events
come in its documented order (FAILOVER_NEGOTIATED at boot and on every
destination; UNPLUG_PRIMARY, MIGRATION wait-unplug, then active at every
migration); the VF is net_failover's slave again, up, and carries the
guest's traffic after every migration and after the cancel (on the source).
UDP loss and the longest gaps are printed, not asserted.

SRIOVNIC_QEMU_FAILOVER_MIGRATIONS sets the number of migrations (default 2,
the CI size; the issue's figure is 5):
  SRIOVNIC_QEMU_FAILOVER_MIGRATIONS=5 flock /tmp/sriovnic-guest.lock \\
      meson test -C build/tests --suite guest test_qemu_failover"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from netlib import netdev_of, wait_for  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import GuestStream, udp_lost  # noqa: E402

MIGRATIONS = int(os.environ.get("SRIOVNIC_QEMU_FAILOVER_MIGRATIONS", "2"))
GUEST_IP = "10.50.0.30"
FAILOVER_MAC = "52:54:00:00:50:01"
PRIMARY_BDF = "0000:02:00.0"
HANG_GUARD = 90   # s, for a migration; never a measurement
FLOW = {"UNPLUG_PRIMARY", "FAILOVER_NEGOTIATED", "DEVICE_DELETED", "MIGRATION"}


def devices(host):
    """The same options on either host: card uplink on tap0, standby on tap1."""
    return host.netdev("n0", "tap0") + host.netdev("n1", "tap1") + [
        "-device", "sriovnic-card,id=card0,netdev=n0,vfs=2",
        "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
        "-device", f"virtio-net-pci,bus=rp0,netdev=n1,failover=on,id=standby0,"
                   f"mac={FAILOVER_MAC}",
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
        "-device", f"sriovnic-assigned-vf,card=card0,vf=0,bus=rp1,id=primary0,"
                   f"failover_pair_id=standby0,mac={FAILOVER_MAC}"]


def flow(m, since=0):
    """QEMU's failover events and migration states since index `since`."""
    m.qmp("query-status")  # collects what arrived meanwhile
    out = []
    for e in m.events[since:]:
        if e["event"] in FLOW:
            data = e.get("data", {})
            what = data.get("status") or data.get("device-id") or data.get("device") or ""
            out.append(f"{e['event']} {what}".strip())
    return out


def stamp_ms(event):
    return event["timestamp"]["seconds"] * 1000 + event["timestamp"]["microseconds"] / 1000


class QemuFailover(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topo = topo = TwoHosts()
        cls.addClassCleanup(topo.close)
        cls.host = topo.host_a
        cls.g = g = cls.host.guest(devices(cls.host), name="qfail-a")
        # virtio_net first: the primary is plugged once it negotiated STANDBY.
        g.sh("modprobe virtio_net && insmod /lib/modules/sriovnic/sriovnic_vf.ko")
        vf = wait_for(g, f"ls /sys/bus/pci/devices/{PRIMARY_BDF}/net/ 2>/dev/null; true",
                      r"\S").strip()
        # Without udev nothing renames the standby: the master is the VF's.
        cls.master = wait_for(g, f"basename $(readlink /sys/class/net/{vf}/master) "
                                 "2>/dev/null; true", r"\S").strip()
        g.sh(f"ip addr add {GUEST_IP}/24 dev {cls.master} && ip link set {cls.master} up")
        cls.migrations = 0

    # --- the guest's view ------------------------------------------------------
    def primary(self):
        """The VF's netdev once it is net_failover's slave, up."""
        vf = wait_for(self.g, f"ls /sys/bus/pci/devices/{PRIMARY_BDF}/net/ 2>/dev/null; true",
                      r"\S", timeout=HANG_GUARD).strip()
        wait_for(self.g, f"ip link show {vf}", rf"master {self.master}.*state UP")
        return vf

    def vf_tx(self):
        return self.g.qmp("query-sriovnic")[0]["vfs"][0]["counters"]["tx-packets"]

    def assert_vf_active(self, what):
        """The VF is the failover's slave, has the standby's MAC, and the
        guest's traffic leaves through it (the card's counters for VF 0)."""
        vf = self.primary()
        self.assertEqual(self.g.sh(f"cat /sys/class/net/{vf}/address"), FAILOVER_MAC, what)
        self.assertEqual(self.g.sh(f"cat /sys/class/net/{self.master}/address"), FAILOVER_MAC)
        sent = self.vf_tx()
        deadline = time.monotonic() + 30
        while self.vf_tx() < sent + 200:
            self.assertLess(time.monotonic(), deadline, f"{what}: the stream leaves via the VF")
            time.sleep(0.1)

    # --- migrations ---------------------------------------------------------
    def other_host(self):
        return self.topo.host_b if self.host is self.topo.host_a else self.topo.host_a

    def start_migration(self):
        dst_host = self.other_host()
        type(self).migrations += 1
        dst = dst_host.guest(devices(dst_host), incoming="defer",
                             name=f"qfail-{self.migrations}")
        for m in (self.g.machine, dst.machine):
            m.qmp("migrate-set-capabilities",
                  capabilities=[{"capability": "events", "state": True}])
        dst.qmp("migrate-incoming", uri=dst_host.migration_uri())
        mark = len(self.g.machine.events)
        self.g.qmp("migrate", uri=dst_host.migration_uri())
        return dst, mark

    def wait_status(self, m, wanted):
        deadline = time.monotonic() + HANG_GUARD
        while True:
            info = m.qmp("query-migrate")
            if info.get("status") in wanted:
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{m.name}: migration {info}, never {wanted}")
            time.sleep(0.02)

    def migrate(self, what):
        """One whole migration; returns (query-migrate, source events, wait-unplug ms)."""
        dst, mark = self.start_migration()
        src = self.g
        info = self.wait_status(src.machine, ("completed", "failed", "cancelled"))
        self.assertEqual(info["status"], "completed", f"{what}: {info.get('error-desc')}")
        while dst.qmp("query-status")["status"] != "running":
            time.sleep(0.02)
        src_flow = flow(src.machine, mark)
        states = {e["data"]["status"]: stamp_ms(e) for e in src.machine.events[mark:]
                  if e["event"] == "MIGRATION"}
        src.kill()
        type(self).g = dst
        type(self).host = self.other_host()
        return info, src_flow, states["active"] - states["wait-unplug"]

    def test_migrations_and_a_cancel_under_traffic(self):
        self.assertEqual(flow(self.g.machine), ["FAILOVER_NEGOTIATED standby0"],
                         "at boot: negotiated, nothing else")
        peer = self.topo.traffic_peer(GUEST_IP)
        self.addCleanup(peer.close)
        stream = GuestStream(self.g, TwoHosts.PEER_IP)
        peer.wait_connected()
        self.assert_vf_active("at boot")
        rows = []
        for n in range(MIGRATIONS):
            what = f"migration {n + 1} ({self.host.label} -> {self.other_host().label})"
            info, src_flow, held = self.migrate(what)
            stream.follow(self.g)
            print(f"{what}: source {src_flow}; destination {flow(self.g.machine)}",
                  file=sys.stderr)
            self.assertEqual(src_flow, ["MIGRATION setup", "UNPLUG_PRIMARY primary0",
                                        "MIGRATION wait-unplug", "MIGRATION active",
                                        "MIGRATION device", "MIGRATION completed"], what)
            self.assertEqual(flow(self.g.machine), ["MIGRATION setup", "MIGRATION active",
                                                    "FAILOVER_NEGOTIATED standby0",
                                                    "MIGRATION completed"],
                             f"{what}: the destination loaded STANDBY and plugged the primary")
            self.assert_vf_active(what)
            rows.append((what, info.get("total-time"), info.get("downtime"), held))
            if n == 0:
                self.cancel_and_take_the_vf_back()
        peer.quiesce()
        mine, theirs = stream.stop(), peer.stop()
        udp, tcp = mine["udp"], mine["tcp"]
        for what, total, down, held in rows:
            print(f"{what}: total {total} ms, downtime {down} ms, wait-unplug {held:.1f} ms",
                  file=sys.stderr)
        print(f"{MIGRATIONS} migrations + 1 cancel: UDP guest->peer {udp['sent']} sent, "
              f"{udp_lost(udp['sent'], theirs.udp()['unique'])} lost, longest gap "
              f"{theirs.udp()['longest_gap_ms']:.1f} ms; peer->guest {theirs.udp_sent} sent, "
              f"{udp_lost(theirs.udp_sent, udp['unique'])} lost; TCP longest stall "
              f"{theirs.tcp_stall_ms():.1f} ms at the peer, "
              f"{tcp['longest_stall_us'] / 1000:.1f} ms in the guest", file=sys.stderr)
        self.assertTrue(tcp["connected"] and theirs.tcp["connected"])
        self.assertFalse(tcp["broken"], f"the guest's TCP stream broke: {tcp['error']}")
        self.assertFalse(theirs.tcp["broken"], f"the peer's TCP stream broke: "
                                               f"{theirs.tcp['error']}")
        self.assertFalse(tcp["corrupt"] or theirs.tcp["corrupt"], "TCP data arrived intact")

    def cancel_and_take_the_vf_back(self):
        """A migration cancelled once QEMU went on from wait-unplug: QEMU
        plugs the primary back on the source and the guest takes it."""
        src = self.g.machine
        saved = src.qmp("query-migrate-parameters")["max-bandwidth"]
        src.qmp("migrate-set-parameters", **{"max-bandwidth": 4 << 20})
        dst, mark = self.start_migration()
        self.wait_status(src, ("active",))
        src.qmp("migrate_cancel")
        self.wait_status(src, ("cancelled",))
        dst.kill()
        src.qmp("migrate-set-parameters", **{"max-bandwidth": saved})
        print(f"cancelled: source {flow(src, mark)}", file=sys.stderr)
        self.assertEqual(flow(src, mark)[:4], ["MIGRATION setup", "UNPLUG_PRIMARY primary0",
                                               "MIGRATION wait-unplug", "MIGRATION active"])
        self.assertEqual(flow(src, mark)[-1], "MIGRATION cancelled")
        self.assertEqual(src.qmp("query-status")["status"], "running")
        self.assert_vf_active("after the cancel, on the source")


if __name__ == "__main__":
    unittest.main()
