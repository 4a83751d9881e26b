# SPDX-License-Identifier: GPL-2.0-or-later
"""Firmware-like setup of a q35 machine with sriovnic behind a root port, for
device-level tests that run under the qtest accelerator (no guest OS)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from qemu_machine import Machine, find_cap, find_ext_cap  # noqa: E402

HEADERS = [os.path.join(os.path.dirname(__file__), "..", "..", "include", "sriovnic", h)
           for h in ("regs.h", "desc.h")]


def _load_regs():
    """The register map and descriptor flags, read from the headers the device
    and the drivers share."""
    import re
    regs = {}
    pattern = re.compile(r"#define\s+SRIOVNIC_(\w+)\s+\(?(0x[0-9A-Fa-f]+|\d+)u?\)?\s*(/\*.*)?$")
    shift = re.compile(r"#define\s+SRIOVNIC_(\w+)\s+\(1u << (\d+)\)")
    for h in HEADERS:
        with open(h) as f:
            for line in f:
                m = pattern.match(line.strip())
                if m:
                    regs[m.group(1)] = int(m.group(2), 0)
                    continue
                m = shift.match(line.strip())
                if m:
                    regs[m.group(1)] = 1 << int(m.group(2))
    return regs


R = _load_regs()

RP_DEVFN = 0x08          # pcie-root-port at 00:01.0
BUS = 1                  # the root port's secondary bus
PF_DEVFN = 0
MEM_BASE = 0xC0000000    # root port window
MEM_LIMIT = 0xCFFFFFFF
PF_BAR0 = 0xC0000000
PF_BAR2 = 0xC0010000
VF_BAR0 = 0xC0100000     # VF n's registers at VF_BAR0 + n * 16 KiB
VF_BAR2 = 0xC0800000
RAM_MSG = 0x00200000     # guest RAM where MSI-X messages are made to land

PCI_COMMAND = 0x04
CMD_MEMORY = 0x2
CMD_MASTER = 0x4

EXT_CAP_ARI = 0x0E
EXT_CAP_SRIOV = 0x10
CAP_PM = 0x01
CAP_EXP = 0x10
CAP_MSIX = 0x11

SRIOV_CTRL = 0x08
SRIOV_INITIAL_VF = 0x0C
SRIOV_TOTAL_VF = 0x0E
SRIOV_NUM_VF = 0x10
SRIOV_VF_OFFSET = 0x14
SRIOV_VF_STRIDE = 0x16
SRIOV_VF_DID = 0x1A
SRIOV_BAR = 0x24
SRIOV_CTRL_VFE = 0x01
SRIOV_CTRL_MSE = 0x08
SRIOV_CTRL_ARI = 0x10

EXP_DEVCAP = 0x04
EXP_DEVCTL = 0x08
EXP_DEVCAP_FLR = 1 << 28
EXP_DEVCTL_BCR_FLR = 1 << 15


def machine_args(vfs=8, extra_device="", mem="256M"):
    dev = f"sriovnic,bus=rp0,id=nic0,vfs={vfs}"
    if extra_device:
        dev += "," + extra_device
    return ["-M", "q35", "-m", mem,
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
            "-device", dev]


class Card:
    """A sriovnic PF on bus 1, set up the way firmware and a driver would."""

    def __init__(self, m: Machine, setup=True):
        self.m = m
        if setup:
            m.enable_ecam()
            # Root port: bus numbers, memory window, decoding and bus mastering.
            m.cfg_write(0, RP_DEVFN, 0x18, (BUS << 8) | (BUS << 16))
            m.cfg_write(0, RP_DEVFN, 0x20,
                        ((MEM_BASE >> 16) & 0xFFF0) | (((MEM_LIMIT >> 16) & 0xFFF0) << 16))
            m.cfg_write(0, RP_DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
            self.cfg_write(0x10, PF_BAR0)
            self.cfg_write(0x14, 0)
            self.cfg_write(0x18, PF_BAR2)
            self.cfg_write(0x1C, 0)
            self.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
        self.sriov = find_ext_cap(m, BUS, PF_DEVFN, EXT_CAP_SRIOV)

    # config space of the PF (vf=None) or of VF n
    def devfn(self, vf=None):
        return PF_DEVFN if vf is None else PF_DEVFN + 1 + vf

    def cfg_read(self, off, size=4, vf=None):
        return self.m.cfg_read(BUS, self.devfn(vf), off, size)

    def cfg_write(self, off, value, size=4, vf=None):
        self.m.cfg_write(BUS, self.devfn(vf), off, value, size)

    def vf_present(self, n):
        """A VF answers config reads only while enabled; its vendor/device IDs
        read 0xffff by design, so look at the class code."""
        return self.cfg_read(0x08, vf=n) != 0xFFFFFFFF

    # SR-IOV capability
    def sriov_read(self, off, size=2):
        return self.cfg_read(self.sriov + off, size)

    def sriov_write(self, off, value, size=2):
        self.cfg_write(self.sriov + off, value, size)

    def enable_vfs(self, n):
        self.sriov_write(SRIOV_CTRL, 0)
        self.sriov_write(SRIOV_NUM_VF, n)
        for bar, base in ((0, VF_BAR0), (2, VF_BAR2)):
            self.sriov_write(SRIOV_BAR + bar * 4, base, 4)
            self.sriov_write(SRIOV_BAR + bar * 4 + 4, 0, 4)
        self.sriov_write(SRIOV_CTRL, SRIOV_CTRL_VFE | SRIOV_CTRL_MSE | SRIOV_CTRL_ARI)
        for vf in range(n):
            if self.vf_present(vf):
                self.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2, vf=vf)

    def disable_vfs(self):
        self.sriov_write(SRIOV_CTRL, SRIOV_CTRL_ARI)

    # registers
    def reg_base(self, vf=None):
        return PF_BAR0 if vf is None else VF_BAR0 + vf * R["VF_REGS_SIZE"]

    def msix_base(self, vf=None):
        return PF_BAR2 if vf is None else VF_BAR2 + vf * R["MSIX_BAR_SIZE"]

    def rd(self, reg, vf=None, size=4):
        return self.m.read(self.reg_base(vf) + reg, size)

    def wr(self, reg, value, vf=None, size=4):
        self.m.write(self.reg_base(vf) + reg, size, value)

    def flr(self, vf=None):
        exp = find_cap(self.m, BUS, self.devfn(vf), CAP_EXP)
        ctl = self.cfg_read(exp + EXP_DEVCTL, 2, vf=vf)
        self.cfg_write(exp + EXP_DEVCTL, ctl | EXP_DEVCTL_BCR_FLR, 2, vf=vf)

    def setup_msix(self, vector, addr, data, vf=None):
        """Point MSI-X `vector` at guest RAM so a message shows up as a write."""
        entry = self.msix_base(vf) + vector * 16
        self.m.write(entry + 0, 4, addr & 0xFFFFFFFF)
        self.m.write(entry + 4, 4, addr >> 32)
        self.m.write(entry + 8, 4, data)
        self.m.write(entry + 12, 4, 0)  # unmasked
        cap = find_cap(self.m, BUS, self.devfn(vf), CAP_MSIX)
        ctl = self.cfg_read(cap + 2, 2, vf=vf)
        self.cfg_write(cap + 2, ctl | 0x8000, 2, vf=vf)
