# SPDX-License-Identifier: GPL-2.0-or-later
"""Firmware-like setup of a q35 machine with sriovnic behind a root port, for
device-level tests that run under the qtest accelerator (no guest OS)."""
import base64
import collections
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from qemu_machine import Machine, find_cap, find_ext_cap  # noqa: E402

HEADERS = [os.path.join(os.path.dirname(__file__), "..", "..", "include", "sriovnic", h)
           for h in ("regs.h", "desc.h", "mailbox.h")]


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
RAM_QUEUES = 0x01000000  # guest RAM for rings and buffers: 1 MiB per queue pair
RAM_QUEUE_AREA = 0x100000

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


def stat_reg(index):
    """The register of counter `index`: counters 16 and up are in the second
    window (interface 1.5)."""
    if index < R.get("STATS_IN_BASE", 16):
        return R["REG_STAT_BASE"] + 8 * index
    return R["REG_STAT_BASE2"] + 8 * (index - R["STATS_IN_BASE"])


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

    # guest memory
    def mem_write(self, addr, data):
        data = bytes(data)
        if data:
            self.m.qtest(f"b64write {addr:#x} {len(data)} {base64.b64encode(data).decode()}")

    def mem_read(self, addr, size):
        return base64.b64decode(self.m.qtest(f"b64read {addr:#x} {size}"))

    # registers
    def reg_base(self, vf=None):
        return PF_BAR0 if vf is None else VF_BAR0 + vf * R["VF_REGS_SIZE"]

    def msix_base(self, vf=None):
        return PF_BAR2 if vf is None else VF_BAR2 + vf * R["MSIX_BAR_SIZE"]

    def rd(self, reg, vf=None, size=4):
        return self.m.read(self.reg_base(vf) + reg, size)

    def wr(self, reg, value, vf=None, size=4):
        self.m.write(self.reg_base(vf) + reg, size, value)

    def qrd(self, q, reg, vf=None):
        return self.rd(R["REG_QUEUE_BASE"] + q * R["REG_QUEUE_STRIDE"] + reg, vf)

    def qwr(self, q, reg, value, vf=None):
        self.wr(R["REG_QUEUE_BASE"] + q * R["REG_QUEUE_STRIDE"] + reg, value, vf)

    def stat(self, index, vf=None):
        """64-bit counter STAT(index), read high, low, high as the spec says."""
        reg = stat_reg(index)
        while True:
            hi = self.rd(reg + 4, vf)
            lo = self.rd(reg, vf)
            if self.rd(reg + 4, vf) == hi:
                return hi << 32 | lo

    def set_mac(self, mac, vf=None):
        self.wr(R["REG_MAC_LO"], int.from_bytes(mac[:4], "little"), vf)
        self.wr(R["REG_MAC_HI"], int.from_bytes(mac[4:], "little"), vf)

    def mac(self, vf=None):
        return (self.rd(R["REG_MAC_LO"], vf).to_bytes(4, "little") +
                self.rd(R["REG_MAC_HI"], vf).to_bytes(2, "little"))

    def admin_reg(self, vf, reg):
        return R["REG_ADMIN_BASE"] + vf * R["REG_ADMIN_STRIDE"] + reg

    def set_admin_mac(self, vf, mac):
        """The PF's administrative MAC for VF `vf` (becomes the VF's MAC)."""
        self.wr(self.admin_reg(vf, R["VFA_MAC_LO"]), int.from_bytes(mac[:4], "little"))
        self.wr(self.admin_reg(vf, R["VFA_MAC_HI"]), int.from_bytes(mac[4:], "little"))

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


TX_DESC = struct.Struct("<QHHBBH")  # addr, len, flags, csum_start, csum_offset, mss
RX_DESC = struct.Struct("<QHHHH")   # addr, len, flags, vlan_tci, reserved
TX_SLOT = 0x4000                    # one descriptor's worth of TX buffer (16 KiB)


# A received frame: the written-back descriptor fields and the buffer's bytes.
RxFrame = collections.namedtuple("RxFrame", "len flags vlan_tci data")


class QueuePair:
    """Queue pair `q` of a function, brought up as a driver would: TX and RX
    rings and buffers in the `area`-th MiB of RAM_QUEUES, every RX buffer but
    one posted. The pair keeps the driver's view (tails, next RX descriptor)."""

    def __init__(self, card, area, q=0, vf=None, ring_len=16, buf_len=2048):
        self.card = card
        self.q = q
        self.vf = vf
        self.ring_len = ring_len
        self.buf_len = buf_len
        base = RAM_QUEUES + area * RAM_QUEUE_AREA
        assert ring_len * R["DESC_SIZE"] <= 0x1000
        assert 0x10000 + ring_len * TX_SLOT <= RAM_QUEUE_AREA
        self.tx_ring = base
        self.rx_ring = base + 0x1000
        self.rx_bufs = base + 0x2000
        self.tx_bufs = base + 0x10000
        assert self.rx_bufs + ring_len * buf_len <= self.tx_bufs
        self.tx_tail = 0
        self.rx_tail = 0
        self.rx_next = 0

        card.mem_write(base, bytes(0x2000))
        self.wr("Q_TX_BASE_LO", self.tx_ring & 0xFFFFFFFF)
        self.wr("Q_TX_BASE_HI", self.tx_ring >> 32)
        self.wr("Q_TX_LEN", ring_len)
        self.wr("Q_TX_CTRL", R["QCTRL_ENABLE"])
        self.wr("Q_RX_BASE_LO", self.rx_ring & 0xFFFFFFFF)
        self.wr("Q_RX_BASE_HI", self.rx_ring >> 32)
        self.wr("Q_RX_LEN", ring_len)
        self.wr("Q_RX_BUF_LEN", buf_len)
        self.wr("Q_RX_CTRL", R["QCTRL_ENABLE"])
        for _ in range(ring_len - 1):
            self._post_rx_buffer()
        self.wr("Q_RX_TAIL", self.rx_tail)

    @classmethod
    def adopt(cls, card, area, q=0, vf=None, rx_next=None):
        """The driver's view of a pair already programmed in the `area`-th MiB
        (after a migration, say), without touching the device: tails from the
        device's registers, the next RX descriptor to look at `rx_next`
        (default: the device's RX_HEAD, i.e. everything written back is
        consumed)."""
        self = cls.__new__(cls)
        self.card = card
        self.q = q
        self.vf = vf
        self.ring_len = self.rd("Q_TX_LEN")
        self.buf_len = self.rd("Q_RX_BUF_LEN")
        base = RAM_QUEUES + area * RAM_QUEUE_AREA
        self.tx_ring = base
        self.rx_ring = base + 0x1000
        self.rx_bufs = base + 0x2000
        self.tx_bufs = base + 0x10000
        assert self.rd("Q_TX_BASE_LO") | self.rd("Q_TX_BASE_HI") << 32 == self.tx_ring
        assert self.rd("Q_RX_BASE_LO") | self.rd("Q_RX_BASE_HI") << 32 == self.rx_ring
        assert self.rd("Q_RX_LEN") == self.ring_len
        self.tx_tail = self.rd("Q_TX_TAIL")
        self.rx_tail = self.rd("Q_RX_TAIL")
        self.rx_next = self.rd("Q_RX_HEAD") if rx_next is None else rx_next
        return self

    def rd(self, reg):
        return self.card.qrd(self.q, R[reg], self.vf)

    def wr(self, reg, value):
        self.card.qwr(self.q, R[reg], value, self.vf)

    # transmit
    def tx_buf(self, idx):
        return self.tx_bufs + idx * TX_SLOT

    def tx_desc_addr(self, idx):
        return self.tx_ring + idx * R["DESC_SIZE"]

    def post_tx(self, addr, length, flags, csum_start=0, csum_offset=0, mss=0):
        """Writes a TX descriptor at the tail without ringing the doorbell."""
        idx = self.tx_tail
        self.card.mem_write(self.tx_desc_addr(idx),
                            TX_DESC.pack(addr, length, flags, csum_start, csum_offset, mss))
        self.tx_tail = (idx + 1) % self.ring_len
        return idx

    def kick_tx(self):
        self.wr("Q_TX_TAIL", self.tx_tail)

    def send(self, frame, flags=0, csum_start=0, csum_offset=0, mss=0, chunk=TX_SLOT):
        """Posts `frame` in descriptors of at most `chunk` bytes, the offload
        `flags` and fields in the first, and rings the doorbell. Returns the
        descriptor indices."""
        pieces = [frame[i:i + chunk] for i in range(0, len(frame), chunk)]
        indices = []
        for n, piece in enumerate(pieces):
            addr = self.tx_buf(self.tx_tail)
            self.card.mem_write(addr, piece)
            first = n == 0
            desc_flags = (flags if first else 0) | (R["TXD_EOP"] if n == len(pieces) - 1 else 0)
            indices.append(self.post_tx(addr, len(piece), desc_flags,
                                        csum_start if first else 0,
                                        csum_offset if first else 0, mss if first else 0))
        self.kick_tx()
        return indices

    def tx_flags(self, idx):
        return TX_DESC.unpack(self.card.mem_read(self.tx_desc_addr(idx), R["DESC_SIZE"]))[2]

    # receive
    def rx_desc_addr(self, idx):
        return self.rx_ring + idx * R["DESC_SIZE"]

    def _post_rx_buffer(self):
        idx = self.rx_tail
        self.card.mem_write(self.rx_desc_addr(idx),
                            RX_DESC.pack(self.rx_bufs + idx * self.buf_len, 0, 0, 0, 0))
        self.rx_tail = (idx + 1) % self.ring_len

    def set_rx_buffer(self, idx, addr):
        """Points the posted RX descriptor `idx` at `addr` (a driver bug, or
        a malicious one)."""
        self.card.mem_write(self.rx_desc_addr(idx), RX_DESC.pack(addr, 0, 0, 0, 0))

    def rx_desc(self, idx):
        """RX descriptor `idx` as the device left it: (addr, len, flags, vlan_tci)."""
        return RX_DESC.unpack(self.card.mem_read(self.rx_desc_addr(idx), R["DESC_SIZE"]))[:4]

    def rx_ready(self):
        """Whether the device has written back the next RX descriptor."""
        flags = RX_DESC.unpack(self.card.mem_read(self.rx_desc_addr(self.rx_next),
                                                  R["DESC_SIZE"]))[2]
        return bool(flags & R["RXD_DONE"])

    def receive(self, timeout=10):
        """The next received frame; waits up to `timeout` seconds (a hang
        guard) for the device to write it back. The buffer is posted again."""
        deadline = time.monotonic() + timeout
        while True:
            desc = self.card.mem_read(self.rx_desc_addr(self.rx_next), R["DESC_SIZE"])
            addr, length, flags, vlan_tci, _ = RX_DESC.unpack(desc)
            if flags & R["RXD_DONE"]:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"RX descriptor {self.rx_next} not written back "
                                     f"in {timeout} s")
            time.sleep(0.005)
        data = self.card.mem_read(addr, length) if length else b""
        frame = RxFrame(length, flags, vlan_tci, data)
        self.rx_next = (self.rx_next + 1) % self.ring_len
        self._post_rx_buffer()
        self.wr("Q_RX_TAIL", self.rx_tail)
        return frame


# --- migration through a file (QEMU 10.0's file: transport) ----------------
def save_state(m, path, timeout=60):
    """Saves `m`'s migration stream to `path`; the machine is left stopped
    (postmigrate)."""
    m.qmp("migrate", uri=f"file:{path}")
    return m.wait_migration(timeout)


def load_state(m, path, timeout=60):
    """Loads the stream in `path` into `m`, started with -incoming defer.
    Returns query-migrate's final answer on the destination, whether the load
    completed or failed ('status', 'error-desc'); QEMU stays up on failure."""
    m.qmp("migrate-incoming", uri=f"file:{path}", **{"exit-on-error": False})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = m.qmp("query-migrate")
        if info.get("status") in ("completed", "failed"):
            if info["status"] == "completed":
                # The machine resumes once the load is done.
                while m.qmp("query-status")["status"] == "inmigrate":
                    time.sleep(0.02)
            return info
        time.sleep(0.05)
    raise AssertionError(f"loading {path} did not finish in {timeout} s")


# --- the synthetic channel (-device sriovnic-synth) -------------------------
SYNTH_HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "include", "sriovnic",
                            "synth.h")


def _load_synth():
    """SRIOVNIC_SYNTH_* numbers of synth.h, without the prefix (REG_DEV_FEATURES, F_CSUM_TX,
    ...); enums are spelled out in the tests."""
    import re
    out = {}
    pattern = re.compile(r"#define\s+SRIOVNIC_SYNTH_(\w+)\s+\(?(0x[0-9A-Fa-f]+|\d+)u?\)?\s*(/\*.*)?$")
    shift = re.compile(r"#define\s+SRIOVNIC_SYNTH_(\w+)\s+\(1u << (\d+)\)")
    with open(SYNTH_HEADER) as f:
        for line in f:
            m = pattern.match(line.strip())
            if m:
                out[m.group(1)] = int(m.group(2), 0)
                continue
            m = shift.match(line.strip())
            if m:
                out[m.group(1)] = 1 << int(m.group(2))
    return out


S = _load_synth()

SYNTH_RP_DEVFN = 0x10    # second pcie-root-port at 00:02.0
SYNTH_BUS = 2
SYNTH_DEVFN = 0
SYNTH_MEM_BASE = 0xD0000000
SYNTH_MEM_LIMIT = 0xD00FFFFF
SYNTH_BAR0 = 0xD0000000
SYNTH_BAR2 = 0xD0010000
RAM_SYNTH = 0x04000000   # guest RAM for the channel's rings: 1 MiB per queue
SYNTH_MSG = 0x00201000   # where the channel's MSI-X messages land

SYNTH_DESC = struct.Struct("<QIHH")    # addr, len, flags, next
SYNTH_USED = struct.Struct("<HHI")     # id, flags, len
NET_HDR = struct.Struct("<BBHHHHH")    # flags, gso_type, hdr_len, gso_size, csum_start,
                                       # csum_offset, reserved
MSG_HDR = struct.Struct("<HHIHH")      # type, len, seq, status, reserved


def synth_args(vfs=2, synth="", pf_extra=""):
    """machine_args() plus a second root port with a sriovnic-synth paired with VF 0."""
    return machine_args(vfs, pf_extra) + [
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
        "-device", "sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=0" + ("," + synth if synth else "")]


class SynthFunction:
    """The synthetic function on bus 2, its BARs assigned and decoding on."""

    def __init__(self, card: Card, setup=True):
        self.card = card
        self.m = card.m
        if setup:
            m = self.m
            m.cfg_write(0, SYNTH_RP_DEVFN, 0x18, (SYNTH_BUS << 8) | (SYNTH_BUS << 16))
            m.cfg_write(0, SYNTH_RP_DEVFN, 0x20,
                        ((SYNTH_MEM_BASE >> 16) & 0xFFF0) |
                        (((SYNTH_MEM_LIMIT >> 16) & 0xFFF0) << 16))
            m.cfg_write(0, SYNTH_RP_DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
            self.cfg_write(0x10, SYNTH_BAR0)
            self.cfg_write(0x14, 0)
            self.cfg_write(0x18, SYNTH_BAR2)
            self.cfg_write(0x1C, 0)
            self.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)

    def cfg_read(self, off, size=4):
        return self.m.cfg_read(SYNTH_BUS, SYNTH_DEVFN, off, size)

    def cfg_write(self, off, value, size=4):
        self.m.cfg_write(SYNTH_BUS, SYNTH_DEVFN, off, value, size)

    def rd(self, reg, size=4):
        return self.m.read(SYNTH_BAR0 + reg, size)

    def wr(self, reg, value, size=4):
        self.m.write(SYNTH_BAR0 + reg, size, value)

    def qreg(self, q, reg):
        return S["REG_QUEUE_BASE"] + q * S["REG_QUEUE_STRIDE"] + S["QR_" + reg]

    def qrd(self, q, reg):
        return self.rd(self.qreg(q, reg))

    def qwr(self, q, reg, value):
        self.wr(self.qreg(q, reg), value)

    def mac(self):
        return (self.rd(R["REG_MAC_LO"]).to_bytes(4, "little") +
                self.rd(R["REG_MAC_HI"]).to_bytes(2, "little"))

    def negotiate(self, features):
        """The feature handshake; returns what FEATURES_OK reads back."""
        self.wr(S["REG_DRV_FEATURES"], features)
        self.wr(S["REG_FEATURES_OK"], S["FEATURES_OK_BIT"])
        return self.rd(S["REG_FEATURES_OK"])

    def setup_msix(self, vector, addr, data):
        entry = SYNTH_BAR2 + vector * 16
        self.m.write(entry + 0, 4, addr & 0xFFFFFFFF)
        self.m.write(entry + 4, 4, addr >> 32)
        self.m.write(entry + 8, 4, data)
        self.m.write(entry + 12, 4, 0)
        cap = find_cap(self.m, SYNTH_BUS, SYNTH_DEVFN, CAP_MSIX)
        ctl = self.cfg_read(cap + 2, 2)
        self.cfg_write(cap + 2, ctl | 0x8000, 2)


class SplitRing:
    """Queue `q` of the synthetic function as a driver drives it: descriptor
    table, available and used rings and 4 KiB buffers in the q-th MiB of
    RAM_SYNTH. Each chain takes consecutive descriptors."""

    BUF = 0x1000

    def __init__(self, fn: SynthFunction, q, size=16, enable=True):
        self.fn = fn
        self.card = fn.card
        self.q = q
        self.size = size
        base = RAM_SYNTH + q * 0x100000
        self.desc = base
        self.avail = base + 0x1000
        self.used = base + 0x2000
        self.bufs = base + 0x10000
        self.next_desc = 0
        self.avail_idx = 0
        self.used_seen = 0
        self.heads = {}  # head -> [(addr, len, write)]
        if enable:
            self.card.mem_write(base, bytes(0x3000))
            for reg, addr in (("DESC", self.desc), ("AVAIL", self.avail), ("USED", self.used)):
                fn.qwr(q, reg + "_LO", addr & 0xFFFFFFFF)
                fn.qwr(q, reg + "_HI", addr >> 32)
            fn.qwr(q, "SIZE", size)
            fn.qwr(q, "ENABLE", S["QENABLE"])

    @classmethod
    def adopt(cls, fn, q, avail_idx, used_seen, next_desc, heads):
        self = cls(fn, q, size=fn.qrd(q, "SIZE"), enable=False)
        self.avail_idx, self.used_seen, self.next_desc = avail_idx, used_seen, next_desc
        self.heads = dict(heads)
        return self

    def buf(self, idx):
        return self.bufs + idx * self.BUF

    def post(self, parts, kick=True):
        """Makes a chain available: `parts` is a list of (bytes or int, write):
        readable data, or the size of a writable buffer. Returns its head."""
        head = self.next_desc
        chain = []
        for n, (data, write) in enumerate(parts):
            idx = (head + n) % self.size
            addr = self.buf(idx)
            length = data if write else len(data)
            if not write:
                self.card.mem_write(addr, data)
            last = n == len(parts) - 1
            flags = (S["D_WRITE"] if write else 0) | (0 if last else S["D_NEXT"])
            self.card.mem_write(self.desc + 16 * idx,
                                SYNTH_DESC.pack(addr, length, flags,
                                                0 if last else (idx + 1) % self.size))
            chain.append((addr, length, write))
        self.next_desc = (head + len(parts)) % self.size
        self.heads[head] = chain
        self.card.mem_write(self.avail + 4 + 2 * (self.avail_idx % self.size),
                            struct.pack("<H", head))
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.card.mem_write(self.avail, struct.pack("<H", self.avail_idx))
        if kick:
            self.notify()
        return head

    def notify(self):
        self.fn.qwr(self.q, "NOTIFY", 1)

    def used_idx(self):
        return struct.unpack("<H", self.card.mem_read(self.used, 2))[0]

    def pending(self):
        return (self.used_idx() - self.used_seen) & 0xFFFF

    def pop(self, timeout=10):
        """The next used element as (id, flags, len, bytes written), waiting
        up to `timeout` seconds (a hang guard)."""
        deadline = time.monotonic() + timeout
        while not self.pending():
            if time.monotonic() > deadline:
                raise AssertionError(f"synth queue {self.q}: nothing used in {timeout} s")
            time.sleep(0.005)
        pos = self.used_seen % self.size
        elem_id, flags, length = SYNTH_USED.unpack(
            self.card.mem_read(self.used + 4 + 8 * pos, 8))
        self.used_seen = (self.used_seen + 1) & 0xFFFF
        data = b""
        left = length
        for addr, blen, write in self.heads.pop(elem_id, []):
            if write and left:
                take = min(left, blen)
                data += self.card.mem_read(addr, take)
                left -= take
        return elem_id, flags, length, data
