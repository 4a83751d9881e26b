# SPDX-License-Identifier: GPL-2.0-or-later
"""Offer and revoke by hotplug: a synthetic channel of a host-owned card
(sriovnic-synth card=, vf-bus=) plugs its paired VF as a
sriovnic-assigned-vf to offer it and unplugs it to revoke it. The qtest
accelerator plays the guest's hotplug handling (slot power, ACPI eject) and
its clock (clock_step), so a revoke times out exactly when a test says so.
docs/synthetic-channel.md, "Offer and revoke by hotplug"."""
import subprocess
import time
import unittest

from sriovnic_pci import CAP_EXP  # first: it puts tests/lib on the path
from qemu_machine import QEMU, Machine, find_cap
from test_hostcard import (ACPI_PCIHP, ACPI_PCIHP_EJ, ACPI_PCIHP_SEL, BUS2, RP1_DEVFN, SLTCTL,
                           SLTCTL_PCC_OFF, SLTCTL_PIC, SLTCTL_PIC_OFF, SLTCTL_PIC_ON, card_info,
                           wait_event)

SYNTH_MAC = "52:54:00:00:05:01"
TIMEOUT_MS = 300
RESUME_OFFER_WAIT_MS = 100  # SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS
SLTCTL_PIC_BLINK = 0x0200


def args(synth="card=card0,vf=0,vf-bus=rp1", native=False, extra=()):
    """q35, a host-owned card, the channel on rp0, rp1 free for its VF."""
    a = ["-M", "q35", "-m", "256M", "-netdev", "user,id=n0",
         "-device", "sriovnic-card,id=card0,netdev=n0,vfs=4",
         "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
         "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
         "-device", f"sriovnic-synth,id=synth0,bus=rp0,mac={SYNTH_MAC},"
                    f"revoke-timeout={TIMEOUT_MS},{synth}"]
    if native:
        a += ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
    return a + list(extra)


def run_qemu(*a):
    return subprocess.run([QEMU, "-nodefaults", "-display", "none", *a], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


class Properties(unittest.TestCase):
    def refused(self, synth, message):
        r = run_qemu(*args(synth))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(message, r.stderr)

    def test_help_describes_card_and_vf_bus(self):
        out = run_qemu("-device", "sriovnic-synth,help").stdout
        for prop in ("card=", "vf-bus="):
            line = next((ln for ln in out.splitlines() if ln.strip().startswith(prop)), None)
            self.assertIsNotNone(line, f"{prop} missing from:\n{out}")
            self.assertIn(" - ", line, f"{prop} has no description")

    def test_pf_and_card_are_exclusive(self):
        self.refused("pf=card0,card=card0,vf=0,vf-bus=rp1",
                     "properties 'pf' and 'card' are exclusive")

    def test_card_needs_vf_bus(self):
        self.refused("card=card0,vf=0", "property 'vf-bus' is required with 'card'")

    def test_vf_bus_only_with_card(self):
        r = run_qemu("-M", "q35", "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
                     "-device", "sriovnic,bus=rp0,id=nic0,vfs=2",
                     "-device", "sriovnic-synth,bus=pcie.0,pf=nic0,vf=0,vf-bus=rp1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("property 'vf-bus' applies only with 'card'", r.stderr)

    def test_unknown_card(self):
        self.refused("card=nope,vf=0,vf-bus=rp1",
                     "property 'card': no sriovnic-card device with id 'nope'")

    def test_neither_pf_nor_card(self):
        self.refused("vf=0", "property 'pf' or 'card' is required")

    def test_vf_out_of_range(self):
        self.refused("card=card0,vf=4,vf-bus=rp1", "'vf' must be between 0 and 3")


class HotplugTest(unittest.TestCase):
    def start(self, **kw):
        m = Machine(args(**kw))
        self.addCleanup(m.kill)
        # Firmware's part: rp1's secondary bus numbered, so query-pci lists it.
        m.enable_ecam()
        m.cfg_write(0, RP1_DEVFN, 0x18, (BUS2 << 8) | (BUS2 << 16))
        return m

    @staticmethod
    def channel(m):
        return card_info(m)["channels"][0]

    @staticmethod
    def vf_on_rp1(m):
        """The qdev id of the device on rp1's bus, None if there is none."""
        for bus in m.qmp("query-pci"):
            for dev in bus["devices"]:
                for sub in dev.get("pci_bridge", {}).get("devices", []):
                    if dev["qdev_id"] == "rp1":
                        return sub["qdev_id"]
        return None

    def eject_acpi(self, m):
        """The guest's _EJ0 for slot 0 of rp1's bus."""
        bsel = m.qmp("qom-get", path="/machine/peripheral/rp1/rp1", property="acpi-pcihp-bsel")
        m.outl(ACPI_PCIHP + ACPI_PCIHP_SEL, bsel)
        m.outl(ACPI_PCIHP + ACPI_PCIHP_EJ, 1 << 0)

    def wait_slot(self, m, state, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            slot = self.channel(m)["vf-slot"]
            if slot["state"] == state:
                return slot
            time.sleep(0.02)
        self.fail(f"vf-slot never {state}: {self.channel(m)}")

    def offer(self, m):
        m.qmp("sriovnic-offer", id="synth0")
        slot = self.wait_slot(m, "plugged")
        self.assertEqual(self.channel(m)["state"], "offered")
        return slot


class OfferRevoke(HotplugTest):
    def test_nothing_is_plugged_before_the_offer(self):
        m = self.start()
        ch = self.channel(m)
        self.assertEqual(ch["vf-slot"], {"bus": "rp1", "state": "unplugged", "plugs": 0,
                                         "unplugs": 0, "forced-unplugs": 0,
                                         "unplug-retries": 0})
        self.assertIsNone(self.vf_on_rp1(m))
        self.assertIn("VF 0 is not plugged into the guest",
                      " ".join(r["text"] for r in ch["reasons"]))

    def test_offer_plugs_the_vf_then_offers_it(self):
        m = self.start()
        self.offer(m)
        self.assertEqual(self.vf_on_rp1(m), "synth0-vf")
        info = card_info(m)
        self.assertEqual(info["vfs"][0]["device"], "/machine/peripheral/synth0-vf")
        self.assertEqual(info["vfs"][0]["mac"], SYNTH_MAC)
        e = wait_event(m, "SRIOVNIC_DATAPATH_CHANGED", id="synth0", cause="offer")
        self.assertEqual(e["data"]["new-state"], "offered")
        resp = m.qmp_raw("sriovnic-offer", id="synth0")
        self.assertIn("already offered", resp["error"]["desc"])

    def test_revoke_without_a_guest_is_bounded_by_the_timeout(self):
        m = self.start()
        self.offer(m)
        started = time.monotonic()
        m.qmp("sriovnic-revoke", id="synth0", reason="admin")
        self.assertLess(time.monotonic() - started, 5, "the command does not wait for the guest")
        self.assertEqual(self.channel(m)["vf-slot"]["state"], "unplugging")
        # Nobody ejects: the guest has no hotplug driver.
        m.qtest(f"clock_step {(TIMEOUT_MS - 1) * 1_000_000}")
        self.assertEqual(self.channel(m)["vf-slot"]["state"], "unplugging", "not before the bound")
        m.qtest("clock_step 2000000")
        wait_event(m, "DEVICE_DELETED", device="synth0-vf")
        slot = self.wait_slot(m, "unplugged")
        self.assertEqual(slot["last-unplug"], "forced")
        self.assertEqual(slot["forced-unplugs"], 1)
        self.assertIsNone(self.vf_on_rp1(m))
        ch = self.channel(m)
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(ch["last-revoke"]["reason"], "admin")
        self.assertIsNone(card_info(m)["vfs"][0].get("device"))
        self.assertIn("VF slot on rp1: unplugged, 1 plugs, 1 unplugs (1 forced, 0 retried), "
                      "last unplug forced", m.hmp("info sriovnic"))

    def test_acknowledged_unplug(self):
        m = self.start()
        self.offer(m)
        m.qmp("sriovnic-revoke", id="synth0", reason="admin")
        self.eject_acpi(m)
        wait_event(m, "DEVICE_DELETED", device="synth0-vf")
        slot = self.wait_slot(m, "unplugged")
        self.assertEqual(slot["last-unplug"], "acknowledged")
        self.assertEqual(slot["forced-unplugs"], 0)

    def test_surprise_revoke_asks_for_the_slot_at_once(self):
        m = self.start()
        self.offer(m)
        m.qmp("sriovnic-revoke", id="synth0", reason="fault", surprise=True)
        e = wait_event(m, "SRIOVNIC_DATAPATH_CHANGED", id="synth0", cause="revoke-surprise")
        self.assertEqual(e["data"]["revoke-reason"], "fault")
        self.assertEqual(self.channel(m)["vf-slot"]["state"], "unplugging",
                         "no switch to wait for: the guest is asked for the slot at once")
        self.eject_acpi(m)
        wait_event(m, "DEVICE_DELETED", device="synth0-vf")
        slot = self.wait_slot(m, "unplugged")
        self.assertEqual(slot["last-unplug"], "acknowledged")

    def test_plug_right_after_unplug_is_queued(self):
        m = self.start()
        self.offer(m)
        m.qmp("sriovnic-revoke", id="synth0", reason="admin")
        m.qmp("sriovnic-offer", id="synth0")  # the VF is still leaving
        self.assertEqual(self.channel(m)["vf-slot"]["state"], "unplugging")
        self.eject_acpi(m)
        wait_event(m, "DEVICE_DELETED", device="synth0-vf")
        slot = self.wait_slot(m, "plugged")
        self.assertEqual(slot["plugs"], 2)
        self.assertEqual(self.channel(m)["state"], "offered")
        self.assertEqual(self.vf_on_rp1(m), "synth0-vf")

    def test_the_vf_comes_back_with_the_same_mac_and_mtu_limit(self):
        m = self.start()
        m.qmp("sriovnic-set-vf", id="card0", vf=0, **{"mtu-limit": 4000})
        for _ in range(3):
            self.offer(m)
            m.qmp("sriovnic-revoke", id="synth0", reason="admin", surprise=True)
            self.eject_acpi(m)
            self.wait_slot(m, "unplugged")
        self.offer(m)
        vf = card_info(m)["vfs"][0]
        self.assertEqual(vf["mac"], SYNTH_MAC)
        self.assertEqual(vf["admin"]["mtu-limit"], 4000)

    def test_a_plug_on_a_missing_bus_fails_the_offer_and_says_why(self):
        m = self.start(synth="card=card0,vf=0,vf-bus=nope")
        resp = m.qmp_raw("sriovnic-offer", id="synth0")
        self.assertIn("cannot plug VF 0 on bus 'nope'", resp["error"]["desc"])
        ch = self.channel(m)
        self.assertEqual(ch["state"], "synthetic")
        self.assertEqual(ch["vf-slot"]["state"], "unplugged")
        self.assertIn("nope", ch["vf-slot"]["last-error"])


class Migration(HotplugTest):
    """on-migration=revoke (the default) in this topology: the VF leaves the
    guest before the migration goes on; the destination plugs and offers
    its own once the VM runs."""

    def wait_status(self, m, wanted, guard=30):
        deadline = time.monotonic() + guard
        while True:
            status = m.qmp("query-migrate").get("status")
            if status in wanted:
                return status
            self.assertLess(time.monotonic(), deadline, f"{m.name}: migration {status}")
            time.sleep(0.01)

    def test_the_vf_is_unplugged_before_the_migration_and_plugged_on_the_destination(self):
        src = self.start()
        dst = Machine(args(extra=["-incoming", "defer"]), name="dst")
        self.addCleanup(dst.kill)
        self.offer(src)
        uri = f"unix:{dst.dir}/migrate.sock"
        dst.qmp("migrate-incoming", uri=uri)
        src.qmp("migrate", uri=uri)
        # No guest answers: the migration waits for the VF to be gone, no longer.
        self.wait_status(src, ("wait-unplug",))
        self.assertEqual(self.channel(src)["vf-slot"]["state"], "unplugging")
        src.qtest(f"clock_step {(TIMEOUT_MS + 1) * 1_000_000}")
        wait_event(src, "DEVICE_DELETED", device="synth0-vf")
        src.wait_migration()
        self.assertEqual(self.channel(src)["vf-slot"]["last-unplug"], "forced")
        self.wait_status(dst, ("completed",))
        deadline = time.monotonic() + 30
        while dst.qmp("query-status")["status"] != "running":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        self.assertIsNone(self.vf_on_rp1(dst), "the stream carried no VF")
        dst.qtest(f"clock_step {RESUME_OFFER_WAIT_MS * 1_000_000}")  # a guest that sends nothing
        self.wait_slot(dst, "plugged")
        self.assertEqual(self.channel(dst)["state"], "offered")
        self.assertEqual(card_info(dst)["vfs"][0]["mac"], SYNTH_MAC)


class NativeHotplug(HotplugTest):
    def slot_ctl(self, m, value=None):
        exp = find_cap(m, 0, RP1_DEVFN, CAP_EXP)
        if value is None:
            return m.cfg_read(0, RP1_DEVFN, exp + SLTCTL, 2)
        m.cfg_write(0, RP1_DEVFN, exp + SLTCTL, value, 2)
        return value

    def set_indicator(self, m, pic):
        self.slot_ctl(m, (self.slot_ctl(m) & ~(SLTCTL_PIC | SLTCTL_PCC_OFF)) | pic)

    def test_unplug_right_after_plug_is_retried_until_the_slot_is_free(self):
        m = self.start(native=True)
        self.offer(m)
        # The guest's pciehp is still bringing the slot up: its power
        # indicator blinks, and QEMU refuses an unplug meanwhile.
        self.set_indicator(m, SLTCTL_PIC_BLINK)
        m.qmp("sriovnic-revoke", id="synth0", reason="admin", **{"timeout-ms": 5000})
        deadline = time.monotonic() + 10
        while self.channel(m)["vf-slot"]["unplug-retries"] == 0:
            m.qtest("clock_step 100000000")
            self.assertLess(time.monotonic(), deadline)
        slot = self.channel(m)["vf-slot"]
        self.assertEqual(slot["state"], "unplugging")
        self.assertIn("busy", slot["last-error"])
        self.set_indicator(m, SLTCTL_PIC_ON)  # the guest is done with the plug
        m.qtest("clock_step 100000000")       # the retry presses the attention button
        self.wait_slot(m, "unplugging")
        self.set_indicator(m, SLTCTL_PCC_OFF | SLTCTL_PIC_OFF)  # the guest powers it off
        wait_event(m, "DEVICE_DELETED", device="synth0-vf")
        slot = self.wait_slot(m, "unplugged")
        self.assertEqual(slot["last-unplug"], "acknowledged")
        self.assertGreaterEqual(slot["unplug-retries"], 1)


if __name__ == "__main__":
    unittest.main()
