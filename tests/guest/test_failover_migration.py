# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration with failover, with a real guest, between the two hosts of
netns.TwoHosts: the card's uplink is a tap on the host's bridge, the guest's
synth driver has bonded VF 0 under its synthetic netdev (MTU 9000, an
address, and a VLAN sub-interface on VLAN 100), and a 1000 packets/s UDP
stream and a paced TCP stream run each way with the traffic peer.

The scenarios share one guest (tests/lib/bonded.py), which each leaves on
the VF, so they run in any order:

1. migrations back and forth (SRIOVNIC_MIGRATIONS, default 4, the CI size;
   the issue's figure is 20): after each one the guest is back on the VF on
   the destination with MAC, MTU and offloads unchanged on the synthetic
   netdev and on the VF, the VLAN still passes traffic, and the TCP stream
   never broke;
2. a destination with sriov=off keeps the guest on the synthetic path and
   says why; the next migration, to a host with sriov=on, brings the VF back;
3. a cancelled migration and one whose destination fails to load the
   stream: the source offers the VF again and the guest takes it;
4. a guest that never answers the revoke (its channel's interrupts masked,
   as a guest whose kernel is stuck would leave them): the migration goes
   on after the revoke timeout with a surprise revoke, which the query and
   the event report.

Figures are printed per migration and as min / median / max: total time and
downtime (query-migrate), migration start -> guest switched to the synthetic
path (QMP event timestamps on the source), destination resume -> guest back
on the VF (on the destination), UDP packets missing and the longest gap at
each receiving end, the longest TCP stall. Only behaviour is asserted; time
limits are hang guards."""
import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import (CARD, SYNTH_BDF, SYNTH_MAC, BondedGuest, card, channel,  # noqa: E402
                    ping_counts, reason_codes, wait_channel)
from netlib import ethtool_stats, wait_for, wait_stat  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import GuestStream, udp_lost  # noqa: E402
from vlan_peer import VlanPeer  # noqa: E402

MIGRATIONS = int(os.environ.get("SRIOVNIC_MIGRATIONS", "4"))
GUEST_IP = "10.50.0.30"
VLAN = 100
GUEST_VLAN_IP = "10.51.0.30"
PEER_VLAN_IP = "10.51.0.1"
SETTLE_S = 1          # s of traffic measured on the VF after each migration
HANG_GUARD = 90       # s, for a migration; never a measurement
OFFLOADS = ("rx-checksumming", "tx-checksumming", "scatter-gather",
            "tcp-segmentation-offload")


def stamp_ms(event):
    return event["timestamp"]["seconds"] * 1000 + event["timestamp"]["microseconds"] / 1000


def events(m, since, name):
    return [e for e in m.events[since:] if e["event"] == name]


def spread(values):
    if not values:
        return "-"
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


class FailoverMigration(unittest.TestCase):
    """One guest, migrated between the hosts; every scenario starts with it
    on the VF on whichever host it is, and leaves it there."""

    @classmethod
    def setUpClass(cls):
        cls.topo = topo = TwoHosts()
        cls.addClassCleanup(topo.close)
        cls.host = topo.host_a
        cls.bond = BondedGuest("failover-a", host=cls.host, mtu=9000,
                               address=f"{GUEST_IP}/24", vf=False, modprobe=["8021q"])
        cls.g = g = cls.bond.g
        cls.synth = s = cls.bond.synth
        g.sh(f"ip link add link {s} name {s}.{VLAN} type vlan id {VLAN} && "
             f"ip addr add {GUEST_VLAN_IP}/24 dev {s}.{VLAN} && ip link set {s}.{VLAN} up")
        # The peer's end of the VLAN (in user space: the machine's kernel may lack 8021q).
        vlan_peer = VlanPeer(topo.peer_ns, "eth0", VLAN, PEER_VLAN_IP)
        cls.addClassCleanup(vlan_peer.close)
        cls.vf = cls.bond.enable_vf()
        cls.migrations = 0
        cls.baseline = cls.config()

    # --- the guest's view --------------------------------------------------
    def wait_data_path(self, on_vf):
        wait_for(self.g, f"ethtool -S {self.synth}", rf"data_path_vf: {int(on_vf)}\b")

    @classmethod
    def config(cls):
        """What must survive a migration: MAC, MTU and offloads of both netdevs."""
        out = {}
        for dev in (cls.synth, cls.vf):
            out[dev] = {"mac": cls.g.sh(f"cat /sys/class/net/{dev}/address").strip(),
                        "mtu": cls.g.sh(f"cat /sys/class/net/{dev}/mtu").strip()}
            for line in cls.g.sh(f"ethtool -k {dev}").splitlines():
                name, _, value = line.strip().partition(": ")
                if name in OFFLOADS:
                    out[dev][name] = value.split()[0]
        return out

    def vlan_pings(self, count=5):
        """Pings to the peer's VLAN address; (sent, received)."""
        return ping_counts(self.g.sh(f"ping -c {count} -i 0.2 -W 2 {PEER_VLAN_IP}; true",
                                     timeout=60))

    def assert_vlan_passes(self, what):
        sent, received = self.vlan_pings()
        self.assertGreaterEqual(received, sent - 1, f"{what}: VLAN {VLAN} passes traffic")

    def assert_on_vf(self, what):
        """The guest's data path is on the VF, and so is the device's."""
        ch = wait_channel(self.g.machine, "vf")
        self.wait_data_path(True)
        self.assertTrue(ch["rx-via-vf"], f"{what}: {ch}")
        self.assertEqual(reason_codes(ch), [], what)

    # --- migrations ----------------------------------------------------------
    def other_host(self):
        return self.topo.host_b if self.host is self.topo.host_a else self.topo.host_a

    def start_migration(self, devices=CARD):
        """Starts a destination on the other host and the migration to it;
        returns (destination Guest, index into the source's events, t0)."""
        dst_host = self.other_host()
        type(self).migrations += 1
        dst = dst_host.guest(dst_host.netdev() + devices, incoming="defer",
                             name=f"failover-{self.migrations}")
        caps = [{"capability": "events", "state": True},
                {"capability": "return-path", "state": True}]
        for m in (self.g.machine, dst.machine):
            m.qmp("migrate-set-capabilities", capabilities=caps)
        dst.qmp("migrate-incoming", uri=dst_host.migration_uri())
        mark = len(self.g.machine.events)
        t0 = time.monotonic_ns()
        self.g.qmp("migrate", uri=dst_host.migration_uri())
        return dst, mark, t0

    def wait_status(self, m, wanted, guard=HANG_GUARD):
        deadline = time.monotonic() + guard
        while True:
            info = m.qmp("query-migrate")
            if info.get("status") in wanted:
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{m.name}: migration {info}, never {wanted}")
            time.sleep(0.02)

    def finish(self, dst):
        """Waits for the migration to complete and the destination to run;
        the guest now lives there. Returns query-migrate's final answer.
        The source is killed (which frees its tap)."""
        info = self.wait_status(self.g.machine, ("completed", "failed", "cancelled"))
        self.assertEqual(info["status"], "completed", info.get("error-desc"))
        deadline = time.monotonic() + HANG_GUARD
        while dst.qmp("query-status")["status"] != "running":
            self.assertLess(time.monotonic(), deadline, "the destination runs")
            time.sleep(0.02)
        self.src = self.g
        type(self).g = self.bond.g = dst
        type(self).host = self.other_host()
        return info

    def migrate(self, devices=CARD):
        """One whole migration; returns (info, source events since it started,
        destination, t0)."""
        dst, mark, t0 = self.start_migration(devices)
        info = self.finish(dst)
        src_events = self.src.machine.events[mark:]
        self.src.kill()
        return info, src_events, t0

    def switched_ms(self, src_events):
        """Migration start (MIGRATION setup) -> the guest's answer to the revoke."""
        setup = [e for e in src_events if e["event"] == "MIGRATION" and
                 e["data"]["status"] == "setup"]
        done = [e for e in src_events if e["event"] == "SRIOVNIC_DATAPATH_CHANGED" and
                e["data"]["cause"] in ("revoke-done", "revoke-timeout")]
        return stamp_ms(done[0]) - stamp_ms(setup[0]) if setup and done else float("nan")

    def back_on_vf_ms(self):
        """Destination resume -> the guest switched to the VF there."""
        ev = self.g.machine.events
        resume = [e for e in ev if e["event"] == "RESUME"]
        switch = [e for e in ev if e["event"] == "SRIOVNIC_DATAPATH_CHANGED" and
                  e["data"]["cause"] == "switch-to-vf"]
        return stamp_ms(switch[0]) - stamp_ms(resume[0]) if resume and switch else float("nan")

    def streams(self):
        peer = self.topo.traffic_peer(GUEST_IP)
        self.addCleanup(peer.close)
        stream = GuestStream(self.g, TwoHosts.PEER_IP)
        self.addCleanup(self.kill_stream, stream)
        peer.wait_connected()
        self.g.sh("sleep 1")
        return peer, stream

    @staticmethod
    def kill_stream(stream):
        """After a failure: the next scenario starts a stream of its own."""
        try:
            stream.g.run("kill $(cat /tmp/stream.pid) 2>/dev/null", check=False)
        except Exception:  # the guest it ran in is gone
            pass

    def stop_streams(self, peer, stream, what):
        peer.quiesce()
        mine = stream.stop()
        theirs = peer.stop()
        udp, tcp = mine["udp"], mine["tcp"]
        print(f"{what}: UDP guest->peer {udp['sent']} sent, "
              f"{udp_lost(udp['sent'], theirs.udp()['unique'])} lost, "
              f"{theirs.udp()['duplicated']} duplicated; peer->guest {theirs.udp_sent} sent, "
              f"{udp_lost(theirs.udp_sent, udp['unique'])} lost, {udp['duplicated']} "
              f"duplicated; TCP longest stall {theirs.tcp_stall_ms():.1f} ms at the peer, "
              f"{tcp['longest_stall_us'] / 1000:.1f} ms in the guest", file=sys.stderr)
        self.assertTrue(tcp["connected"] and theirs.tcp["connected"])
        self.assertFalse(tcp["broken"], f"the guest's TCP stream broke: {tcp['error']}")
        self.assertFalse(theirs.tcp["broken"], f"the peer's TCP stream broke: "
                                               f"{theirs.tcp['error']}")
        self.assertFalse(tcp["corrupt"] or theirs.tcp["corrupt"], "TCP data arrived intact")
        return mine, theirs

    # --- the scenarios ---------------------------------------------------------
    def test_bonded_on_the_vf_with_a_vlan(self):
        g = self.g
        self.assert_on_vf("before any migration")
        conf = self.config()
        self.assertEqual(conf[self.synth]["mtu"], "9000")
        self.assertEqual(conf[self.vf]["mtu"], "9000", "the VF joined at MTU 9000")
        self.assertEqual(conf[self.vf]["mac"], SYNTH_MAC)
        self.assertEqual(conf, self.baseline)
        before = ethtool_stats(g, self.synth)
        self.assert_vlan_passes("on the VF, before any migration")
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 4,
                                "the VLAN's replies arrive through the VF")

    def test_migrations_back_and_forth_under_traffic(self):
        peer, stream = self.streams()
        rows = []
        joins = self.vf_joins()
        for n in range(MIGRATIONS):
            what = f"migration {n + 1} ({self.host.label} -> {self.other_host().label})"
            snap0 = stream.snapshot()
            info, src_events, t0 = self.migrate()
            stream.follow(self.g)
            causes = [(e["data"]["cause"], e["data"].get("revoke-reason"))
                      for e in src_events if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]
            self.assertEqual(causes, [("revoke-request", "migration"),
                                      ("revoke-done", "migration")], what)
            self.assert_on_vf(what)
            self.assertEqual(self.vf_joins(), joins,
                             f"{what}: the VF stayed joined, taken back by a switch only")
            self.assertIn("SLAVE", self.g.sh(f"ip link show {self.vf}"), what)
            rx_on_vf = ethtool_stats(self.g, self.synth)["vf_rx_packets"]
            self.assertEqual(self.config(), self.baseline, f"{what}: MAC, MTU, offloads")
            self.assert_vlan_passes(what)
            self.g.sh(f"sleep {SETTLE_S}")
            wait_stat(self.g, self.synth, "vf_rx_packets", rx_on_vf + 500,
                      f"{what}: the streams arrive through the VF")
            snap1 = stream.snapshot()
            t1 = time.monotonic_ns()
            rows.append({"what": what, "t0": t0, "t1": t1, "snap0": snap0, "snap1": snap1,
                         "total": info.get("total-time", float("nan")),
                         "downtime": info.get("downtime", float("nan")),
                         "switched": self.switched_ms(src_events),
                         "back_on_vf": self.back_on_vf_ms()})
        mine, theirs = self.stop_streams(peer, stream, f"{MIGRATIONS} migrations")
        self.print_rows(rows, theirs)
        self.assertGreater(theirs.udp(rows[-1]["t1"])["unique"], 0,
                           "the peer receives the guest's stream after the last migration")

    def vf_joins(self):
        """How often the synth driver joined a VF (its dmesg line)."""
        return int(self.g.sh("dmesg | grep -c 'joined VF' || true").strip())

    @staticmethod
    def print_rows(rows, report):
        keys = (("total", "total time, ms"), ("downtime", "downtime, ms"),
                ("switched", "migration start -> guest switched, ms"),
                ("back_on_vf", "destination resume -> guest on the VF, ms"),
                ("to_peer_missing", "UDP guest->peer missing"),
                ("to_peer_gap", "UDP guest->peer longest gap at the peer, ms"),
                ("to_guest_missing", "UDP peer->guest missing"),
                ("to_guest_gap", "UDP peer->guest longest gap in the guest, ms"),
                ("peer_stall", "longest TCP stall at the peer, ms"),
                ("guest_stall", "longest TCP stall in the guest, ms"))
        print(f"\n{'':>3} {'total':>6} {'down':>5} {'switch':>6} {'on VF':>6} | to peer: "
              f"{'miss':>4} {'gap':>6} | to guest: {'miss':>4} {'gap':>6} | stall: "
              f"{'peer':>6} {'guest':>6}", file=sys.stderr)
        for n, r in enumerate(rows):
            window = report.udp(r["t0"], r["t1"])
            r["to_peer_missing"] = window["holes"]
            r["to_peer_gap"] = window["longest_gap_ms"]
            r["to_guest_missing"] = r["snap1"]["udp"]["holes"] - r["snap0"]["udp"]["holes"]
            r["to_guest_gap"] = r["snap1"]["udp"]["window_longest_gap_us"] / 1000
            r["peer_stall"] = report.tcp_stall_ms(r["t0"], r["t1"])
            r["guest_stall"] = r["snap1"]["tcp"]["window_longest_stall_us"] / 1000
            print(f"{n + 1:>3} {r['total']:>6} {r['downtime']:>5} {r['switched']:>6.1f} "
                  f"{r['back_on_vf']:>6.1f} | {r['to_peer_missing']:>13} "
                  f"{r['to_peer_gap']:>6.1f} | {r['to_guest_missing']:>14} "
                  f"{r['to_guest_gap']:>6.1f} | {r['peer_stall']:>13.1f} "
                  f"{r['guest_stall']:>6.1f}", file=sys.stderr)
        print("min / median / max:", file=sys.stderr)
        for key, what in keys:
            print(f"  {what}: {spread([r[key] for r in rows])}", file=sys.stderr)

    def test_a_destination_without_sriov_keeps_the_guest_synthetic(self):
        peer, stream = self.streams()
        self.migrate(card(synth_extra=",sriov=off"))
        stream.follow(self.g)
        self.wait_data_path(False)
        ch = wait_channel(self.g.machine, "synthetic")
        self.assertEqual(reason_codes(ch), ["policy"], ch)
        self.assertEqual(ch["reasons"][0]["text"], "SR-IOV is disabled by host policy")
        before = ethtool_stats(self.g, self.synth)
        snap = stream.snapshot()
        self.assert_vlan_passes("on the synthetic path")
        self.g.sh(f"sleep {SETTLE_S}")
        after = wait_stat(self.g, self.synth, "rx_packets", before["rx_packets"] + 500,
                          "the streams arrive on the synthetic path")
        self.assertEqual(channel(self.g.machine)["state"], "synthetic", "nothing was offered")
        self.assertEqual(after["vf_rx_packets"], before["vf_rx_packets"])
        self.assertGreater(stream.snapshot()["udp"]["unique"], snap["udp"]["unique"])

        self.migrate(CARD)  # to a host that allows SR-IOV
        stream.follow(self.g)
        self.assert_on_vf("after the migration to a host with sriov=on")
        self.assertEqual(self.config(), self.baseline)
        self.assert_vlan_passes("back on the VF")
        self.stop_streams(peer, stream, "sriov=off and back")

    def assert_offered_again_on_the_source(self, what, mark):
        """The source took the VF back after a migration that did not happen."""
        self.assertEqual(self.g.qmp("query-status")["status"], "running", what)
        self.assert_on_vf(what)
        causes = [e["data"]["cause"]
                  for e in events(self.g.machine, mark, "SRIOVNIC_DATAPATH_CHANGED")]
        self.assertEqual(causes, ["revoke-request", "revoke-done", "offer", "switch-to-vf"],
                         what)
        self.assertEqual(self.config(), self.baseline, what)
        self.assert_vlan_passes(what)

    def test_a_cancelled_migration_offers_the_vf_again(self):
        src = self.g.machine
        saved = src.qmp("query-migrate-parameters")["max-bandwidth"]
        # Slow enough to be still running when it is cancelled.
        src.qmp("migrate-set-parameters", **{"max-bandwidth": 4 << 20})
        self.addCleanup(src.qmp, "migrate-set-parameters", **{"max-bandwidth": saved})
        dst, mark, _ = self.start_migration()
        self.wait_status(src, ("active",))
        src.qmp("migrate_cancel")
        self.wait_status(src, ("cancelled",))
        dst.kill()
        self.assertNotIn("migrating", reason_codes(channel(src)))
        self.assert_offered_again_on_the_source("cancelled", mark)

    def test_a_destination_that_fails_to_load_makes_the_source_offer_again(self):
        dst, mark, _ = self.start_migration(card(vfs=4))  # not the source's card
        info = self.wait_status(self.g.machine, ("failed", "completed"))
        dst.kill()
        self.assertEqual(info["status"], "failed", "the destination refused the stream")
        print(f"\nfailed to load: {info.get('error-desc')}", file=sys.stderr)
        self.assert_offered_again_on_the_source("failed to load", mark)

    def test_a_guest_that_never_answers_does_not_hang_the_migration(self):
        # A guest whose kernel is stuck leaves the channel's interrupts
        # unserved: with the function's MSI-X masked (the control bit the
        # PCI core only touches at setup) the revoke event waits in the
        # ring, unanswered, while the guest itself runs on.
        msix = f"setpci -s {SYNTH_BDF} CAP_MSIX+2.w"
        self.g.sh(f"{msix}=4000:4000")
        timeouts = channel(self.g.machine)["revoke-timeouts"]
        dst, mark, t0 = self.start_migration()
        info = self.finish(dst)
        took = (time.monotonic_ns() - t0) / 1e6
        src = self.src.machine
        ch = channel(src)
        self.assertEqual(ch["last-revoke"],
                         {"reason": "migration", "surprise": True, "timed-out": True})
        self.assertEqual(ch["revoke-timeouts"], timeouts + 1)
        self.assertIn("the last offer was revoked (reason migration: live migration, "
                      "timed out)", [r["text"] for r in ch["reasons"]])
        changes = [e["data"] for e in events(src, mark, "SRIOVNIC_DATAPATH_CHANGED")]
        self.assertEqual([(e["cause"], e["new-state"]) for e in changes],
                         [("revoke-request", "revoking"), ("revoke-timeout", "synthetic")])
        src_events = src.events[mark:]
        self.src.kill()
        print(f"\nunanswered revoke: migration completed in {took:.0f} ms (query-migrate "
              f"{info.get('total-time')} ms, downtime {info.get('downtime')} ms), start -> "
              f"surprise revoke {self.switched_ms(src_events):.1f} ms", file=sys.stderr)

        # The guest comes back to life on the destination and takes the VF.
        self.g.sh(f"{msix}=0000:4000")
        self.assert_on_vf("the guest woke up on the destination")
        self.assertEqual(self.config(), self.baseline)
        self.assert_vlan_passes("after the unanswered revoke")
        self.assertEqual(ethtool_stats(self.g, self.synth)["bad_messages"], 0)


if __name__ == "__main__":
    unittest.main()
