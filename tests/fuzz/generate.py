#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the core fuzzer's seed corpus (tests/fuzz/corpus/seed-*) and its
dictionary (tests/fuzz/core.dict) from the hardware interface headers.

Each seed is one of the unit tests' scenarios (a PF and a VF sending and
receiving through their rings, VF-to-VF traffic in the card, the mailbox, the
synthetic channel's bring-up, data-path switch and revoke, faults, a
migration in the middle of traffic), written in the fuzzer's action format
(tests/fuzz/core_fuzz.cpp, docs/design-notes.md "Fuzzing the core") by a small
Python driver, so that the fuzzer starts deep in the device instead of at its
ID register. Run it after changing the headers or the format:

    tests/fuzz/generate.py

`--check` only compares (the unit suite's fuzz-seeds-current test).
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(HERE, "..", "..", "include", "sriovnic")
HEADERS = ("regs.h", "desc.h", "mailbox.h", "synth.h")


def load_constants():
    """Every `#define SRIOVNIC_X value` whose value is a number or (1u << n)."""
    num = re.compile(r"#define\s+SRIOVNIC_(\w+)\s+\(?(0x[0-9A-Fa-f]+|\d+)u?\)?\s*(/\*.*)?$")
    bit = re.compile(r"#define\s+SRIOVNIC_(\w+)\s+\(1u << (\d+)\)")
    c = {}
    for h in HEADERS:
        with open(os.path.join(INCLUDE, h)) as f:
            for line in f:
                line = line.strip()
                m = num.match(line)
                if m:
                    c[m.group(1)] = int(m.group(2), 0)
                    continue
                m = bit.match(line)
                if m:
                    c[m.group(1)] = 1 << int(m.group(2))
    return c


C = load_constants()

# The fuzzer's actions (enum Action in core_fuzz.cpp) and its card.
(WRITE, READ, FILL, PUT, FRAME, TIMER, RESET, VF_ENABLE, HOST, FAULT, MIGRATE, MAILBOX,
 HOST_OWNED, HOST_ADMIN) = range(14)
VFS = 4
SYNTH = VFS + 1
PF_MAC = bytes([0x52, 0x54, 0, 0, 0, 1])
SYNTH_MAC = bytes([0x52, 0x54, 0, 0, 2, 0])
REMOTE = bytes([0x52, 0x55, 0x0a, 0, 2, 2])
BROADCAST = b"\xff" * 6


def vf_fn(vf):
    return 1 + vf


def reg_queue(q, reg):
    return C["REG_QUEUE_BASE"] + q * C["REG_QUEUE_STRIDE"] + reg


def reg_admin(vf, reg):
    return C["REG_ADMIN_BASE"] + vf * C["REG_ADMIN_STRIDE"] + reg


def synth_queue(q, reg):
    return C["SYNTH_REG_QUEUE_BASE"] + q * C["SYNTH_REG_QUEUE_STRIDE"] + reg


def mbx_w0(op, tag, status=0):
    return op | ((tag << C["MBX_TAG_SHIFT"]) & 0xFE00) | (status << 16) | (C["MBX_LEGACY_LEVEL"] << 24)


def mac_lo(m):
    return struct.unpack("<I", m[:4])[0]


def mac_hi(m):
    return struct.unpack("<H", m[4:])[0]


class Seed:
    """A driver that writes actions instead of touching a device."""

    def __init__(self):
        self.b = bytearray()

    def wr(self, fn, off, value, size=4):
        assert off < 0x10000
        self.b += struct.pack("<BBHBQ", WRITE, fn, off, {1: 0, 2: 1, 4: 2, 8: 3}[size], value)

    def rd(self, fn, off, size=4):
        self.b += struct.pack("<BBHB", READ, fn, off, {1: 0, 2: 1, 4: 2, 8: 3}[size])

    def fill(self, addr, data):
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            self.b += struct.pack("<BHB", FILL, addr + i, len(chunk)) + chunk

    def put(self, addr, value, width):
        self.b += struct.pack("<BHBQ", PUT, addr, {1: 0, 2: 1, 4: 2, 8: 3}[width], value)

    def frame(self, data, length=None):
        length = len(data) if length is None else length
        data = data[:255]
        self.b += struct.pack("<BHB", FRAME, length, len(data)) + data

    def timer(self, ns):
        self.b += struct.pack("<BI", TIMER, ns)

    def reset(self, fn):
        self.b += struct.pack("<BB", RESET, fn)

    def vf_enable(self, n, direct=False):
        self.b += struct.pack("<BBH", VF_ENABLE, 1 if direct else 0, n)

    def host(self, op, a=0, b=0):
        self.b += struct.pack("<BBII", HOST, op, a, b)

    def fault(self, vf, fault, duration_ms=0):
        self.b += struct.pack("<BBBI", FAULT, vf, fault, duration_ms)

    def migrate(self, flips=()):
        self.b += struct.pack("<BB", MIGRATE, len(flips))
        for which, at, xor in flips:
            self.b += struct.pack("<BHB", which, at, xor)

    def host_owned(self):
        self.b += struct.pack("<B", HOST_OWNED)

    def host_admin(self, op, vf, a=0, b=0):
        self.b += struct.pack("<BBBII", HOST_ADMIN, op, vf, a, b)

    def mailbox(self, vf, to_vf, words):
        words = list(words) + [0] * (C["MBX_WORDS"] - len(words))
        self.b += struct.pack("<BBB", MAILBOX, vf, 1 if to_vf else 0)
        self.b += struct.pack("<%dI" % C["MBX_WORDS"], *words)

    # ---- what the drivers do ----

    def enable(self, fn, vector_irqs=True):
        self.wr(fn, C["REG_CTRL"], C["CTRL_ENABLE"])
        if vector_irqs:
            self.wr(fn, C["REG_MISC_VECTOR"], C["VECTOR_VALID"] | 0)
            self.wr(fn, C["REG_INT_ENABLE_SET"], 0xFFFFFFFF)

    def tx_ring(self, fn, q, base, length=8):
        self.wr(fn, reg_queue(q, C["Q_TX_CTRL"]), 0)
        self.wr(fn, reg_queue(q, C["Q_TX_BASE_LO"]), base)
        self.wr(fn, reg_queue(q, C["Q_TX_BASE_HI"]), 0)
        self.wr(fn, reg_queue(q, C["Q_TX_LEN"]), length)
        self.wr(fn, reg_queue(q, C["Q_TX_CTRL"]), C["QCTRL_ENABLE"])
        self.wr(fn, reg_queue(q, C["Q_IRQ"]), C["QIRQ_UNMASK"])

    def rx_ring(self, fn, q, base, bufs, length=8, buf_len=2048):
        self.wr(fn, reg_queue(q, C["Q_RX_CTRL"]), 0)
        self.wr(fn, reg_queue(q, C["Q_RX_BASE_LO"]), base)
        self.wr(fn, reg_queue(q, C["Q_RX_BASE_HI"]), 0)
        self.wr(fn, reg_queue(q, C["Q_RX_LEN"]), length)
        self.wr(fn, reg_queue(q, C["Q_RX_BUF_LEN"]), buf_len)
        for i, addr in enumerate(bufs):
            self.put(base + 16 * i, addr, 8)                      # addr
            self.put(base + 16 * i + 8, buf_len, 2)               # len
            self.put(base + 16 * i + 10, 0, 2)                    # flags
        self.wr(fn, reg_queue(q, C["Q_RX_CTRL"]), C["QCTRL_ENABLE"])
        self.wr(fn, reg_queue(q, C["Q_IRQ"]), C["QIRQ_UNMASK"])
        self.wr(fn, reg_queue(q, C["Q_RX_TAIL"]), len(bufs))

    def transmit(self, fn, q, ring, index, buf, frame, flags=None, csum=(0, 0), mss=0):
        self.fill(buf, frame)
        d = ring + 16 * index
        self.put(d, buf, 8)
        self.put(d + 8, len(frame), 2)
        self.put(d + 10, C["TXD_EOP"] if flags is None else flags, 2)
        self.put(d + 12, csum[0], 1)
        self.put(d + 13, csum[1], 1)
        self.put(d + 14, mss, 2)
        self.wr(fn, reg_queue(q, C["Q_TX_TAIL"]), index + 1)

    def synth_ring(self, q, desc, avail, used, size=8):
        wr = self.wr
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_ENABLE"]), 0)
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_DESC_LO"]), desc)
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_AVAIL_LO"]), avail)
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_USED_LO"]), used)
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_SIZE"]), size)
        wr(SYNTH, synth_queue(q, C["SYNTH_QR_ENABLE"]), 1)

    def synth_post(self, q, desc, avail, pos, chain, slot=None):
        """Posts a chain of (addr, len, write) from descriptor `slot` (default
        `pos`) as available entry `pos`, and notifies."""
        slot = pos if slot is None else slot
        for i, (addr, length, write) in enumerate(chain):
            d = desc + 16 * (slot + i)
            last = i == len(chain) - 1
            flags = (0 if last else C["SYNTH_D_NEXT"]) | (C["SYNTH_D_WRITE"] if write else 0)
            self.put(d, addr, 8)
            self.put(d + 8, length, 4)
            self.put(d + 12, flags, 2)
            self.put(d + 14, 0 if last else slot + i + 1, 2)
        self.put(avail + 4 + 2 * pos, slot, 2)
        self.put(avail, pos + 1, 2)
        self.wr(SYNTH, synth_queue(q, C["SYNTH_QR_NOTIFY"]), 1)


def ethernet(dst, src, ethertype=0x0800, payload=46):
    return dst + src + struct.pack(">H", ethertype) + bytes((i * 7) & 0xFF for i in range(payload))


def ipv4_udp(dst, src, payload=64, sport=1234, dport=5678):
    udp = struct.pack(">HHHH", sport, dport, 8 + payload, 0) + bytes(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2]))
    return dst + src + b"\x08\x00" + ip + udp


def ipv4_tcp(dst, src, payload=3000):
    tcp = struct.pack(">HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x18, 65535, 0, 0) + bytes(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                     bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2]))
    return dst + src + b"\x08\x00" + ip + tcp


def vlan(dst, src, vid, inner=0x0800, payload=46):
    return dst + src + struct.pack(">HHH", 0x8100, vid, inner) + bytes(payload)


def pf_tx_rx():
    s = Seed()
    s.enable(0)
    s.tx_ring(0, 0, 0x1000)
    s.rx_ring(0, 0, 0x1400, [0x4000, 0x4800, 0x5000, 0x5800])
    s.transmit(0, 0, 0x1000, 0, 0x2000, ipv4_udp(REMOTE, PF_MAC))
    s.frame(ipv4_udp(PF_MAC, REMOTE))
    s.frame(ethernet(BROADCAST, REMOTE, 0x0806))
    s.frame(vlan(PF_MAC, REMOTE, 100))
    s.rd(0, reg_queue(0, C["Q_RX_HEAD"]))
    s.rd(0, C["REG_INT_CAUSE"])
    s.wr(0, C["REG_INT_CAUSE"], 0xFFFFFFFF)
    s.timer(1_000_000)
    return s


def pf_offloads():
    s = Seed()
    s.enable(0)
    s.wr(0, C["REG_MTU"], 9000)
    s.tx_ring(0, 1, 0x1000)
    tcp = ipv4_tcp(REMOTE, PF_MAC, 3000)
    s.transmit(0, 1, 0x1000, 0, 0x2000, tcp,
               flags=C["TXD_EOP"] | C["TXD_CSUM"] | C["TXD_TSO"], csum=(34, 16), mss=1448)
    udp = ipv4_udp(REMOTE, PF_MAC, 200)
    s.transmit(0, 1, 0x1000, 1, 0x6000, udp, flags=C["TXD_EOP"] | C["TXD_CSUM"], csum=(34, 6))
    s.wr(0, reg_queue(1, C["Q_ITR"]), 50)
    s.timer(100_000)
    return s


def vf_traffic():
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    vf0_mac, vf1_mac = bytes([0x52, 0x54, 0, 0, 1, 0]), bytes([0x52, 0x54, 0, 0, 1, 1])
    for vf, mac in ((0, vf0_mac), (1, vf1_mac)):
        s.wr(0, reg_admin(vf, C["VFA_MAC_LO"]), mac_lo(mac))
        s.wr(0, reg_admin(vf, C["VFA_MAC_HI"]), mac_hi(mac))
        s.enable(vf_fn(vf))
    s.wr(0, reg_admin(1, C["VFA_VLAN"]), 42)
    s.wr(0, reg_admin(0, C["VFA_RATE"]), 10)
    s.rx_ring(vf_fn(1), 0, 0x1400, [0x4000, 0x4800])
    s.tx_ring(vf_fn(0), 0, 0x1000)
    s.transmit(vf_fn(0), 0, 0x1000, 0, 0x2000, ipv4_udp(vf1_mac, vf0_mac))
    s.transmit(vf_fn(0), 0, 0x1000, 1, 0x2800, ipv4_udp(REMOTE, REMOTE))  # spoofed
    s.frame(vlan(vf1_mac, REMOTE, 42))
    s.timer(10_000_000)
    s.reset(vf_fn(1))
    s.vf_enable(2)
    return s


def mailbox():
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    s.enable(vf_fn(0))
    s.mailbox(0, False, [mbx_w0(C["MBX_HELLO"], 1), C["MBX_LEGACY_LEVEL"], 0x7])
    s.mailbox(0, True, [mbx_w0(C["MBX_HELLO"] | C["MBX_REPLY"], 1), 0, 0x7])
    s.mailbox(0, False, [mbx_w0(C["MBX_SET_MTU"], 2), 9000])
    s.mailbox(0, True, [mbx_w0(C["MBX_SET_MTU"] | C["MBX_REPLY"], 2)])
    s.mailbox(0, True, [mbx_w0(C["MBX_SET_MTU"] | C["MBX_REPLY"], 2)])  # a duplicate
    s.mailbox(0, False, [mbx_w0(C["MBX_SET_VLAN"], 3), C["VLAN_FILTER_ADD"] | 7])
    s.mailbox(0, False, [mbx_w0(C["MBX_SET_MC_LIST"], 4), 2, 0x5e0001, 0x0100])
    s.mailbox(0, True, [mbx_w0(C["MBX_PF_RESET"], 0)])
    s.rd(vf_fn(0), C["REG_MBX_STATUS"])
    s.rd(0, C["REG_PF_MBX_PENDING"] if "REG_PF_MBX_PENDING" in C else 0x110)
    s.rd(vf_fn(0), C["REG_MBX_BAD_REQUESTS"])
    return s


def host_owned_card():
    """A host-owned card: a standalone VF plugged, its driver's HELLO and
    MTU and VLAN requests answered by the host PF agent, the host's settings
    (a new MAC and its notice, a port VLAN, a lower MTU limit), a migration
    and an unplug."""
    s = Seed()
    s.host_owned()
    s.host_admin(3, 1)                                       # plug VF 1
    s.enable(vf_fn(1))
    s.mailbox(1, False, [mbx_w0(C["MBX_HELLO"], 1), C["MBX_LEGACY_LEVEL"], 0x3])
    s.wr(vf_fn(1), C["REG_MBX_CTRL"], C["MBX_CTRL_ACK"])
    s.mailbox(1, False, [mbx_w0(C["MBX_SET_MTU"], 2), 9000])
    s.wr(vf_fn(1), C["REG_MBX_CTRL"], C["MBX_CTRL_ACK"])
    # a: bit 0 has_mac, bit 1 has_vlan, MAC bytes 4..5 in bits 31:16; b: MAC
    # bytes 0..3, and VLAN ID in bits 11:0: mac 02:00:5e:10:07:00, VLAN 2
    s.host_admin(0, 1, 1 | 2 | 0x0007 << 16, 0x105e0002)
    s.host_admin(1, 1, 2000)                                 # the host's MTU limit
    s.host_admin(2, 1)                                       # a notice
    s.rd(vf_fn(1), C["REG_MBX_STATUS"])
    s.mailbox(1, False, [mbx_w0(C["MBX_SET_VLAN"], 3), C["VLAN_FILTER_ADD"] | 7])
    s.wr(vf_fn(1), C["REG_MBX_CTRL"], C["MBX_CTRL_ACK"])
    s.migrate([(0x80, 4, 0x08)])                            # VF 0's agent MTU limit: 8992
    s.host_admin(4, 1)                                       # unplug
    return s


def synth_bring_up(s):
    s.wr(SYNTH, C["SYNTH_REG_DRV_FEATURES"], C["SYNTH_F_ALL"])
    s.wr(SYNTH, C["SYNTH_REG_FEATURES_OK"], 1)
    s.enable(SYNTH)
    s.wr(SYNTH, C["SYNTH_REG_DATA_IRQ"], C["QIRQ_UNMASK"])
    # RX, TX, CTRL, EVENT rings of 8 at 0x1000 + 0x400 * q.
    for q in range(4):
        base = 0x1000 + 0x400 * q
        s.synth_ring(q, base, base + 0x100, base + 0x200)
    # Buffers: RX and EVENT buffers the device writes.
    for slot in range(4):
        s.synth_post(0, 0x1000, 0x1100, slot, [(0x8000 + 0x800 * slot, 2048, True)])
        s.synth_post(3, 0x1C00, 0x1D00, slot, [(0xC000 + 0x40 * slot, 64, True)])


def switch_request(seq, to_vf):
    """SWITCH_DATA_PATH (type, len, seq, status, reserved, path, pad, vf, serial: the
    offer's, VF 0's routing ID on the fake platform, 1; 0 with the synthetic path)."""
    return struct.pack("<HHIHHBBHI", C["SYNTH_MSG_SWITCH_DATA_PATH"], 20, seq, 0, 0,
                       1 if to_vf else 0, 0, 0, 1 if to_vf else 0)


def synth_datapath():
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    s.enable(vf_fn(0))
    s.rx_ring(vf_fn(0), 0, 0x3000, [0xA000, 0xA800])   # the VF can receive
    synth_bring_up(s)
    s.host(0)                                     # offer (made already when VF 0 came)
    s.timer(1_000_000)
    # The guest switches to the VF; a revoke that waits; the guest switches back.
    for slot, (seq, to_vf) in enumerate(((1, True), (2, False), (3, True))):
        req = 0x6000 + 0x200 * slot
        s.fill(req, switch_request(seq, to_vf))
        s.synth_post(2, 0x1800, 0x1900, slot, [(req, 20, False), (req + 0x100, 32, True)],
                     slot=2 * slot)
        if slot == 0:
            s.host(1, 1, 0)                       # revoke (migration), waiting for the guest
        if slot == 1:
            s.host(0)                             # revoke done: offer again
    s.host(1, 1 | 0x200, 3)                       # revoke with a 3 ms timeout ...
    s.timer(4_000_000)                            # ... which passes
    s.host(0)
    # TX through the channel: a net header, then a frame.
    hdr = bytes(C["SYNTH_NET_HDR_SIZE"])
    s.fill(0x7000, hdr + ipv4_udp(REMOTE, SYNTH_MAC))
    s.synth_post(1, 0x1400, 0x1500, 0, [(0x7000, 12 + 106, False)])
    s.frame(ipv4_udp(SYNTH_MAC, REMOTE))
    s.host(1, 0x100 | 2)                          # surprise revoke
    s.timer(10_000_000)
    s.host(0)
    s.host(1, 1, 0)                               # revoke, waiting for the guest
    s.timer(6_000_000)
    return s


def synth_policy_and_migration():
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    synth_bring_up(s)
    s.host(2, 0x1 | 0x4 | (0x3 << 8) | 0x10, 4000)  # sriov allowed, max MTU, port policies
    s.host(3, 1)                                   # migration begins
    s.timer(1_000_000)
    s.host(6)
    s.host(10)
    s.migrate()
    s.host(4, 1)                                   # ... and ends
    s.host(5, 1)
    s.frame(ipv4_udp(SYNTH_MAC, REMOTE))
    s.migrate([(4, 8, 0x01)])                      # a corrupt channel state
    s.migrate([(1, 16, 0x80), (7, 0, 0xff)])
    return s


def faults():
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    for vf in range(VFS):
        s.enable(vf_fn(vf))
        s.tx_ring(vf_fn(vf), 0, 0x1000 + 0x200 * vf)
    # SriovnicInjectedFault (sriovnic-core-manage.h): link flap, surprise
    # removal, restore, FLR, mailbox timeout, DMA error.
    for fault in range(6):
        s.fault(fault % VFS, fault, 3 if fault % 2 else 0)
        s.timer(2_000_000)
    s.fault(1, 2)                                  # restore
    s.reset(vf_fn(2))
    s.host(8, 0)                                   # uplink down
    s.host(8, 1)
    s.host(9)
    s.vf_enable(0)
    return s


def migration_mid_traffic():
    s = pf_tx_rx()
    s.vf_enable(VFS)
    s.enable(vf_fn(0))
    s.rx_ring(vf_fn(0), 0, 0x3000, [0x9000, 0x9800])
    s.migrate()
    s.frame(ipv4_udp(PF_MAC, REMOTE))
    s.transmit(0, 0, 0x1000, 1, 0x2000, ipv4_udp(REMOTE, PF_MAC))
    s.migrate([(0, 4, 0x10)])
    s.migrate([(6, 0x20, 0x04), (3, 2, 0x40)])
    s.timer(5_000_000)
    return s


def ipv6(dst, src, next_header, upper, vlan_id=None):
    ip = struct.pack(">IHBB16s16s", 0x60000000, len(upper), next_header, 255,
                     bytes([0xfe, 0x80] + [0] * 13 + [1]), bytes([0xff, 0x02] + [0] * 13 + [1]))
    tag = struct.pack(">HH", 0x8100, vlan_id) if vlan_id is not None else b""
    return dst + src + tag + b"\x86\xdd" + ip + upper


def ipv4(dst, src, proto, upper):
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(upper), 1, 0, 64, proto, 0,
                     bytes([10, 0, 2, 15]), bytes([10, 0, 2, 255]))
    return dst + src + b"\x08\x00" + ip + upper


def synth_port_guards():
    """Frames the port policies guard, sent by the guest on the synthetic
    path with both guards on: router advertisements and redirects (ICMPv6
    134 and 137, ICMP 5), DHCP and DHCPv6 server messages, one VLAN-tagged,
    and an ordinary frame; the same again from the uplink."""
    s = Seed()
    s.enable(0)
    s.vf_enable(VFS)
    synth_bring_up(s)
    # Policy: has_port_policies (bit 4), port_policies = router | DHCP guard (a >> 8).
    s.host(2, 0x10 | (0x3 << 8), 0)
    frames = [
        ipv6(BROADCAST, SYNTH_MAC, 58, bytes([134, 0, 0, 0]) + bytes(12)),
        ipv6(BROADCAST, SYNTH_MAC, 58, bytes([137, 0, 0, 0]) + bytes(36), vlan_id=100),
        ipv4(BROADCAST, SYNTH_MAC, 1, bytes([5, 1, 0, 0]) + bytes(4) + bytes(28)),
        ipv4(BROADCAST, SYNTH_MAC, 17, struct.pack(">HHHH", 67, 68, 8 + 240, 0) + bytes(240)),
        ipv6(BROADCAST, SYNTH_MAC, 17, struct.pack(">HHHH", 547, 546, 8 + 32, 0) + bytes(32)),
        ipv4_udp(REMOTE, SYNTH_MAC),
    ]
    hdr = bytes(C["SYNTH_NET_HDR_SIZE"])
    for i, f in enumerate(frames):
        buf = 0x6000 + 0x400 * i
        s.fill(buf, hdr + f)
        s.synth_post(1, 0x1400, 0x1500, i, [(buf, len(hdr) + len(f), False)])
    for f in frames:
        s.frame(f)
    s.host(2, 0x10, 0)                             # guards off
    s.host(0)
    return s


def rings_in_bars():
    """Rings and buffers that point into the card's own BARs (re-entrancy)."""
    s = Seed()
    s.enable(0)
    bars = 0x10000
    s.tx_ring(0, 0, bars + 0x100)
    s.wr(0, reg_queue(0, C["Q_TX_TAIL"]), 3)
    s.rx_ring(0, 0, 0x1400, [bars, bars + 0x1000])
    s.frame(ipv4_udp(PF_MAC, REMOTE))
    s.vf_enable(VFS)
    synth_bring_up(s)
    s.synth_post(1, 0x1400, 0x1500, 0, [(bars + 0x10, 100, False)])
    return s


SEEDS = {
    "pf-tx-rx": pf_tx_rx, "pf-offloads": pf_offloads, "vf-traffic": vf_traffic,
    "mailbox": mailbox, "synth-datapath": synth_datapath,
    "synth-policy-migration": synth_policy_and_migration, "faults": faults,
    "migration-mid-traffic": migration_mid_traffic, "rings-in-bars": rings_in_bars,
    "synth-port-guards": synth_port_guards, "host-owned-card": host_owned_card,
}


def dictionary():
    """Every interface constant, at the widths the actions read: register
    offsets and small values as 2 bytes, the rest as 4."""
    lines = ["# Generated by tests/fuzz/generate.py from include/sriovnic/*.h: do not edit."]
    seen = set()
    for name, value in sorted(C.items()):
        if value > 0xFFFFFFFF:
            continue
        encoded = struct.pack("<H", value) if value <= 0xFFFF else struct.pack("<I", value)
        if encoded in seen or encoded in (b"\x00\x00", b"\x01\x00"):
            continue
        seen.add(encoded)
        esc = "".join("\\x%02x" % b for b in encoded)
        lines.append('%s="%s"' % (name.lower(), esc))
    for op in ("MBX_HELLO", "MBX_SET_MTU", "MBX_SET_VLAN", "MBX_SET_MC_LIST", "MBX_PF_RESET"):
        for reply in (0, C["MBX_REPLY"]):
            w0 = mbx_w0(C[op] | reply, 1)
            lines.append('%s%s_w0="%s"' % (op.lower(), "_reply" if reply else "",
                                           "".join("\\x%02x" % b for b in struct.pack("<I", w0))))
    return "\n".join(lines) + "\n"


def outputs():
    """{path relative to tests/fuzz: contents} of everything this script writes."""
    out = {os.path.join("corpus", "seed-" + name): bytes(make().b) for name, make in SEEDS.items()}
    out["core.dict"] = dictionary().encode()
    return out


def main():
    if sys.argv[1:] == ["--check"]:
        stale = []
        for rel, data in outputs().items():
            try:
                with open(os.path.join(HERE, rel), "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                stale.append(rel)
        if stale:
            print("tests/fuzz: out of date with include/sriovnic/*.h or generate.py: %s; "
                  "run tests/fuzz/generate.py and commit the result" % ", ".join(stale))
            return 1
        return 0
    os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
    for rel, data in outputs().items():
        with open(os.path.join(HERE, rel), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
