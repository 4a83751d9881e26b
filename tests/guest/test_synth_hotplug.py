# SPDX-License-Identifier: GPL-2.0-or-later
"""Offer and revoke by hotplug in a guest: a host-owned card (no PF in the
guest) whose synthetic channel plugs VF 0 into an empty root port to offer
it and unplugs it to revoke it (sriovnic-synth card=, vf-bus=). Our synth
and VF drivers run in the guest; q35's ACPI hotplug takes the VF in and
out. A UDP sequence stream and a TCP stream run with the traffic peer of
netns.TwoHosts throughout:
  - N offer / revoke-request cycles (each: the VF plugged, joined under the
    synthetic netdev, data path on it; then the guest leaves it and
    releases the slot), the VF back each time with the same MAC and MTU;
  - a plug right after an unplug (offer while the VF is leaving) and an
    unplug right after a plug (revoke while it is being plugged);
  - a surprise revoke under traffic (the VF removed at once).
TCP never breaks; UDP loss is counted and printed, never asserted.

SRIOVNIC_HOTPLUG_CYCLES sets N (default 3, the CI size). The issue's long
form, 50 cycles:
    SRIOVNIC_HOTPLUG_CYCLES=50 flock /tmp/sriovnic-guest.lock \\
        meson test -C build/tests --suite guest test_synth_hotplug"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import SYNTH_MAC, channel, wait_channel, wait_data_path  # noqa: E402
from bonded import BondedGuest  # noqa: E402
from netlib import ethtool_stats, wait_for, wait_stat  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import GuestStream, udp_lost  # noqa: E402

CYCLES = int(os.environ.get("SRIOVNIC_HOTPLUG_CYCLES", "3"))
GUEST_IP = "10.50.0.10"
VF_BDF = "0000:01:00.0"   # rp0's slot, empty until the channel plugs VF 0
DEVICES = ["-device", "sriovnic-card,id=card0,netdev=n0,vfs=2",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
           "-device", f"sriovnic-synth,bus=rp1,id=synth0,card=card0,vf=0,vf-bus=rp0,"
                      f"mac={SYNTH_MAC},max-mtu=9000,revoke-timeout=5000"]


class SynthHotplugUnderTraffic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topo = TwoHosts()
        cls.addClassCleanup(cls.topo.close)
        cls.bond = BondedGuest("synth-hotplug", host=cls.topo.host_a, devices=DEVICES,
                               mtu=9000, address=f"{GUEST_IP}/24", vf=False,
                               drivers=("sriovnic_vf", "sriovnic_synth"))
        cls.g, cls.synth = cls.bond.g, cls.bond.synth

    def slot(self):
        return channel(self.g)["vf-slot"]

    def wait_slot(self, state, timeout=60):
        deadline = time.monotonic() + timeout  # a hang guard, not a measurement
        while True:
            slot = self.slot()
            if slot["state"] == state:
                return slot
            self.assertLess(time.monotonic(), deadline, f"vf-slot never {state}: {slot}")
            time.sleep(0.1)

    def vf_netdev(self):
        return wait_for(self.g, f"ls /sys/bus/pci/devices/{VF_BDF}/net/ 2>/dev/null; true",
                        r"\S", timeout=60).strip()

    def offer_and_join(self, what):
        """Offers (the VF plugged first) and waits until it carries the traffic."""
        self.g.qmp("sriovnic-offer", id="synth0")
        return self.join(what)

    def join(self, what):
        """Waits until the VF is plugged, joined and carries the traffic."""
        g = self.g
        self.wait_slot("plugged")
        vf = self.vf_netdev()
        wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {self.synth}", timeout=60)
        wait_data_path(g, self.synth, True)
        wait_channel(g, "vf")
        self.assertEqual(g.sh(f"cat /sys/class/net/{vf}/address").strip(), SYNTH_MAC,
                         f"{what}: the VF came back with the channel's MAC")
        self.assertEqual(g.sh(f"cat /sys/class/net/{vf}/mtu").strip(), "9000",
                         f"{what}: the VF joined at the synthetic netdev's MTU")
        return vf

    def revoke_and_release(self, what, **args):
        g = self.g
        g.qmp("sriovnic-revoke", id="synth0", reason="admin", **args)
        slot = self.wait_slot("unplugged")
        wait_channel(g, "synthetic")
        wait_data_path(g, self.synth, False)
        wait_for(g, f"ls /sys/bus/pci/devices/ | grep -c {VF_BDF}; true", r"^0$", timeout=60)
        return slot

    def test_offer_revoke_by_hotplug_under_udp_and_tcp(self):
        g, topo = self.g, self.topo
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(g, TwoHosts.PEER_IP)
        peer.wait_connected()
        g.sh("sleep 1")
        names = []

        for n in range(CYCLES):
            vf = self.offer_and_join(f"cycle {n}")
            names.append(vf)
            on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
            wait_stat(g, self.synth, "vf_rx_packets", on_vf + 200,
                      f"cycle {n}: the streams run through the plugged VF")
            slot = self.revoke_and_release(f"cycle {n}")
            self.assertEqual(slot["last-unplug"], "acknowledged",
                             f"cycle {n}: the guest released the slot itself")
            on_synth = ethtool_stats(g, self.synth)["rx_packets"]
            wait_stat(g, self.synth, "rx_packets", on_synth + 200,
                      f"cycle {n}: the streams go on over the synthetic path")

        # Plug right after unplug: offered while the VF is still leaving.
        self.offer_and_join("before the quick pair")
        g.qmp("sriovnic-revoke", id="synth0", reason="admin")
        g.qmp("sriovnic-offer", id="synth0")
        self.join("plug right after unplug")
        self.assertEqual(self.slot()["last-unplug"], "acknowledged",
                         "the revoke's unplug happened before the new plug")
        # Unplug right after plug: revoked while being plugged or just plugged.
        g.qmp("sriovnic-revoke", id="synth0", reason="admin", surprise=True)
        self.wait_slot("unplugged")
        g.qmp("sriovnic-offer", id="synth0")
        g.qmp("sriovnic-revoke", id="synth0", reason="admin")
        self.wait_slot("unplugged")
        wait_channel(g, "synthetic")
        wait_data_path(g, self.synth, False)

        # A surprise revoke under traffic: the VF goes at once.
        self.offer_and_join("before the surprise")
        on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
        wait_stat(g, self.synth, "vf_rx_packets", on_vf + 200, "on the VF before the surprise")
        slot = self.revoke_and_release("surprise", surprise=True)
        self.assertEqual(channel(g)["last-revoke"]["surprise"], True)
        self.assertEqual(slot["last-unplug"], "acknowledged", "the guest released the slot")
        on_synth = ethtool_stats(g, self.synth)["rx_packets"]
        wait_stat(g, self.synth, "rx_packets", on_synth + 200,
                  "the streams go on over the synthetic path after the surprise")
        self.offer_and_join("after the surprise")

        g.sh("sleep 1")
        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()
        udp, tcp = guest_report["udp"], guest_report["tcp"]
        to_peer_lost = udp_lost(udp["sent"], report.udp()["unique"])
        to_guest_lost = udp_lost(report.udp_sent, udp["unique"])
        slot = self.slot()
        print(f"\n{CYCLES} offer/revoke-by-hotplug cycles + quick pairs + surprise: VF netdev "
              f"names {sorted(set(names))}; plugs {slot['plugs']}, unplugs {slot['unplugs']}, "
              f"forced {slot['forced-unplugs']}; UDP guest->peer {udp['sent']} sent, "
              f"{to_peer_lost} lost; peer->guest {report.udp_sent} sent, {to_guest_lost} lost; "
              f"TCP {tcp['tx_bytes']} / {tcp['rx_bytes']} bytes out / in, longest stall "
              f"{tcp['longest_stall_us'] / 1000:.1f} ms", file=sys.stderr)
        self.assertTrue(tcp["connected"] and report.tcp["connected"])
        self.assertFalse(tcp["broken"], f"the guest's TCP stream broke: {tcp['error']}")
        self.assertFalse(report.tcp["broken"], f"the peer's TCP stream broke: "
                                               f"{report.tcp['error']}")
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"], "TCP data arrived intact")
        self.assertEqual(slot["forced-unplugs"], 0, "the guest answered every unplug request")


if __name__ == "__main__":
    unittest.main()
