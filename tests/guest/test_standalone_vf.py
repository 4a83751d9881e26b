# SPDX-License-Identifier: GPL-2.0-or-later
"""The host-owned topology in a guest: no PF, a standalone VF of a
sriovnic-card in a slot at boot and another hot-added at run time; our VF
driver binds both unchanged and the card's host PF agent answers its
mailbox; the hot-added one gets a DHCP lease over slirp
and pings the gateway, and device_del with the driver bound completes and
takes its netdev away. Once over ACPI hotplug (q35's default), once over
native PCIe hotplug (pciehp)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import netdev_of, wait_for  # noqa: E402

DEVICES = ["-netdev", "user,id=n0",
           "-device", "sriovnic-card,id=card0,netdev=n0,vfs=4",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
           "-device", "sriovnic-assigned-vf,card=card0,vf=0,bus=rp0,id=vf0"]
AT_BOOT = "0000:01:00.0"
HOT = "0000:02:00.0"


class StandaloneVf:
    """The scenario; subclasses pick the hotplug mechanism."""
    extra = ()

    def setUp(self):
        self.g = Guest(DEVICES + list(self.extra), name=self.name)
        self.addCleanup(self.g.kill)

    def wait_deleted(self, dev_id, timeout=30):
        m = self.g.machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m.qmp("query-status")  # collects the events that arrived
            if any(e["event"] == "DEVICE_DELETED" and e["data"].get("device") == dev_id
                   for e in m.events):
                return
            time.sleep(0.2)
        self.fail(f"no DEVICE_DELETED for {dev_id} in {timeout} s")

    def test_vf_at_boot_and_hot_added_bind_get_dhcp_and_unplug_with_driver_bound(self):
        g = self.g
        self.assertEqual(g.sh("lspci -n -s 01:00.0 | cut -d' ' -f3"), "5352:0002")
        self.assertEqual(g.sh("lspci -n -d 5352:0001 | wc -l"), "0", "the guest sees no PF")
        g.sh("insmod /lib/modules/sriovnic/sriovnic_vf.ko")
        boot_dev = netdev_of(g, AT_BOOT)
        self.assertTrue(boot_dev, "the VF driver bound the VF present at boot")
        mac = g.sh(f"cat /sys/class/net/{boot_dev}/address")
        vfs = g.qmp("query-sriovnic")[0]["vfs"]
        self.assertEqual(mac, vfs[0]["admin"]["mac"], "the host's MAC for VF 0")
        # The card's host PF agent answers the VF driver's mailbox as a PF
        # driver would: capabilities, the host's MTU limit, and an MTU grant.
        self.assertIn("PF mailbox caps 0x3, MTU up to 9000", g.sh("dmesg | grep 'PF mailbox'"))
        g.sh(f"ip link set {boot_dev} mtu 9000")
        self.assertIn("mtu 9000", g.sh(f"ip link show {boot_dev}"))
        self.assertEqual(g.qmp("query-sriovnic")[0]["vfs"][0]["admin"]["max-mtu"], 9000,
                         "the agent granted it")

        g.qmp("device_add", driver="sriovnic-assigned-vf", card="card0", vf=1, bus="rp1",
              id="hot1")
        wait_for(g, f"ls /sys/bus/pci/devices/{HOT}/net 2>/dev/null; true", r"\w")
        dev = netdev_of(g, HOT)
        self.assertEqual(g.sh(f"readlink /sys/bus/pci/devices/{HOT}/driver | xargs basename"),
                         "sriovnic_vf")
        g.sh(f"ip link set {dev} up && udhcpc -i {dev} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        self.assertIn("inet 10.0.2.", g.sh(f"ip -4 addr show {dev}"))
        self.assertIn("2 packets received", g.sh("ping -c 2 -i 0.2 -W 2 10.0.2.2"))

        g.qmp("device_del", id="hot1")
        self.wait_deleted("hot1")
        self.assertEqual(g.sh(f"ls /sys/class/net/{dev} 2>/dev/null | wc -l"), "0",
                         "the hot-removed VF's netdev is gone")
        self.assertEqual(g.sh(f"ls -d /sys/bus/pci/devices/{HOT} 2>/dev/null | wc -l"), "0")
        info = g.qmp("query-sriovnic")[0]["vfs"]
        self.assertIsNone(info[1].get("device"))
        self.assertFalse(info[1]["driver-enabled"], "the unplugged VF was reset")
        self.assertTrue(netdev_of(g, AT_BOOT), "the VF at boot stays")


class AcpiHotplug(StandaloneVf, unittest.TestCase):
    name = "hostcard-acpi"


class NativePcieHotplug(StandaloneVf, unittest.TestCase):
    name = "hostcard-native"
    extra = ("-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off")


if __name__ == "__main__":
    unittest.main()
