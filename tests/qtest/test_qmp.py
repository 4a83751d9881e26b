# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of sriovnic's management interface: query-sriovnic
(with the reasons a channel is not on its VF), sriovnic-offer,
sriovnic-revoke, sriovnic-set-policy, the SRIOVNIC_DATAPATH_CHANGED event,
HMP `info sriovnic` and the commands' trace events. The guest's side is
driven over MMIO as in test_synth.py (whose helpers these tests reuse)."""
import time
import unittest

import test_synth
from sriovnic_pci import R, S, machine_args
from qemu_machine import Machine, QemuError
from test_synth import (DP_OFFERED, DP_REVOKING, DP_SYNTHETIC, DP_VF, OFFER, PATH_SYNTHETIC,
                        PATH_VF, REVOKE, REVOKE_REMOVED, ST_OK, SYNTH_MAC, SynthTest)

SYNTH_MAC_STR = SYNTH_MAC.hex(":")
SYNTH_PATH = "/machine/peripheral/synth0"
REVOKE_ADMIN = 5
REVOKE_MIGRATION = 1
NOT_ENABLED_VF0 = "VF 0 is not enabled by the guest's PF driver (SR-IOV NumVFs)"


def codes(channel):
    return [r["code"] for r in channel.get("reasons", [])]


def texts(channel):
    return [r["text"] for r in channel.get("reasons", [])]


class CardWithoutChannels(unittest.TestCase):
    def setUp(self):
        self.m = Machine(machine_args(2))
        self.addCleanup(self.m.kill)

    def test_query_lists_the_pf_and_every_vf_enabled_or_not(self):
        cards = self.m.qmp("query-sriovnic")
        self.assertEqual(len(cards), 1)
        card = cards[0]
        self.assertEqual(card["id"], "nic0")
        self.assertEqual(card["qom-path"], "/machine/peripheral/nic0")
        self.assertEqual(card["channels"], [])
        pf = card["pf"]
        self.assertEqual((pf["total-vfs"], pf["num-vfs"]), (2, 0))
        self.assertEqual(pf["queue-pairs"], 4)
        self.assertFalse(pf["driver-enabled"])
        self.assertEqual([vf["index"] for vf in card["vfs"]], [0, 1])
        for vf in card["vfs"]:
            self.assertFalse(vf["enabled"])
            self.assertFalse(vf["paired"])
            self.assertEqual(vf["admin"], {"vlan": 0, "qos": 0, "spoof-check": True,
                                           "trust": False, "link-state": "auto",
                                           "max-tx-rate": 0, "max-mtu": 0})
            self.assertEqual(vf["counters"]["rx-packets"], 0)

    def test_hmp_shows_the_card(self):
        out = self.m.hmp("info sriovnic")
        self.assertIn("sriovnic nic0 (/machine/peripheral/nic0)", out)
        self.assertIn("VFs 0 of 2 enabled", out)
        self.assertNotIn("channel", out)
        self.assertIn("no sriovnic card with id or QOM path 'nic9'",
                      self.m.hmp("info sriovnic nic9"))
        self.assertIn("sriovnic nic0", self.m.hmp("info sriovnic /machine/peripheral/nic0"))

    def test_channel_commands_name_the_bad_id(self):
        with self.assertRaisesRegex(QemuError, "'id': 'nic0' is not a sriovnic-synth device"):
            self.m.qmp("sriovnic-offer", id="nic0")
        with self.assertRaisesRegex(QemuError, "'id': no sriovnic-synth device with id or QOM "
                                               "path 'synth0'"):
            self.m.qmp("sriovnic-revoke", id="synth0", reason="admin")


class Management(SynthTest):
    """A card with a channel paired with VF 0 (synth_args: ids nic0, synth0)."""
    synth_props = f"mac={SYNTH_MAC_STR}"

    # The guest side, as in test_synth.Offer.
    enable_vfs_and_get_offer = test_synth.Offer.enable_vfs_and_get_offer
    bring_up_vf = test_synth.Offer.bring_up_vf

    def channel(self):
        cards = self.m.qmp("query-sriovnic")
        self.assertEqual(len(cards), 1)
        self.assertEqual(len(cards[0]["channels"]), 1)
        return cards[0]["channels"][0]

    def card_info(self):
        return self.m.qmp("query-sriovnic")[0]

    def on_vf(self):
        """Offer, VF driver up, the guest switches: the VF carries the traffic."""
        serial = self.enable_vfs_and_get_offer()
        self.vf = self.bring_up_vf()
        self.assertEqual(self.switch(PATH_VF, 0, serial)[0], ST_OK)
        return serial

    def step_ms(self, ms):
        self.m.qtest(f"clock_step {ms * 1_000_000}")

    def datapath_events(self):
        self.m.qmp("query-status")  # collects what arrived meanwhile
        evs = [e for e in self.m.events if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]
        self.m.events = [e for e in self.m.events if e["event"] != "SRIOVNIC_DATAPATH_CHANGED"]
        return [e["data"] for e in evs]

    def hmp(self, line):
        return self.m.hmp(line).replace("\r\n", "\n")

    def dp_state(self):
        return self.fn.rd(S["REG_DATAPATH"]) & 3

    # --- query ----------------------------------------------------------
    def test_query_before_any_driver_says_why(self):
        ch = self.channel()
        self.assertEqual((ch["id"], ch["qom-path"], ch["vf"]), ("synth0", SYNTH_PATH, 0))
        self.assertEqual(ch["state"], "synthetic")
        self.assertFalse(ch["rx-via-vf"])
        self.assertNotIn("last-switch-us", ch)
        self.assertNotIn("last-revoke", ch)
        self.assertEqual(codes(ch), ["driver-not-ready", "vf-not-enabled"])
        self.assertEqual(texts(ch)[1], NOT_ENABLED_VF0)

    def test_query_with_the_vf_active(self):
        self.on_vf()
        self.step_ms(3)
        card = self.card_info()
        ch = card["channels"][0]
        self.assertEqual(ch["state"], "vf")
        self.assertTrue(ch["rx-via-vf"])
        self.assertTrue(ch["vf-up"])
        self.assertNotIn("reasons", ch, "the VF carries the traffic")
        self.assertEqual((ch["switches-to-vf"], ch["switches-to-synthetic"], ch["revokes"]),
                         (1, 0, 0))
        self.assertEqual(ch["since-last-switch-us"], 3000)
        self.assertEqual(ch["sriov-allowed"], True)
        self.assertEqual(ch["offloads"], ["csum-tx", "csum-rx", "tso4", "tso6"])
        self.assertEqual(card["pf"]["num-vfs"], 2)
        vf0, vf1 = card["vfs"]
        self.assertTrue(vf0["enabled"] and vf0["driver-enabled"] and vf0["paired"])
        self.assertEqual(vf0["mac"], SYNTH_MAC_STR)
        self.assertTrue(vf1["enabled"])
        self.assertFalse(vf1["driver-enabled"] or vf1["paired"])

        frame = self.frame_for_channel(21)
        self.wire.send(frame)
        self.assertEqual(self.vf.receive().data, frame)
        vf0 = self.card_info()["vfs"][0]
        self.assertEqual(vf0["counters"]["rx-packets"], 1)

    def test_offered_but_not_switched(self):
        self.enable_vfs_and_get_offer()
        ch = self.channel()
        self.assertEqual(ch["state"], "offered")
        self.assertEqual(codes(ch), ["vf-down", "not-switched"])
        self.assertEqual(texts(ch), ["VF 0 is not up (no driver enabled it, or no RX ring)",
                                     "the guest has not switched its data path to the VF"])

    def test_policy_forcing_synthetic_is_named(self):
        self.on_vf()
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": False})
        ch = self.channel()
        self.assertEqual(ch["state"], "revoking", "a request: the guest is asked to leave")
        self.assertEqual(codes(ch), ["policy", "revoking"])
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        self.assertEqual(REVOKE.unpack(payload)[1], 2)  # POLICY
        self.assertEqual(self.switch(PATH_SYNTHETIC)[0], ST_OK)
        ch = self.channel()
        self.assertEqual(ch["state"], "synthetic")
        self.assertFalse(ch["sriov-allowed"])
        self.assertEqual(codes(ch), ["policy", "revoked"])
        self.assertEqual(texts(ch), ["SR-IOV is disabled by host policy",
                                     "the last offer was revoked (reason policy: host policy)"])
        self.assertEqual(ch["last-revoke"],
                         {"reason": "policy", "surprise": False, "timed-out": False})
        with self.assertRaisesRegex(QemuError, "^sriovnic-offer: host policy does not allow "
                                               "SR-IOV for this channel$"):
            self.m.qmp("sriovnic-offer", id="synth0")
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True})
        self.assertEqual(self.channel()["state"], "offered", "allowed again: offered again")
        self.next_event(S["EV_VF_OFFER"])

    def test_vf_enable_cleared_is_named_as_a_surprise_removal(self):
        self.on_vf()
        self.card_disable()
        ch = self.channel()
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(codes(ch), ["vf-not-enabled", "revoked"])
        self.assertEqual(texts(ch), [
            NOT_ENABLED_VF0,
            "the last offer was revoked (reason removed: the VF was removed under the guest, "
            "surprise)"])
        self.assertEqual(ch["last-revoke"],
                         {"reason": "removed", "surprise": True, "timed-out": False})
        self.assertEqual(ch["revokes"], 1)
        self.assertFalse(self.card_info()["vfs"][0]["enabled"])

    def test_surprise_removal_fault_revokes_the_paired_channel_at_once(self):
        serial = self.on_vf()
        self.datapath_events()
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal")
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        vf_index, reason, flags, rserial, timeout = REVOKE.unpack(payload)
        self.assertEqual((vf_index, reason, flags, rserial, timeout),
                         (0, REVOKE_REMOVED, S["REVOKE_F_SURPRISE"], serial, 0))
        self.assertEqual(self.dp_state(), DP_SYNTHETIC)
        frame = self.frame_for_channel(23)
        self.wire.send(frame)
        self.assertEqual(self.receive_synth()[1], frame, "receive traffic is back on synthetic")
        ch = self.channel()
        self.assertEqual(ch["last-revoke"],
                         {"reason": "removed", "surprise": True, "timed-out": False})
        self.assertIn("the last offer was revoked (reason removed: the VF was removed under "
                      "the guest, surprise)", texts(ch))
        self.assertTrue(self.card_info()["vfs"][0]["surprise-removed"])
        evs = self.datapath_events()
        self.assertEqual([(e["old-state"], e["new-state"], e["cause"], e.get("revoke-reason"))
                          for e in evs],
                         [("vf", "synthetic", "revoke-surprise", "removed")])

        # Restored, the VF is a new one: offered again.
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="restore")
        _, payload = self.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[0], 0)
        self.assertEqual(self.dp_state(), DP_OFFERED)
        self.assertFalse(self.card_info()["vfs"][0]["surprise-removed"])

    def test_flr_fault_revokes_and_reoffers_as_any_vf_flr(self):
        serial = self.on_vf()
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="flr")
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        vf_index, reason, flags, rserial, _ = REVOKE.unpack(payload)
        self.assertEqual((vf_index, reason, flags, rserial),
                         (0, REVOKE_REMOVED, S["REVOKE_F_SURPRISE"], serial))
        _, payload = self.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[0], 0)
        self.assertEqual(self.dp_state(), DP_OFFERED)
        self.assertFalse(self.card_info()["vfs"][0]["driver-enabled"])

    def card_disable(self):
        self.card.disable_vfs()
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        self.assertEqual(REVOKE.unpack(payload)[1], REVOKE_REMOVED)

    # --- commands -------------------------------------------------------
    def test_surprise_revoke_and_offer_reach_the_guest(self):
        serial = self.on_vf()
        self.m.qmp("sriovnic-revoke", id="synth0", reason="admin", surprise=True)
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        vf_index, reason, flags, rserial, timeout = REVOKE.unpack(payload)
        self.assertEqual((vf_index, reason, flags, rserial, timeout),
                         (0, REVOKE_ADMIN, S["REVOKE_F_SURPRISE"], serial, 0))
        self.assertEqual(self.dp_state(), DP_SYNTHETIC)
        frame = self.frame_for_channel(22)
        self.wire.send(frame)
        self.assertEqual(self.receive_synth()[1], frame, "receive traffic is back on synthetic")
        self.assertIn("the last offer was revoked (reason admin: an administrator's revoke, "
                      "surprise)", texts(self.channel()))

        self.m.qmp("sriovnic-offer", id=SYNTH_PATH)  # by QOM path
        _, payload = self.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[0], 0)
        self.assertEqual(self.dp_state(), DP_OFFERED)
        with self.assertRaisesRegex(QemuError, "VF 0 is already offered: revoke it first"):
            self.m.qmp("sriovnic-offer", id="synth0")

    def test_revoke_request_waits_then_times_out(self):
        self.on_vf()
        self.m.qmp("sriovnic-revoke", id="synth0", reason="migration", **{"timeout-ms": 50})
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        _, reason, flags, _, timeout = REVOKE.unpack(payload)
        self.assertEqual((reason, flags, timeout), (REVOKE_MIGRATION, 0, 50))
        self.assertEqual(self.dp_state(), DP_REVOKING)
        with self.assertRaisesRegex(QemuError, "a revoke is already in progress"):
            self.m.qmp("sriovnic-revoke", id="synth0", reason="admin")
        self.step_ms(49)
        self.assertEqual(self.dp_state(), DP_REVOKING, "not yet")
        self.step_ms(2)
        self.assertEqual(self.dp_state(), DP_SYNTHETIC)
        ch = self.channel()
        self.assertEqual(ch["last-revoke"],
                         {"reason": "migration", "surprise": True, "timed-out": True})
        self.assertEqual(ch["revoke-timeouts"], 1)
        self.assertIn("the last offer was revoked (reason migration: live migration, timed out)",
                      texts(ch))
        with self.assertRaisesRegex(QemuError, "^sriovnic-revoke: no VF is offered$"):
            self.m.qmp("sriovnic-revoke", id="synth0", reason="admin")

    def test_set_policy_changes_mtu_and_offloads(self):
        self.bring_up()
        self.m.qmp("sriovnic-set-policy", id="synth0", offloads=["csum-tx", "tso4"],
                   **{"sriov-allowed": True, "max-mtu": 9000})
        ch = self.channel()
        self.assertEqual((ch["max-mtu"], ch["offloads"]), (9000, ["csum-tx", "tso4"]))
        mtus = [int.from_bytes(self.next_event(S["EV_MTU"])[1][:2], "little") for _ in range(2)]
        self.assertEqual(mtus, [1500, 9000], "the state at start, then the change")
        self.m.qmp("sriovnic-set-policy", id="synth0", offloads=[],
                   **{"sriov-allowed": True})
        self.assertEqual(self.channel()["offloads"], [])
        self.assertEqual(self.channel()["max-mtu"], 9000, "left as it was")

    def test_bad_arguments_name_the_argument_and_the_allowed_values(self):
        def refused(command, message, **args):
            with self.assertRaises(QemuError) as cm:
                self.m.qmp(command, **args)
            self.assertEqual(str(cm.exception), f"{command}: {message}")

        refused("sriovnic-offer", "'id': no sriovnic-synth device with id or QOM path 'nope'",
                id="nope")
        refused("sriovnic-revoke", "'reason' must be 'migration', 'policy', 'fault', 'removed' "
                "or 'admin' (got 'bored')", id="synth0", reason="bored")
        refused("sriovnic-revoke", "'timeout-ms' must be between 1 and 600000 (got 0)",
                id="synth0", reason="admin", **{"timeout-ms": 0})
        refused("sriovnic-revoke", "'timeout-ms' must be between 1 and 600000 (got 600001)",
                id="synth0", reason="admin", **{"timeout-ms": 600001})
        refused("sriovnic-revoke", "'timeout-ms' does not apply to a surprise revoke (which "
                "does not wait)", id="synth0", reason="admin", surprise=True,
                **{"timeout-ms": 10})
        refused("sriovnic-set-policy", "'max-mtu' must be between 1500 and 9000 (got 1000)",
                id="synth0", **{"sriov-allowed": False, "max-mtu": 1000})
        refused("sriovnic-set-policy", "'max-mtu' must be between 1500 and 9000 (got 70000)",
                id="synth0", **{"sriov-allowed": False, "max-mtu": 70000})
        refused("sriovnic-set-policy", "'offloads' may hold 'csum-tx', 'csum-rx', 'tso4' or "
                "'tso6' (got 'lro')",
                id="synth0", offloads=["csum-tx", "lro"], **{"sriov-allowed": False})
        ch = self.channel()
        self.assertTrue(ch["sriov-allowed"], "a refused command changes nothing")
        self.assertEqual(ch["max-mtu"], 1500)
        self.assertEqual(len(ch["offloads"]), 4)
        resp = self.m.qmp_raw("sriovnic-revoke", id="synth0")
        self.assertIn("'reason' is missing", resp["error"]["desc"])

    # --- events ---------------------------------------------------------
    def test_every_transition_is_an_event_with_its_fields(self):
        self.step_ms(5)
        serial = self.enable_vfs_and_get_offer()
        self.bring_up_vf()
        self.step_ms(2)
        self.assertEqual(self.switch(PATH_VF, 0, serial)[0], ST_OK)
        self.step_ms(1)
        self.card_disable()
        evs = self.datapath_events()
        base = {"id": "synth0", "qom-path": SYNTH_PATH, "vf": 0}
        self.assertEqual(evs, [
            dict(base, **{"old-state": "synthetic", "new-state": "offered", "cause": "offer"}),
            dict(base, **{"old-state": "offered", "new-state": "vf", "cause": "switch-to-vf",
                          "since-previous-us": 2000}),
            dict(base, **{"old-state": "vf", "new-state": "synthetic",
                          "cause": "revoke-surprise", "revoke-reason": "removed",
                          "since-previous-us": 1000}),
        ])

    def test_events_of_a_revoke_request_answered_by_the_guest(self):
        self.on_vf()
        self.datapath_events()
        self.m.qmp("sriovnic-revoke", id="synth0", reason="fault")
        self.step_ms(4)
        self.assertEqual(self.switch(PATH_SYNTHETIC)[0], ST_OK)
        evs = self.datapath_events()
        self.assertEqual([(e["cause"], e.get("revoke-reason")) for e in evs],
                         [("revoke-request", "fault"), ("revoke-done", "fault")])
        self.assertEqual(evs[1]["since-previous-us"], 4000)

    # --- HMP and traces -------------------------------------------------
    def test_hmp_info_sriovnic_shows_the_channel_and_its_reasons(self):
        self.on_vf()
        out = self.hmp("info sriovnic")
        self.assertIn("sriovnic nic0 (/machine/peripheral/nic0)", out)
        self.assertIn(f"channel synth0 ({SYNTH_PATH}): VF 0, data path vf, RX via VF", out)
        self.assertNotIn("is not carrying the traffic", out)
        self.assertRegex(out, rf"\n  0 +yes +yes +up +{SYNTH_MAC_STR} +1500 ")
        self.card_disable()
        out = self.hmp("info sriovnic nic0")
        self.assertIn("data path synthetic, RX via synthetic", out)
        self.assertIn("last revoke: reason removed, surprise", out)
        self.assertIn("VF 0 is not carrying the traffic:\n"
                      f"      - {NOT_ENABLED_VF0} [vf-not-enabled]\n", out)

    def test_commands_are_traced(self):
        self.m.hmp("trace-event sriovnic_qmp_* on")
        self.enable_vfs_and_get_offer()
        self.m.qmp("sriovnic-revoke", id="synth0", reason="admin", surprise=True)
        self.m.qmp("sriovnic-offer", id="synth0")
        self.m.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True})
        self.m.qmp("query-sriovnic")
        self.m.qmp_raw("sriovnic-offer", id="nope")
        self.m.qmp("stop")
        time.sleep(0.2)
        log = self.m.log()
        for line in ("sriovnic_qmp_revoke id=synth0 fn=3 reason=admin surprise=1 timeout_ms=0",
                     "sriovnic_qmp_offer id=synth0 fn=3",
                     "sriovnic_qmp_set_policy id=synth0 fn=3 sriov_allowed=1 max_mtu=-1 "
                     "offloads=-1",
                     "sriovnic_qmp_query cards=1",
                     "sriovnic_qmp_refused sriovnic-offer id=nope: 'id': no sriovnic-synth",
                     "sriovnic_qmp_event_datapath fn=3 offered -> synthetic (revoke-surprise)"):
            self.assertIn(line, log)


if __name__ == "__main__":
    unittest.main()
