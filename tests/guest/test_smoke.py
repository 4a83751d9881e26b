# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-level smoke tests: a Debian kernel under TCG sees sriovnic's PF and
SR-IOV capability, creates and removes VFs through pci-pf-stub, and keeps its
VFs and their config space across a migration to a second QEMU process."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import LOAD_DRIVERS, into_netns, pf_netdev, set_numvfs, vf_netdevs  # noqa: E402

DEVICES = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8"]

BIND_STUB = """
modprobe pci-pf-stub
pf=$(lspci -D -n -d 5352:0001 | cut -d' ' -f1)
echo 5352 0001 > /sys/bus/pci/drivers/pci-pf-stub/new_id
echo $pf
"""


def vf_addresses(g):
    out = g.sh("lspci -D -n -d 5352:0002 | cut -d' ' -f1")
    return [ln for ln in out.split() if ln]


class Smoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = Guest(DEVICES, name="smoke")
        cls.addClassCleanup(cls.g.kill)

    def test_pf_and_sriov_capability_visible(self):
        out = self.g.sh("lspci -vvv -nn -d 5352:0001")
        self.assertIn("Ethernet controller [0200]", out)
        self.assertIn("[5352:0001]", out)
        self.assertIn("Single Root I/O Virtualization (SR-IOV)", out)
        self.assertRegex(out, r"Initial VFs: 8, Total VFs: 8, Number of VFs: 0")
        self.assertIn("VF offset: 1, stride: 1, Device ID: 0002", out)
        self.assertIn("Alternative Routing-ID Interpretation (ARI)", out)
        self.assertIn("MSI-X: Enable- Count=5", out)
        self.assertIn("Express (v2) Endpoint", out)
        self.assertIn("Power Management version 3", out)
        self.assertRegex(out, r"Region 0: Memory at [0-9a-f]+ \(64-bit, non-prefetchable\) \[size=64K\]")
        sriov = out[out.index("Single Root I/O Virtualization"):]
        self.assertRegex(sriov, r"Region 0: Memory at [0-9a-f]+ \(64-bit, non-prefetchable\)")
        self.assertRegex(sriov, r"Region 2: Memory at [0-9a-f]+ \(64-bit, non-prefetchable\)")

    def test_pf_stub_creates_and_removes_vfs(self):
        pf = self.g.sh(BIND_STUB).strip().splitlines()[-1]
        self.assertTrue(re.fullmatch(r"0000:01:00\.0", pf), pf)
        self.assertEqual(self.g.sh(f"cat /sys/bus/pci/devices/{pf}/sriov_totalvfs").strip(), "8")
        self.g.sh(f"echo 4 > /sys/bus/pci/devices/{pf}/sriov_numvfs")
        vfs = vf_addresses(self.g)
        self.assertEqual(vfs, [f"0000:01:00.{n}" for n in range(1, 5)])
        for vf in vfs:
            res = self.g.sh(f"head -3 /sys/bus/pci/devices/{vf}/resource").split("\n")
            bar0_start, bar0_end = (int(x, 16) for x in res[0].split()[:2])
            bar2_start, bar2_end = (int(x, 16) for x in res[2].split()[:2])
            self.assertNotEqual(bar0_start, 0, f"{vf} BAR0 assigned")
            self.assertEqual(bar0_end - bar0_start + 1, 16 * 1024)
            self.assertNotEqual(bar2_start, 0, f"{vf} BAR2 assigned")
            self.assertEqual(self.g.sh(f"readlink /sys/bus/pci/devices/{vf}/physfn").strip(),
                             f"../{pf}")
        out = self.g.sh(f"lspci -vvv -s {vfs[0]}")
        self.assertIn("Region 0: Memory at", out)
        self.assertIn("[virtual]", out)
        self.g.sh(f"echo 0 > /sys/bus/pci/devices/{pf}/sriov_numvfs")
        self.assertEqual(vf_addresses(self.g), [])
        self.g.sh(f"echo 8 > /sys/bus/pci/devices/{pf}/sriov_numvfs")
        self.assertEqual(len(vf_addresses(self.g)), 8)
        self.g.sh(f"echo 0 > /sys/bus/pci/devices/{pf}/sriov_numvfs")

    def test_numvfs_above_total_is_refused_by_the_kernel(self):
        pf = self.g.sh(BIND_STUB).strip().splitlines()[-1]
        status, out = self.g.run(f"echo 9 > /sys/bus/pci/devices/{pf}/sriov_numvfs", check=False)
        self.assertNotEqual(status, 0)
        self.assertEqual(vf_addresses(self.g), [])


MIGRATION_SETUP = """
set -e
pf=$(lspci -D -n -d 5352:0001 | cut -d' ' -f1)
echo 3 > /sys/bus/pci/devices/$pf/sriov_numvfs
for vf in $(lspci -D -n -d 5352:0002 | cut -d' ' -f1); do
    setpci -s $vf COMMAND=0x6
    bar=$(head -1 /sys/bus/pci/devices/$vf/resource | cut -d' ' -f1)
    fn=$(devmem $((bar + 0x0C)) 32)
    devmem $((bar + 0x18)) 32 $((0x5000 + fn))
done
"""

SNAPSHOT = """
pf=$(lspci -D -n -d 5352:0001 | cut -d' ' -f1)
echo numvfs=$(cat /sys/bus/pci/devices/$pf/sriov_numvfs)
for d in $(lspci -D -n -d 5352: | cut -d' ' -f1); do
    echo "== $d"
    lspci -xxxx -s $d | tail -n +2
done
for vf in $(lspci -D -n -d 5352:0002 | cut -d' ' -f1); do
    bar=$(head -1 /sys/bus/pci/devices/$vf/resource | cut -d' ' -f1)
    echo "$vf func=$(devmem $((bar + 0x0C)) 32) scratch=$(devmem $((bar + 0x18)) 32)"
done
"""


class Drivers(unittest.TestCase):
    """The PF and VF drivers on whichever kernel SRIOVNIC_GUEST_DIR holds."""

    def test_pf_dhcp_and_vf_to_vf(self):
        g = Guest(["-netdev", "user,id=n0"] + DEVICES[:-1] + [DEVICES[-1] + ",netdev=n0"],
                  name="drivers")
        self.addCleanup(g.kill)
        g.sh(LOAD_DRIVERS)
        pf = pf_netdev(g)
        g.sh(f"ip link set {pf} up && udhcpc -i {pf} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        self.assertIn("3 packets received", g.sh("ping -c 3 -i 0.2 -W 2 10.0.2.2"))
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0], "192.168.30.1/24")
        into_netns(g, "b", vfs[1], "192.168.30.2/24")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -i 0.2 -W 2 192.168.30.2"))
        # Both VFs agreed request tags and the PF-set multicast list
        # (SRIOVNIC_MBX_CAP_TAGS | SRIOVNIC_MBX_CAP_MC_LIST) with the PF driver.
        self.assertEqual(g.sh("dmesg | grep -c 'PF mailbox caps 0x3,'").strip(), "2")


class Migration(unittest.TestCase):
    def test_vfs_and_config_space_survive_migration(self):
        src = Guest(DEVICES, name="src")
        self.addCleanup(src.kill)
        dst = Guest(DEVICES, name="dst", incoming="defer")
        self.addCleanup(dst.kill)
        src.sh(BIND_STUB)
        src.sh(MIGRATION_SETUP)
        before = src.sh(SNAPSHOT)
        self.assertIn("numvfs=3", before)
        for n in range(1, 4):
            self.assertIn(f"0000:01:00.{n} func=0x00000{n:03X} scratch=0x0000500{n}", before)

        src.machine.migrate_to(dst.machine, timeout=120)
        after = dst.sh(SNAPSHOT)
        self.assertEqual(after, before)
        # And the VFs still work on the destination: a register write sticks.
        out = dst.sh("vf=0000:01:00.2; bar=$(head -1 /sys/bus/pci/devices/$vf/resource "
                     "| cut -d' ' -f1); devmem $((bar + 0x18)) 32 0x77; devmem $((bar + 0x18)) 32")
        self.assertEqual(out.strip(), "0x00000077")


if __name__ == "__main__":
    unittest.main()
