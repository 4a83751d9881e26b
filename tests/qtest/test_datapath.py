# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of sriovnic's data path: the built QEMU under the qtest
accelerator, rings programmed through MMIO and guest RAM as a driver would,
and the card's uplink on a dgram netdev whose other end is a UDP socket of
this test, so every datagram is one frame on the wire."""
import socket
import struct
import unittest

from sriovnic_pci import RAM_MSG, R, Card, QueuePair, machine_args
from qemu_machine import Machine

HANG_GUARD = 10       # seconds: only ever a limit for something that must happen
QUIET_PERIOD = 0.5    # seconds the wire must stay silent in negative checks

PF_MAC = bytes.fromhex("025352000001")
VF_MACS = [bytes.fromhex("025352000101"), bytes.fromhex("025352000102")]
PEER_MAC = bytes.fromhex("02aabbcc0001")
OTHER_MAC = bytes.fromhex("02aabbcc0099")
PF_IP = bytes([10, 0, 0, 1])
VF_IPS = [bytes([10, 0, 0, 11]), bytes([10, 0, 0, 12])]
PEER_IP = bytes([10, 0, 0, 2])

ETH_P_IP = 0x0800
ETH_P_EXPERIMENTAL = 0x88B5
IPPROTO_TCP = 6
IPPROTO_UDP = 17
TCP_FIN, TCP_PSH, TCP_ACK, TCP_CWR = 0x01, 0x08, 0x10, 0x80
ETH_HLEN = 14

BAD_DMA_ADDR = 0x40000000  # beyond the machine's 256 MiB, below the PCI windows


# --- frames, built and checked independently of the device ----------------
def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def inet_checksum(data):
    return ~ones_sum(data) & 0xFFFF


def pseudo_header(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def ipv4(src, dst, proto, payload, ident=0x1234):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      src, dst)
    return hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:] + payload


def ether(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def udp(src, dst, sport, dport, payload, checksum=None):
    """A UDP datagram; `checksum` None computes the right one."""
    length = 8 + len(payload)
    if checksum is None:
        seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
        checksum = inet_checksum(pseudo_header(src, dst, IPPROTO_UDP, length) + seg) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, checksum) + payload


def tcp(src, dst, sport, dport, seq, flags, payload, checksum=None):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0x01020304, 5 << 4, flags, 0xFFFF, 0, 0)
    if checksum is None:
        checksum = inet_checksum(pseudo_header(src, dst, IPPROTO_TCP, 20 + len(payload)) +
                                 hdr + payload)
    return hdr[:16] + struct.pack("!H", checksum) + hdr[18:] + payload


def partial_checksum(src, dst, proto, l4_len):
    """What a CHECKSUM_PARTIAL stack leaves in the L4 checksum field: the
    folded pseudo-header sum, not complemented."""
    return ones_sum(pseudo_header(src, dst, proto, l4_len))


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, payload, sport=4000, dport=5000):
    return ether(dst_mac, src_mac, ETH_P_IP,
                 ipv4(src_ip, dst_ip, IPPROTO_UDP, udp(src_ip, dst_ip, sport, dport, payload)))


def pattern(n, seed=0):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Wire:
    """The far end of the card's uplink."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.qemu_port = free_udp_port()

    def netdev_args(self, netdev_id):
        return ["-netdev",
                f"dgram,id={netdev_id},"
                f"local.type=inet,local.host=127.0.0.1,local.port={self.qemu_port},"
                f"remote.type=inet,remote.host=127.0.0.1,remote.port={self.port}"]

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def recv(self, timeout=HANG_GUARD):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError(f"no frame on the wire in {timeout} s") from None

    def assert_silent(self, test, timeout=QUIET_PERIOD):
        self.sock.settimeout(timeout)
        try:
            frame = self.sock.recv(65536)
        except socket.timeout:
            return
        test.fail(f"unexpected frame on the wire: {frame.hex()}")

    def close(self):
        self.sock.close()


class DataPathTest(unittest.TestCase):
    vfs = 2

    def setUp(self):
        self.wire = Wire()
        self.addCleanup(self.wire.close)
        self.m = Machine(machine_args(self.vfs, "netdev=n0") + self.wire.netdev_args("n0"))
        self.addCleanup(self.m.kill)
        self.card = Card(self.m)
        self.pf = self.bring_up(PF_MAC)

    def bring_up(self, mac, vf=None):
        """CTRL.ENABLE, the MAC and queue pair 0, as a driver's open would."""
        c = self.card
        c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf)
        if vf is None:
            c.set_mac(mac)
        else:
            c.set_admin_mac(vf, mac)
        self.assertEqual(c.mac(vf), mac)
        return QueuePair(c, area=0 if vf is None else 1 + vf, vf=vf)

    def bring_up_vfs(self):
        self.card.enable_vfs(2)
        return [self.bring_up(VF_MACS[n], vf=n) for n in range(2)]

    def assert_stats(self, expected, vf=None):
        for name, value in expected.items():
            self.assertEqual(self.card.stat(R["STAT_" + name], vf), value, name)

    def assert_no_error(self, vf=None):
        self.assertEqual(self.card.rd(R["REG_ERR_CAUSE"], vf), 0)


class Transmit(DataPathTest):
    def test_frame_reaches_the_wire_byte_exact(self):
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(100))
        [idx] = self.pf.send(frame)
        self.assertEqual(self.wire.recv(), frame)
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 1)
        self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"])
        self.assert_stats({"TX_PACKETS": 1, "TX_BYTES": len(frame), "RX_PACKETS": 0})
        self.assert_no_error()

    def test_frame_in_several_descriptors_is_one_frame(self):
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(1200, seed=3))
        indices = self.pf.send(frame, chunk=500)
        self.assertEqual(len(indices), 3)
        self.assertEqual(self.wire.recv(), frame)
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 3)
        for idx in indices:
            self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"], f"descriptor {idx}")
        self.assert_stats({"TX_PACKETS": 1, "TX_BYTES": len(frame)})

    def test_frame_without_eop_waits_for_the_rest(self):
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(300, seed=9))
        first, rest = frame[:100], frame[100:]
        self.card.mem_write(self.pf.tx_buf(0), first)
        self.card.mem_write(self.pf.tx_buf(1), rest)
        self.pf.post_tx(self.pf.tx_buf(0), len(first), 0)
        self.pf.kick_tx()
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 0, "nothing done before EOP")
        self.assertEqual(self.pf.tx_flags(0), 0)
        self.pf.post_tx(self.pf.tx_buf(1), len(rest), R["TXD_EOP"])
        self.pf.kick_tx()
        self.assertEqual(self.wire.recv(), frame)
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 2)

    def test_ring_wraps(self):
        frames = [udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(60 + n, seed=n))
                  for n in range(self.pf.ring_len + 4)]
        for frame in frames:
            self.pf.send(frame)
            self.assertEqual(self.wire.recv(), frame)
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), len(frames) % self.pf.ring_len)
        self.assert_stats({"TX_PACKETS": len(frames),
                           "TX_BYTES": sum(len(f) for f in frames)})


class Receive(DataPathTest):
    def test_frame_from_the_wire_lands_in_the_ring(self):
        frame = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(200, seed=1))
        self.wire.send(frame)
        rx = self.pf.receive()
        self.assertEqual(rx.len, len(frame))
        self.assertEqual(rx.flags, R["RXD_DONE"] | R["RXD_EOP"] | R["RXD_L4_CSUM_OK"])
        self.assertEqual(rx.data, frame)
        self.assertEqual(self.pf.rd("Q_RX_HEAD"), 1)
        self.assert_stats({"RX_PACKETS": 1, "RX_BYTES": len(frame), "TX_PACKETS": 0})
        self.assert_no_error()

    def test_checksum_verdicts(self):
        good = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(64, seed=2))
        bad = bytearray(good)
        bad[-1] ^= 0xFF  # payload changed after the checksum was computed
        other = ether(PF_MAC, PEER_MAC, ETH_P_EXPERIMENTAL, pattern(80, seed=4))
        tcp_seg = tcp(PEER_IP, PF_IP, 80, 1234, 1000, TCP_ACK, pattern(90))
        tcp_good = ether(PF_MAC, PEER_MAC, ETH_P_IP, ipv4(PEER_IP, PF_IP, IPPROTO_TCP, tcp_seg))
        done = R["RXD_DONE"] | R["RXD_EOP"]
        cases = ((good, done | R["RXD_L4_CSUM_OK"]), (bytes(bad), done | R["RXD_L4_CSUM_BAD"]),
                 (other, done), (tcp_good, done | R["RXD_L4_CSUM_OK"]))
        for frame, flags in cases:
            self.wire.send(frame)
        for frame, flags in cases:
            rx = self.pf.receive()
            self.assertEqual(rx.data, frame)
            self.assertEqual(rx.flags, flags, f"flags for {frame[:40].hex()}...")
        self.assert_stats({"RX_PACKETS": 4, "RX_BYTES": sum(len(f) for f, _ in cases)})

    def test_unicast_for_another_mac_is_filtered_unless_promiscuous(self):
        stranger = udp_frame(OTHER_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(70, seed=5))
        mine = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(70, seed=6))
        broadcast = udp_frame(b"\xff" * 6, PEER_MAC, PEER_IP, PF_IP, pattern(70, seed=7))
        # The wire delivers in order: the first frame written back must be ours.
        for frame in (stranger, mine, broadcast):
            self.wire.send(frame)
        self.assertEqual(self.pf.receive().data, mine)
        self.assertEqual(self.pf.receive().data, broadcast)
        self.assertFalse(self.pf.rx_ready())
        self.assert_stats({"RX_PACKETS": 2})

        self.card.wr(R["REG_RX_MODE"], R["RX_MODE_PROMISC"])
        self.wire.send(stranger)
        self.assertEqual(self.pf.receive().data, stranger)
        self.assert_stats({"RX_PACKETS": 3})

    def test_many_frames_wrap_the_ring(self):
        frames = [udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(100 + n, seed=n))
                  for n in range(self.pf.ring_len * 2 + 3)]
        # More than the ring holds: the device holds frames until buffers are posted again.
        for frame in frames:
            self.wire.send(frame)
        for n, frame in enumerate(frames):
            self.assertEqual(self.pf.receive().data, frame, f"frame {n}")
        self.assert_stats({"RX_PACKETS": len(frames), "RX_DROP_NOBUF": 0})


class Offloads(DataPathTest):
    def test_checksum_offload_udp_and_tcp(self):
        payload = pattern(333, seed=11)
        udp_len = 8 + len(payload)
        seg = udp(PF_IP, PEER_IP, 4000, 5000, payload,
                  checksum=partial_checksum(PF_IP, PEER_IP, IPPROTO_UDP, udp_len))
        frame = ether(PEER_MAC, PF_MAC, ETH_P_IP, ipv4(PF_IP, PEER_IP, IPPROTO_UDP, seg))
        l4 = ETH_HLEN + 20
        self.pf.send(frame, flags=R["TXD_CSUM"], csum_start=l4, csum_offset=6)
        expected = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, payload)
        self.assertNotEqual(expected, frame, "the test frame needs fixing")
        sent = self.wire.recv()
        self.assertEqual(sent, expected)
        self.assertEqual(ones_sum(pseudo_header(PF_IP, PEER_IP, IPPROTO_UDP, udp_len) + sent[l4:]),
                         0xFFFF)

        payload = pattern(777, seed=12)
        seg = tcp(PF_IP, PEER_IP, 1234, 80, 5555, TCP_ACK | TCP_PSH, payload,
                  checksum=partial_checksum(PF_IP, PEER_IP, IPPROTO_TCP, 20 + len(payload)))
        frame = ether(PEER_MAC, PF_MAC, ETH_P_IP, ipv4(PF_IP, PEER_IP, IPPROTO_TCP, seg))
        self.pf.send(frame, flags=R["TXD_CSUM"], csum_start=l4, csum_offset=16, chunk=400)
        expected = ether(PEER_MAC, PF_MAC, ETH_P_IP,
                         ipv4(PF_IP, PEER_IP, IPPROTO_TCP,
                              tcp(PF_IP, PEER_IP, 1234, 80, 5555, TCP_ACK | TCP_PSH, payload)))
        self.assertEqual(self.wire.recv(), expected)
        self.assert_stats({"TX_PACKETS": 2, "TX_BYTES": len(sent) + len(expected)})
        self.assert_no_error()

    def test_tso_segments_tcp(self):
        mss = 1448
        payload = pattern(20000, seed=13)
        seq0, ident0 = 0xFFFFF000, 0x4321  # the sequence number wraps during the burst
        flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR
        seg = tcp(PF_IP, PEER_IP, 40000, 80, seq0, flags, payload,
                  checksum=partial_checksum(PF_IP, PEER_IP, IPPROTO_TCP, 0))
        frame = ether(PEER_MAC, PF_MAC, ETH_P_IP,
                      ipv4(PF_IP, PEER_IP, IPPROTO_TCP, seg, ident=ident0))
        l4 = ETH_HLEN + 20
        indices = self.pf.send(frame, flags=R["TXD_TSO"], csum_start=l4, mss=mss)
        self.assertEqual(len(indices), 2, "20 KB need two descriptors")

        count = -(-len(payload) // mss)
        segments = [self.wire.recv() for _ in range(count)]
        received = b""
        for n, s in enumerate(segments):
            chunk = min(mss, len(payload) - n * mss)
            last = n == count - 1
            self.assertEqual(len(s), l4 + 20 + chunk, f"segment {n} size")
            self.assertLessEqual(len(s), R["MTU_DEFAULT"] + R["FRAME_OVERHEAD"])
            self.assertEqual(s[:ETH_HLEN], frame[:ETH_HLEN])
            ip = s[ETH_HLEN:l4]
            self.assertEqual(inet_checksum(ip), 0, f"segment {n} IPv4 header checksum")
            version_ihl, _, total_len, ident, frag, ttl, proto = struct.unpack("!BBHHHBB", ip[:10])
            self.assertEqual((version_ihl, total_len, frag, ttl, proto),
                             (0x45, 40 + chunk, 0x4000, 64, IPPROTO_TCP))
            self.assertEqual(ident, (ident0 + n) & 0xFFFF, f"segment {n} IPv4 ID")
            self.assertEqual(ip[12:20], PF_IP + PEER_IP)
            th = s[l4:l4 + 20]
            sport, dport, seq, ack, off, tflags, win = struct.unpack("!HHIIBBH", th[:16])
            self.assertEqual((sport, dport, ack, off, win), (40000, 80, 0x01020304, 0x50, 0xFFFF))
            self.assertEqual(seq, (seq0 + n * mss) & 0xFFFFFFFF, f"segment {n} sequence")
            want = flags
            if not last:
                want &= ~(TCP_FIN | TCP_PSH)
            if n:
                want &= ~TCP_CWR
            self.assertEqual(tflags, want, f"segment {n} TCP flags")
            self.assertEqual(
                ones_sum(pseudo_header(PF_IP, PEER_IP, IPPROTO_TCP, 20 + chunk) + s[l4:]),
                0xFFFF, f"segment {n} TCP checksum")
            received += s[l4 + 20:]
        self.assertEqual(received, payload)
        self.wire.assert_silent(self)
        for idx in indices:
            self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"])
        self.assert_stats({"TX_TSO_SEGS": count, "TX_PACKETS": count,
                           "TX_BYTES": sum(len(s) for s in segments)})
        self.assert_no_error()


class Moderation(DataPathTest):
    """Under qtest the virtual clock moves only when the test steps it, so the
    interval between a queue's interrupts can be checked to the microsecond."""
    MSG = 0x5151

    def message_sent(self):
        sent = self.m.read(RAM_MSG, 4) == self.MSG
        self.m.write(RAM_MSG, 4, 0)
        return sent

    def test_interrupts_wait_for_the_interval(self):
        self.card.setup_msix(1, RAM_MSG, self.MSG)  # queue pair 0's vector
        self.m.write(RAM_MSG, 4, 0)
        self.pf.wr("Q_ITR", 1000)
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(64))
        self.pf.send(frame)
        self.wire.recv()
        self.assertTrue(self.message_sent(), "the first interrupt is not held")
        self.pf.wr("Q_IRQ", R["QIRQ_UNMASK"])

        self.m.qtest("clock_step 100000")  # 100 us
        self.pf.send(frame)
        self.wire.recv()
        self.assertFalse(self.message_sent())
        self.assertEqual(self.pf.rd("Q_IRQ"), R["QIRQ_PENDING"])
        self.m.qtest("clock_step 850000")  # 950 us after the first
        self.assertFalse(self.message_sent(), "still within the interval")
        self.m.qtest("clock_step 60000")   # 1010 us
        self.assertTrue(self.message_sent(), "sent once the interval passed")
        self.assertEqual(self.pf.rd("Q_IRQ"), R["QIRQ_MASKED"])

        self.pf.wr("Q_IRQ", R["QIRQ_UNMASK"])
        self.pf.send(frame)
        self.wire.recv()
        self.assertFalse(self.message_sent())
        self.pf.wr("Q_ITR", 0)
        self.assertTrue(self.message_sent(), "turning moderation off releases it")


class VirtualFunctions(DataPathTest):
    def test_vf_to_vf_stays_inside_the_card(self):
        vf0, vf1 = self.bring_up_vfs()
        frame = udp_frame(VF_MACS[1], VF_MACS[0], VF_IPS[0], VF_IPS[1], pattern(150, seed=21))
        [idx] = vf0.send(frame)
        self.assertEqual(vf0.tx_flags(idx), R["TXD_DONE"])
        rx = vf1.receive()
        self.assertEqual(rx.data, frame)
        self.assertEqual(rx.flags, R["RXD_DONE"] | R["RXD_EOP"] | R["RXD_L4_CSUM_OK"])
        # Transmit is done in the doorbell write: a frame the PF sends next
        # must be the first thing on the wire.
        marker = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(64, seed=22))
        self.pf.send(marker)
        self.assertEqual(self.wire.recv(), marker)
        self.wire.assert_silent(self)
        self.assertFalse(self.pf.rx_ready(), "unicast for VF 1 reached the PF")
        self.assert_stats({"TX_PACKETS": 1, "TX_BYTES": len(frame), "RX_PACKETS": 0}, vf=0)
        self.assert_stats({"RX_PACKETS": 1, "RX_BYTES": len(frame), "TX_PACKETS": 0}, vf=1)
        c = self.card
        self.assertEqual(c.rd(c.admin_reg(0, R["VFA_TX_PACKETS"])), 1)
        self.assertEqual(c.rd(c.admin_reg(1, R["VFA_RX_PACKETS"])), 1)

    def test_vf_and_the_wire(self):
        vf0, vf1 = self.bring_up_vfs()
        out = udp_frame(PEER_MAC, VF_MACS[0], VF_IPS[0], PEER_IP, pattern(90, seed=23))
        vf0.send(out)
        self.assertEqual(self.wire.recv(), out)
        inbound = udp_frame(VF_MACS[1], PEER_MAC, PEER_IP, VF_IPS[1], pattern(91, seed=24))
        self.wire.send(inbound)
        self.assertEqual(vf1.receive().data, inbound)
        self.assertFalse(vf0.rx_ready())
        self.assertFalse(self.pf.rx_ready())

    def test_spoofed_source_mac_is_dropped(self):
        vf0, _ = self.bring_up_vfs()
        spoofed = udp_frame(PEER_MAC, PF_MAC, VF_IPS[0], PEER_IP, pattern(80, seed=25))
        [idx] = vf0.send(spoofed)
        self.assertEqual(vf0.tx_flags(idx), R["TXD_DONE"], "completes without ERR")
        self.assertEqual(vf0.rd("Q_TX_HEAD"), 1)
        self.assert_stats({"TX_DROP_SPOOF": 1, "TX_PACKETS": 0}, vf=0)
        marker = udp_frame(PEER_MAC, VF_MACS[0], VF_IPS[0], PEER_IP, pattern(80, seed=26))
        vf0.send(marker)
        self.assertEqual(self.wire.recv(), marker)


class Errors(DataPathTest):
    def test_buffer_outside_guest_memory(self):
        vf0, _ = self.bring_up_vfs()
        idx = self.pf.post_tx(BAD_DMA_ADDR, 100, R["TXD_EOP"])
        self.pf.kick_tx()
        self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 1)
        self.assert_stats({"DMA_ERRORS": 1, "TX_PACKETS": 0})
        self.assertEqual(self.card.rd(R["REG_ERR_CAUSE"]), R["ERR_DMA"])
        self.assertTrue(self.card.rd(R["REG_STATUS"]) & R["STATUS_ERROR"])
        self.assert_no_error(vf=0)

        frame = udp_frame(PEER_MAC, VF_MACS[0], VF_IPS[0], PEER_IP, pattern(120, seed=31))
        vf0.send(frame)
        self.assertEqual(self.wire.recv(), frame, "the first frame on the wire is the VF's")
        self.assert_stats({"TX_PACKETS": 1, "DMA_ERRORS": 0}, vf=0)

    def test_ring_outside_guest_memory_is_disabled(self):
        c = self.card
        c.qwr(1, R["Q_TX_BASE_LO"], BAD_DMA_ADDR)
        c.qwr(1, R["Q_TX_BASE_HI"], 0)
        c.qwr(1, R["Q_TX_LEN"], 8)
        c.qwr(1, R["Q_TX_CTRL"], R["QCTRL_ENABLE"])
        self.assertEqual(c.qrd(1, R["Q_TX_CTRL"]), R["QCTRL_ENABLE"])
        c.qwr(1, R["Q_TX_TAIL"], 1)
        self.assertEqual(c.qrd(1, R["Q_TX_CTRL"]) & R["QCTRL_ENABLE"], 0)
        self.assert_stats({"DMA_ERRORS": 1})
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"]), R["ERR_DMA"])
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(64, seed=32))
        self.pf.send(frame)
        self.assertEqual(self.wire.recv(), frame, "queue pair 0 goes on")

    def test_malformed_frame_is_dropped_and_the_ring_goes_on(self):
        idx = self.pf.post_tx(self.pf.tx_buf(0), 0, R["TXD_EOP"])  # zero length
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(64, seed=33))
        [good] = self.pf.send(frame)
        self.assertEqual(self.wire.recv(), frame)
        self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(self.pf.tx_flags(good), R["TXD_DONE"])
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 2)
        self.assert_stats({"DESC_ERRORS": 1, "TX_PACKETS": 1, "DMA_ERRORS": 0})
        self.assertEqual(self.card.rd(R["REG_ERR_CAUSE"]), R["ERR_BAD_DESC"])

    def test_frames_longer_than_mtu_are_dropped(self):
        max_frame = R["MTU_DEFAULT"] + R["FRAME_OVERHEAD"]
        headers = ETH_HLEN + 20 + 8
        fits = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(max_frame - headers, seed=34))
        too_long = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP,
                             pattern(max_frame + 1 - headers, seed=35))
        [dropped] = self.pf.send(too_long)
        [sent] = self.pf.send(fits)
        self.assertEqual(self.wire.recv(), fits)
        self.assertEqual(self.pf.tx_flags(dropped), R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(self.pf.tx_flags(sent), R["TXD_DONE"])
        self.assert_stats({"TX_DROP_SIZE": 1, "TX_PACKETS": 1})

        fits = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(max_frame - headers, seed=36))
        too_long = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP,
                             pattern(max_frame + 1 - headers, seed=37))
        self.wire.send(too_long)
        self.wire.send(fits)
        self.assertEqual(self.pf.receive().data, fits)
        self.assert_stats({"RX_DROP_SIZE": 1, "RX_PACKETS": 1})


if __name__ == "__main__":
    unittest.main()
