// SPDX-License-Identifier: GPL-2.0-or-later
#include "eswitch.hpp"

#include <algorithm>

namespace sriovnic {

unsigned mc_hash_bucket(const MacAddr &mac)
{
    uint32_t crc = 0xFFFFFFFF;
    for (uint8_t byte : mac) {
        for (int bit = 0; bit < 8; bit++) {
            const bool carry = (crc ^ (byte >> bit)) & 1;
            crc >>= 1;
            if (carry) {
                crc ^= 0xEDB88320;
            }
        }
    }
    return crc >> 26;
}

namespace {

bool on_port_vlan(const PortView &p, const FrameInfo &info)
{
    if (p.port_vid) {
        return info.vlan_tci && (*info.vlan_tci & 0xFFF) == p.port_vid;
    }
    if (p.vlan_filter && info.vlan_tci) {
        const unsigned vid = *info.vlan_tci & 0xFFF;
        return p.vlan_filter[vid / 32] & (1u << (vid % 32));
    }
    return true;
}

} // namespace

std::optional<uint16_t> forward(uint16_t src, const FrameInfo &info,
                                std::span<const PortView> ports, std::vector<uint16_t> &dests)
{
    dests.clear();
    const bool from_uplink = src == kUplinkPort;
    // A pair never gets back what one of its members sent; a port in no pair
    // has no group to exclude (kNoGroup - 1 is nobody's group).
    const uint16_t src_group =
        !from_uplink && ports[src].group != kNoGroup ? ports[src].group : uint16_t(kNoGroup - 1);
    if (is_multicast(info.dst)) {
        const bool bcast = is_broadcast(info.dst);
        const uint64_t bucket = uint64_t(1) << mc_hash_bucket(info.dst);
        for (uint16_t fn = 0; fn < ports.size(); fn++) {
            const PortView &p = ports[fn];
            if (fn == src || !p.receiving || p.standby || p.group == src_group ||
                !on_port_vlan(p, info)) {
                continue;
            }
            if (bcast || p.promisc || p.allmulti || (p.mc_hash & bucket)) {
                dests.push_back(fn);
            }
        }
        if (!from_uplink) {
            dests.push_back(kUplinkPort);
        }
        return std::nullopt;
    }
    std::optional<uint16_t> filtered;
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        const PortView &p = ports[fn];
        if (fn == src || p.mac != info.dst || is_zero(p.mac) || p.standby ||
            p.group == src_group) {
            continue;
        }
        if (!on_port_vlan(p, info)) {
            filtered = fn;
            continue;
        }
        if (p.receiving) {
            dests.push_back(fn);
        }
        return std::nullopt; // known unicast stays inside the card
    }
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        const PortView &p = ports[fn];
        if (fn != src && p.receiving && p.promisc && !p.standby && p.group != src_group &&
            on_port_vlan(p, info)) {
            dests.push_back(fn);
        }
    }
    if (!from_uplink) {
        dests.push_back(kUplinkPort);
    }
    return filtered;
}

Switch::Switch(size_t ports) : ports_(ports, nullptr), views_(ports), stale_(ports, true)
{
    tx_dests_.reserve(ports + 1);
    rx_dests_.reserve(ports + 1);
}

void Switch::attach(uint16_t id, SwitchPort &port)
{
    ports_[id] = &port;
    port_changed(id);
}

uint16_t Switch::add_port(SwitchPort &port)
{
    const uint16_t id = uint16_t(ports_.size());
    ports_.push_back(&port);
    views_.emplace_back();
    stale_.push_back(true);
    any_stale_ = true;
    tx_dests_.reserve(ports_.size() + 1);
    rx_dests_.reserve(ports_.size() + 1);
    return id;
}

void Switch::pair(uint16_t channel, uint16_t vf)
{
    pairs_.push_back({channel, vf});
    port_changed(channel);
    port_changed(vf);
}

void Switch::port_changed(uint16_t port)
{
    if (port < stale_.size()) {
        stale_[port] = true;
        views_changed();
    }
}

void Switch::all_ports_changed()
{
    std::fill(stale_.begin(), stale_.end(), true);
    views_changed();
}

void Switch::refresh_views()
{
    for (size_t id = 0; id < ports_.size(); id++) {
        if (stale_[id]) {
            views_[id] = ports_[id] ? ports_[id]->view() : PortView{};
            stale_[id] = false;
        }
    }
    // The steering rule of a pair, from both members' views.
    for (const Pair &pair : pairs_) {
        PortView &ch = views_[pair.channel];
        PortView &vf = views_[pair.vf];
        const bool to_vf = ch.wants_peer && vf.receiving;
        ch.group = vf.group = pair.channel;
        ch.standby = to_vf;
        vf.standby = !to_vf;
    }
    any_stale_ = false;
}

void Switch::transmit(uint16_t src, std::span<const uint8_t> frame, const FrameInfo &info)
{
    if (std::optional<uint16_t> filtered = forward(src, info, views(), tx_dests_)) {
        ports_[*filtered]->vlan_filtered();
    }
    for (uint16_t dest : tx_dests_) {
        SwitchPort *port = dest == kUplinkPort ? uplink_ : ports_[dest];
        port->receive(frame, info, false);
    }
}

bool Switch::receive_from_uplink(std::span<const uint8_t> frame, const FrameInfo &info)
{
    if (std::optional<uint16_t> filtered = forward(kUplinkPort, info, views(), rx_dests_)) {
        ports_[*filtered]->vlan_filtered();
    }
    if (rx_dests_.size() == 1) {
        if (ports_[rx_dests_[0]]->receive(frame, info, true) == Delivery::busy) {
            uplink_held_ = true;
            return false;
        }
        return true;
    }
    for (uint16_t dest : rx_dests_) {
        ports_[dest]->receive(frame, info, false);
    }
    return true;
}

} // namespace sriovnic
