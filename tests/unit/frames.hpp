// SPDX-License-Identifier: GPL-2.0-or-later
// Test frames built byte by byte, and an independent RFC 1071 checksum to
// judge the device's offloads by.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace sriovnic::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// Addresses the tests give the card's functions and the world outside it.
inline const Mac kPfMac = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
inline const Mac kVf0Mac = {0x52, 0x54, 0x00, 0x00, 0x01, 0x00};
inline const Mac kVf1Mac = {0x52, 0x54, 0x00, 0x00, 0x01, 0x01};
inline const Mac kRemote = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
inline const Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// A MAC as the MAC_LO/MAC_HI register pair holds it.
inline uint32_t mac_lo(const Mac &m)
{
    return uint32_t(m[0]) | m[1] << 8 | m[2] << 16 | uint32_t(m[3]) << 24;
}
inline uint32_t mac_hi(const Mac &m) { return uint32_t(m[4]) | m[5] << 8; }

inline void put16(Bytes &b, size_t off, uint16_t v)
{
    b[off] = uint8_t(v >> 8);
    b[off + 1] = uint8_t(v);
}

inline uint16_t get16(const Bytes &b, size_t off) { return uint16_t(b[off] << 8 | b[off + 1]); }

inline uint32_t get32(const Bytes &b, size_t off)
{
    return uint32_t(get16(b, off)) << 16 | get16(b, off + 2);
}

// RFC 1071 internet checksum of bytes [begin, end) plus `initial`.
inline uint16_t rfc1071(const Bytes &b, size_t begin, size_t end, uint32_t initial = 0)
{
    uint64_t sum = initial;
    for (size_t i = begin; i < end; i += 2) {
        sum += uint32_t(b[i]) << 8 | (i + 1 < end ? b[i + 1] : 0);
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return uint16_t(~sum);
}

inline Bytes ethernet(const Mac &dst, const Mac &src, uint16_t type, size_t payload_len)
{
    Bytes f(14 + payload_len);
    for (int i = 0; i < 6; i++) {
        f[i] = dst[i];
        f[6 + i] = src[i];
    }
    put16(f, 12, type);
    for (size_t i = 14; i < f.size(); i++) {
        f[i] = uint8_t(i * 7);
    }
    return f;
}

// IPv4 + UDP or TCP with `payload` bytes; checksums left as the caller says.
inline Bytes ipv4_l4(const Mac &dst, const Mac &src, uint8_t proto, size_t payload,
                     bool fill_l4_csum = true)
{
    const size_t l4_hdr = proto == 6 ? 20 : 8;
    Bytes f = ethernet(dst, src, 0x0800, 20 + l4_hdr + payload);
    const size_t ip = 14, l4 = 34;
    f[ip] = 0x45;
    f[ip + 1] = 0;
    put16(f, ip + 2, uint16_t(20 + l4_hdr + payload));
    put16(f, ip + 4, 0x1234);
    put16(f, ip + 6, 0x4000); // DF
    f[ip + 8] = 64;
    f[ip + 9] = proto;
    put16(f, ip + 10, 0);
    const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
    for (int i = 0; i < 8; i++) {
        f[ip + 12 + i] = addrs[i];
    }
    put16(f, ip + 10, rfc1071(f, ip, ip + 20));
    put16(f, l4, 40000);
    put16(f, l4 + 2, 5201);
    if (proto == 6) {
        put16(f, l4 + 4, 0x1111);
        put16(f, l4 + 6, 0x2222); // seq 0x11112222
        put16(f, l4 + 8, 0);
        put16(f, l4 + 10, 1);
        f[l4 + 12] = 5 << 4;
        f[l4 + 13] = 0x18; // PSH|ACK
        put16(f, l4 + 14, 512);
        put16(f, l4 + 16, 0);
        put16(f, l4 + 18, 0);
    } else {
        put16(f, l4 + 4, uint16_t(8 + payload));
        put16(f, l4 + 6, 0);
    }
    if (fill_l4_csum) {
        const size_t field = l4 + (proto == 6 ? 16 : 6);
        const uint32_t pseudo = 0x0A00 + 0x0001 + 0x0A00 + 0x0002 + proto + uint32_t(l4_hdr + payload);
        put16(f, field, rfc1071(f, l4, f.size(), pseudo));
    }
    return f;
}

inline Bytes ipv6_tcp(const Mac &dst, const Mac &src, size_t payload)
{
    Bytes f = ethernet(dst, src, 0x86DD, 40 + 20 + payload);
    const size_t ip = 14, l4 = 54;
    f[ip] = 0x60;
    put16(f, ip + 4, uint16_t(20 + payload));
    f[ip + 6] = 6;
    f[ip + 7] = 64;
    for (int i = 0; i < 32; i++) {
        f[ip + 8 + i] = uint8_t(i < 16 ? (i == 15 ? 1 : 0xfd) : (i == 31 ? 2 : 0xfd));
    }
    put16(f, l4, 40000);
    put16(f, l4 + 2, 5201);
    put16(f, l4 + 4, 0);
    put16(f, l4 + 6, 100);
    f[l4 + 12] = 5 << 4;
    f[l4 + 13] = 0x19; // FIN|PSH|ACK
    put16(f, l4 + 16, 0);
    return f;
}

// An IP packet carrying `upper` (an ICMP, ICMPv6 or UDP header and what
// follows) as protocol `proto`: IPv6 if `v6` (after a hop-by-hop options
// header if `hop_by_hop`), else IPv4; VLAN-tagged if `vlan` is not 0.
// Checksums are left 0: the guards under test do not look at them.
inline Bytes ip_packet(const Mac &dst, const Mac &src, bool v6, uint8_t proto, const Bytes &upper,
                       uint16_t vlan = 0, bool hop_by_hop = false)
{
    Bytes ip(v6 ? 40 : 20);
    if (v6) {
        ip[0] = 0x60;
        ip[6] = hop_by_hop ? 0 : proto;
        ip[7] = 255;
        ip[8] = 0xfe;
        ip[9] = 0x80;
        ip[23] = 1;
        ip[24] = 0xff;
        ip[25] = 0x02;
        ip[39] = 1;
        if (hop_by_hop) {
            Bytes hbh = {proto, 0, 5, 2, 0, 0, 1, 0}; // router alert, then PadN
            ip.insert(ip.end(), hbh.begin(), hbh.end());
        }
        put16(ip, 4, uint16_t(ip.size() - 40 + upper.size()));
    } else {
        ip[0] = 0x45;
        put16(ip, 2, uint16_t(20 + upper.size()));
        ip[8] = 64;
        ip[9] = proto;
        const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 255};
        for (int i = 0; i < 8; i++) {
            ip[12 + i] = addrs[i];
        }
    }
    Bytes f = ethernet(dst, src, vlan ? 0x8100 : (v6 ? 0x86DD : 0x0800), vlan ? 4 : 0);
    if (vlan) {
        put16(f, 14, vlan);
        put16(f, 16, v6 ? 0x86DD : 0x0800);
    }
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), upper.begin(), upper.end());
    return f;
}

// An ICMP or ICMPv6 message of `type`, with 20 bytes after its header.
inline Bytes icmp(uint8_t type)
{
    Bytes m(24);
    m[0] = type;
    return m;
}

// A UDP datagram between the ports, with `payload` bytes.
inline Bytes udp(uint16_t src_port, uint16_t dst_port, size_t payload = 32)
{
    Bytes d(8 + payload);
    put16(d, 0, src_port);
    put16(d, 2, dst_port);
    put16(d, 4, uint16_t(d.size()));
    return d;
}

// Pseudo-header sum (not complemented) of a frame's IPv4/IPv6 addresses.
inline uint32_t pseudo_sum(const Bytes &f, bool v6, uint8_t proto, size_t l4_len)
{
    uint32_t sum = proto + uint32_t(l4_len);
    const size_t ip = 14;
    const size_t off = v6 ? ip + 8 : ip + 12, n = v6 ? 32 : 8;
    for (size_t i = 0; i < n; i += 2) {
        sum += get16(f, off + i);
    }
    return sum;
}

} // namespace sriovnic::test
