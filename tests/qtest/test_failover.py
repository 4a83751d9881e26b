# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of failover on live migration (sriovnic-synth
on-migration=revoke, the default, and keep): two QEMUs under the qtest
accelerator migrating over a unix socket, the guest's synth driver played
through the channel's rings as in test_synth.py. The source revokes the VF
at migration setup and holds the migration in wait-unplug until the guest
switched (or the revoke timed out); the destination offers its VF once the
VM runs, if its policy allows. Under qtest the device clock moves only with
clock_step, so a revoke times out exactly when a test says so."""
import time
import unittest

from sriovnic_pci import R, S, QueuePair, SplitRing, synth_args
from qemu_machine import Machine
from test_datapath import Wire
from test_synth import (DP_OFFERED, DP_REVOKING, DP_SYNTHETIC, DP_VF, OFFER, PATH_SYNTHETIC,
                        PATH_VF, Q_EVENT, REVOKE, ST_OK, SYNTH_MAC, SynthTest, run_qemu,
                        machine_cmdline)

REVOKE_MIGRATION, REVOKE_ADMIN = 1, 5
F_SURPRISE, F_TIMEOUT = S["REVOKE_F_SURPRISE"], S["REVOKE_F_TIMEOUT"]
TIMEOUT_MS = 400                   # the channels' revoke-timeout here
VF_MTU = 4000
HANG_GUARD = 30                    # s; never a timing assertion
RESUME_OFFER_WAIT_MS = S["RESUME_OFFER_WAIT_MS"]


def channel(m):
    return m.qmp("query-sriovnic")[0]["channels"][0]


def codes(ch):
    return [r["code"] for r in ch.get("reasons", [])]


def datapath_events(m):
    m.qmp("query-status")  # collects what arrived meanwhile
    return [e["data"] for e in m.events if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]


def migration_statuses(m):
    m.qmp("query-status")
    return [e["data"]["status"] for e in m.events if e["event"] == "MIGRATION"]


class Failover(unittest.TestCase):
    src_props = f"mac={SYNTH_MAC.hex(':')},revoke-timeout={TIMEOUT_MS}"
    dst_props = src_props

    def machines(self, dst_props=None, dst_device=True, paused=True):
        """A source and a destination (-incoming defer; -S: it stays paused
        after the migration until `cont`)."""
        wires = [Wire(), Wire()]
        for w in wires:
            self.addCleanup(w.close)
        self.src = Machine(synth_args(2, self.src_props, "netdev=n0") + wires[0].netdev_args("n0"),
                           name="src")
        self.addCleanup(self.src.kill)
        dst_args = (synth_args(2, dst_props or self.dst_props, "netdev=n0") if dst_device else
                    synth_args(2, "", "netdev=n0")[:-4])  # no root port, no channel
        self.dst = Machine(dst_args + wires[1].netdev_args("n0") + ["-incoming", "defer"] +
                           (["-S"] if paused else []), name="dst")
        self.addCleanup(self.dst.kill)
        self.wires = wires
        for m in (self.src, self.dst):
            m.qmp("migrate-set-capabilities",
                  capabilities=[{"capability": "events", "state": True},
                                {"capability": "return-path", "state": True}])

    def guest_on_vf(self):
        """The guest's drivers on the source: synth up, VFs enabled, the VF
        up with a port VLAN and MTU the host and its driver set, and the
        synth driver switched to it."""
        t = SynthTest.driver(self.src, self.wires[0])
        t.bring_up()
        t.card.enable_vfs(2)
        _, payload = t.next_event(S["EV_VF_OFFER"])
        serial = OFFER.unpack(payload)[2]
        t.card.wr(R["REG_MTU"], VF_MTU, vf=0)
        t.card.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=0)
        t.vf = QueuePair(t.card, area=1, vf=0)
        self.assertEqual(t.switch(PATH_VF, 0, serial)[0], ST_OK)
        self.assertEqual(channel(self.src)["state"], "vf")
        self.src.events.clear()
        return t

    def start_migration(self):
        uri = f"unix:{self.dst.dir}/migrate.sock"
        self.dst.qmp("migrate-incoming", uri=uri, **{"exit-on-error": False})
        self.src.qmp("migrate", uri=uri)

    def wait_status(self, m, wanted, guard=HANG_GUARD):
        deadline = time.monotonic() + guard
        while time.monotonic() < deadline:
            status = m.qmp("query-migrate").get("status")
            if status in wanted:
                return status
            time.sleep(0.01)
        self.fail(f"{m.name}: migration status {status}, never {wanted}")

    def revoke_event(self, t):
        _, payload = t.next_event(S["EV_VF_REVOKE"])
        return REVOKE.unpack(payload)  # vf_index, reason, flags, serial, timeout_ms

    def destination_driver(self, t):
        """The guest's driver on the destination: same rings (guest RAM came along)."""
        d = SynthTest.driver(self.dst, self.wires[1], setup=False)
        d.ev = SplitRing.adopt(d.fn, Q_EVENT, t.ev.avail_idx, t.ev.used_seen, t.ev.next_desc,
                               t.ev.heads)
        d.ctrl = SplitRing.adopt(d.fn, S["Q_CTRL"], t.ctrl.avail_idx, t.ctrl.used_seen,
                                 t.ctrl.next_desc, t.ctrl.heads)
        return d

    def wait_loaded(self):
        self.wait_status(self.dst, ("completed",))
        deadline = time.monotonic() + HANG_GUARD
        while self.dst.qmp("query-status")["status"] == "inmigrate":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)


class Revoke(Failover):
    def test_the_guest_switches_and_the_migration_goes_on_at_once(self):
        self.machines()
        t = self.guest_on_vf()
        self.start_migration()
        vf, reason, flags, serial, timeout = self.revoke_event(t)
        self.assertEqual((vf, reason, flags, timeout), (0, REVOKE_MIGRATION, 0, TIMEOUT_MS))
        self.wait_status(self.src, ("wait-unplug",))
        time.sleep(0.3)
        self.assertEqual(self.src.qmp("query-migrate")["status"], "wait-unplug",
                         "held while the guest has not switched")
        ch = channel(self.src)
        self.assertEqual(ch["state"], "revoking")
        self.assertIn("migrating", codes(ch))
        self.assertTrue(any(r["text"].startswith("revoked for migration")
                            for r in ch["reasons"]), ch["reasons"])

        status, (path, _, _, _) = t.switch(PATH_SYNTHETIC)
        switched = time.monotonic()
        self.assertEqual((status, path), (ST_OK, PATH_SYNTHETIC))
        while self.src.qmp("query-migrate")["status"] == "wait-unplug":
            self.assertLess(time.monotonic() - switched, HANG_GUARD)
        released = time.monotonic()
        print(f"\nhold released {(released - switched) * 1000:.1f} ms after the guest's switch "
              f"completed (QEMU alone polls every 250 ms)")
        self.src.wait_migration()

        statuses = migration_statuses(self.src)
        self.assertEqual(statuses[statuses.index("wait-unplug") + 1], "active", statuses)
        causes = [(e["cause"], e.get("revoke-reason")) for e in datapath_events(self.src)]
        self.assertEqual(causes, [("revoke-request", "migration"), ("revoke-done", "migration")])
        src_ch = channel(self.src)
        self.assertEqual(src_ch["state"], "synthetic")
        self.assertEqual(src_ch["last-revoke"],
                         {"reason": "migration", "surprise": False, "timed-out": False})

        # The destination: paused after the load, synthetic, no offer yet.
        self.wait_loaded()
        d = self.destination_driver(t)
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, DP_SYNTHETIC)
        dst_ch = channel(self.dst)
        self.assertEqual(dst_ch["state"], "synthetic")
        self.assertIn("migrating", codes(dst_ch))
        self.assertEqual(datapath_events(self.dst), [], "no offer before the VM runs")

        self.dst.qmp("cont")
        # The VM runs: the offer waits for the guest's traffic (its first
        # transmit on the synthetic path), so that its join follows it.
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, DP_SYNTHETIC)
        self.assertIn("the VF is offered at the guest's first transmit on the synthetic path",
                      [r["text"] for r in channel(self.dst)["reasons"]][0])
        d.fn.qwr(S["Q_TX"], "NOTIFY", 1)
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, DP_OFFERED)
        self.assertEqual([(e["cause"], e["new-state"]) for e in datapath_events(self.dst)],
                         [("offer", "offered")])
        vf, _, serial, mac, _ = OFFER.unpack(d.next_event(S["EV_VF_OFFER"])[1])
        self.assertEqual((vf, mac), (0, SYNTH_MAC))
        card = self.dst.qmp("query-sriovnic")[0]
        vf0 = card["vfs"][0]
        self.assertEqual((vf0["mac"], vf0["admin"]["mac"]), (SYNTH_MAC.hex(":"),) * 2)
        self.assertEqual(vf0["mtu"], VF_MTU)
        self.assertNotIn("migrating", codes(card["channels"][0]))

        # The guest takes the VF on the destination; receive traffic goes to it.
        self.assertEqual(d.switch(PATH_VF, 0, serial)[0], ST_OK)
        self.assertEqual(channel(self.dst)["state"], "vf")
        vfq = QueuePair.adopt(d.card, 1, vf=0, rx_next=t.vf.rx_next)
        frame = d.frame_for_channel(21)
        self.wires[1].send(frame)
        got = vfq.receive()
        self.assertEqual(got.data, frame)

    def test_a_guest_that_never_answers_costs_the_revoke_timeout_then_a_surprise(self):
        self.machines(paused=False)
        t = self.guest_on_vf()
        self.start_migration()
        self.revoke_event(t)
        self.wait_status(self.src, ("wait-unplug",))
        self.src.qtest(f"clock_step {(TIMEOUT_MS - 1) * 1_000_000}")
        time.sleep(0.3)
        self.assertEqual(self.src.qmp("query-migrate")["status"], "wait-unplug", "not yet")
        self.src.qtest(f"clock_step {1_000_000}")
        self.src.wait_migration()
        _, reason, flags, _, timeout = self.revoke_event(t)
        self.assertEqual((reason, flags, timeout), (REVOKE_MIGRATION, F_SURPRISE | F_TIMEOUT, 0))
        ch = channel(self.src)
        self.assertEqual(ch["last-revoke"],
                         {"reason": "migration", "surprise": True, "timed-out": True})
        self.assertEqual(ch["revoke-timeouts"], 1)
        self.assertIn("the last offer was revoked (reason migration: live migration, timed out)",
                      [r["text"] for r in ch["reasons"]])
        ev = datapath_events(self.src)[-1]
        self.assertEqual((ev["cause"], ev["revoke-reason"], ev["new-state"]),
                         ("revoke-timeout", "migration", "synthetic"))
        self.wait_loaded()
        self.dst.qtest(f"clock_step {RESUME_OFFER_WAIT_MS * 1_000_000}")  # a guest that sends nothing
        self.assertEqual(channel(self.dst)["state"], "offered", "the destination runs: offer")

    def test_a_cancelled_migration_offers_the_vf_again_on_the_source(self):
        self.machines()
        t = self.guest_on_vf()
        self.start_migration()
        self.revoke_event(t)
        self.wait_status(self.src, ("wait-unplug",))
        self.src.qmp("migrate_cancel")
        self.assertEqual(channel(self.src)["state"], "revoking", "the revoke goes on")
        self.assertEqual(t.switch(PATH_SYNTHETIC)[0], ST_OK)
        switched = time.monotonic()
        self.wait_status(self.src, ("cancelled",))
        print(f"\ncancelled {(time.monotonic() - switched) * 1000:.1f} ms after the guest's switch")
        deadline = time.monotonic() + HANG_GUARD
        while t.fn.rd(S["REG_DATAPATH"]) & 3 != DP_OFFERED:
            self.assertLess(time.monotonic(), deadline, "offered again")
            time.sleep(0.01)
        vf, _, serial, mac, _ = OFFER.unpack(t.next_event(S["EV_VF_OFFER"])[1])
        self.assertEqual((vf, mac), (0, SYNTH_MAC))
        ch = channel(self.src)
        self.assertNotIn("migrating", codes(ch))
        self.assertEqual(t.switch(PATH_VF, 0, serial)[0], ST_OK, "the guest takes it back")

    def test_a_cancel_with_a_guest_that_never_answers_ends_at_the_revoke_timeout(self):
        self.machines()
        t = self.guest_on_vf()
        self.start_migration()
        self.wait_status(self.src, ("wait-unplug",))
        self.src.qmp("migrate_cancel")
        time.sleep(0.3)
        self.assertEqual(self.src.qmp("query-migrate")["status"], "cancelling",
                         "QEMU waits for the revoke to end")
        self.src.qtest(f"clock_step {TIMEOUT_MS * 1_000_000}")
        self.wait_status(self.src, ("cancelled",))
        deadline = time.monotonic() + HANG_GUARD
        while channel(self.src)["state"] != "offered":
            self.assertLess(time.monotonic(), deadline, "offered again")
            time.sleep(0.01)
        self.assertTrue(channel(self.src)["last-revoke"]["timed-out"])

    def test_a_destination_that_fails_to_load_makes_the_source_offer_again(self):
        self.machines(dst_device=False)  # the destination has no sriovnic-synth
        t = self.guest_on_vf()
        self.start_migration()
        self.wait_status(self.src, ("wait-unplug",))
        self.assertEqual(t.switch(PATH_SYNTHETIC)[0], ST_OK)
        self.wait_status(self.src, ("failed",))
        deadline = time.monotonic() + HANG_GUARD
        while channel(self.src)["state"] != "offered":
            self.assertLess(time.monotonic(), deadline, "offered again")
            time.sleep(0.01)
        self.assertEqual(self.src.qmp("query-status")["status"], "running")
        _, payload = t.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[3], SYNTH_MAC)

    def test_a_destination_without_sriov_keeps_the_guest_synthetic_and_says_why(self):
        self.machines(dst_props=self.src_props + ",sriov=off")
        t = self.guest_on_vf()
        self.start_migration()
        self.wait_status(self.src, ("wait-unplug",))
        self.assertEqual(t.switch(PATH_SYNTHETIC)[0], ST_OK)
        self.src.wait_migration()
        self.wait_loaded()
        self.dst.qmp("cont")
        ch = channel(self.dst)
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(codes(ch), ["policy"])
        self.assertEqual(ch["reasons"][0]["text"], "SR-IOV is disabled by host policy")
        self.assertEqual(datapath_events(self.dst), [])
        # The host's policy changes: the VF is offered.
        self.dst.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True})
        self.assertEqual(channel(self.dst)["state"], "offered")

    def test_a_stopped_guest_is_not_waited_for(self):
        self.machines(paused=False)
        t = self.guest_on_vf()
        self.src.qmp("stop")
        self.start_migration()
        self.src.wait_migration()
        _, reason, flags, _, _ = self.revoke_event(t)
        self.assertEqual((reason, flags), (REVOKE_MIGRATION, F_SURPRISE))
        self.assertNotIn("wait-unplug", migration_statuses(self.src))


class Keep(Failover):
    src_props = Failover.src_props + ",on-migration=keep"
    dst_props = src_props

    def test_the_vf_stays_and_the_destination_carries_on_with_it(self):
        self.machines(paused=False)
        t = self.guest_on_vf()
        self.start_migration()
        self.src.wait_migration()
        self.assertNotIn("wait-unplug", migration_statuses(self.src))
        self.assertEqual(datapath_events(self.src), [], "nothing revoked")
        self.wait_loaded()
        d = self.destination_driver(t)
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, DP_VF)
        ch = channel(self.dst)
        self.assertEqual((ch["state"], ch["rx-via-vf"]), ("vf", True))
        self.assertNotIn("reasons", ch)
        vfq = QueuePair.adopt(d.card, 1, vf=0, rx_next=t.vf.rx_next)
        frame = d.frame_for_channel(22)
        self.wires[1].send(frame)
        self.assertEqual(vfq.receive().data, frame)

    def test_a_revoke_in_flight_migrates_with_its_reason_and_time_left(self):
        self.machines(paused=False)
        t = self.guest_on_vf()
        self.src.qmp("sriovnic-revoke", id="synth0", reason="admin", **{"timeout-ms": 5000})
        self.src.qtest(f"clock_step {1000 * 1_000_000}")
        self.start_migration()
        self.src.wait_migration()
        self.wait_loaded()
        ch = channel(self.dst)
        self.assertEqual(ch["state"], "revoking")
        self.assertIn("a revoke is in progress (reason admin: an administrator's revoke), "
                      "waiting for the guest to switch to the synthetic path",
                      [r["text"] for r in ch["reasons"]])
        self.dst.qtest(f"clock_step {3999 * 1_000_000}")
        self.assertEqual(channel(self.dst)["state"], "revoking", "4000 ms were left")
        self.dst.qtest(f"clock_step {1 * 1_000_000}")
        ch = channel(self.dst)
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(ch["last-revoke"], {"reason": "admin", "surprise": True, "timed-out": True})
        d = self.destination_driver(t)
        self.revoke_event(d)  # the request, delivered on the source
        _, reason, flags, _, _ = self.revoke_event(d)
        self.assertEqual((reason, flags), (REVOKE_ADMIN, F_SURPRISE | F_TIMEOUT))


class Property(unittest.TestCase):
    def test_a_bad_on_migration_names_the_property_and_the_values(self):
        r = run_qemu(*machine_cmdline("pf=nic0,vf=0,on-migration=never"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("property 'on-migration' must be 'revoke' or 'keep' (got 'never')", r.stderr)


if __name__ == "__main__":
    unittest.main()
