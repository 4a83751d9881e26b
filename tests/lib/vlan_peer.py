# SPDX-License-Identifier: GPL-2.0-or-later
"""A host on an 802.1Q VLAN for tests, without the kernel's VLAN support.

The machine's kernel may have no 8021q (the test host has none), so a peer
namespace cannot simply get an `eth0.100`. `VlanPeer` runs this file as a
process of its own in a namespace (`python3 vlan_peer.py DEV VID IP`): on a
packet socket on DEV it answers ARP requests for IP and ICMP echo requests
to IP that arrive tagged with VID, with replies tagged the same way. That
is enough for `ping` from a guest's VLAN interface to IP.

A tag arrives either in the frame or, when a driver removed it on receive,
in the packet's auxiliary data; both are understood. Replies carry the tag
in the frame."""
import socket
import struct
import subprocess
import sys

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800
# Linux's values; Python's socket module does not name them.
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def reply(frame, vid_from_aux, my_mac, vid, ip):
    """The reply to `frame` (tag in the frame or `vid_from_aux`), or None."""
    dst, src, ethertype = frame[:6], frame[6:12], struct.unpack_from("!H", frame, 12)[0]
    payload = frame[14:]
    tagged = vid_from_aux
    if ethertype == ETH_P_8021Q and len(payload) >= 4:
        tagged = struct.unpack_from("!H", payload)[0] & 0xFFF
        ethertype = struct.unpack_from("!H", payload, 2)[0]
        payload = payload[4:]
    if tagged != vid:
        return None
    header = src + my_mac + struct.pack("!HHH", ETH_P_8021Q, vid, ethertype)
    if ethertype == ETH_P_ARP and len(payload) >= 28:
        op = struct.unpack_from("!H", payload, 6)[0]
        sender_mac, sender_ip, target_ip = payload[8:14], payload[14:18], payload[24:28]
        if op != 1 or target_ip != ip:
            return None
        arp = payload[:6] + struct.pack("!H", 2) + my_mac + ip + sender_mac + sender_ip
        return header + arp
    if ethertype == ETH_P_IP and len(payload) >= 20 and dst == my_mac:
        ihl = (payload[0] & 0xF) * 4
        total = struct.unpack_from("!H", payload, 2)[0]
        if payload[9] != 1 or payload[16:20] != ip or payload[ihl] != 8:  # ICMP echo
            return None
        icmp = bytearray(payload[ihl:total])
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
        iph = bytearray(payload[:ihl])
        iph[8] = 64
        iph[12:16], iph[16:20] = payload[16:20], payload[12:16]
        iph[10:12] = b"\0\0"
        iph[10:12] = struct.pack("!H", checksum(bytes(iph)))
        return header + bytes(iph) + bytes(icmp)
    return None


def serve(dev, vid, ip):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((dev, ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    my_mac = s.getsockname()[4]
    ip = socket.inet_aton(ip)
    print("ready", flush=True)
    aux_space = socket.CMSG_SPACE(32)
    while True:
        frame, anc, _, addr = s.recvmsg(65536, aux_space)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        aux_vid = None
        for level, kind, data in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 20:
                # struct tpacket_auxdata: status, len, snaplen, mac, net, vlan_tci, vlan_tpid
                status, _, _, _, _, tci = struct.unpack_from("=IIIHHH", data)
                if status & TP_STATUS_VLAN_VALID:
                    aux_vid = tci & 0xFFF
        out = reply(frame, aux_vid, my_mac, vid, ip)
        if out:
            s.send(out)


class VlanPeer:
    """This file run in network namespace `ns` (a netns.NetNamespace),
    answering for `ip` on VLAN `vid` of `dev`. close() stops it."""

    def __init__(self, ns, dev, vid, ip):
        self.proc = ns.popen(sys.executable, __file__, dev, str(vid), ip,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise RuntimeError(f"VLAN peer did not start: {line!r} {self.proc.stderr.read()}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: vlan_peer.py DEV VID IP")
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3])
