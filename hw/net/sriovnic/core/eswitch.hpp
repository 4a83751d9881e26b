// SPDX-License-Identifier: GPL-2.0-or-later
// The embedded switch: its ports, the forwarding decision (a pure function:
// frame + port views -> destinations) and the delivery of a frame to each
// destination.
#pragma once

#include "frame.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace sriovnic {

// The uplink (the -netdev backend) as a destination.
constexpr uint16_t kUplinkPort = 0xFFFF;

// What the switch needs to know about one port.
struct PortView {
    MacAddr mac{};
    bool receiving = false; // enabled, link up, has an enabled RX queue
    bool promisc = false;
    bool allmulti = false;
    uint64_t mc_hash = 0;
    uint16_t port_vid = 0; // 0: trunk (any frame); else only frames tagged with this VID
    const uint32_t *vlan_filter = nullptr; // trunk only: tagged frames need their VID's bit
    // A pair (a synthetic channel and its VF) is one port with two members:
    // `group` is the same for both (kNoGroup otherwise). Frames from one
    // member never reach the pair; the pair's traffic reaches only the member
    // that is not on `standby`. Switch::refresh_views fills these in.
    uint16_t group = 0xFFFF;
    bool standby = false;
    // Set by a channel: steer to its VF whenever the VF can receive.
    bool wants_peer = false;
};

constexpr uint16_t kNoGroup = 0xFFFF;

// Multicast hash bucket of a MAC: the top 6 bits of its little-endian CRC-32
// (what Linux's ether_crc_le(6, addr) >> 26 gives).
unsigned mc_hash_bucket(const MacAddr &mac);

// Fills `dests` with the destinations of a frame from `src` (a port index
// or kUplinkPort). Traffic between ports stays inside the card (VEB).
// Does not allocate once `dests` has capacity for every port. Returns the
// port whose MAC the frame was for but whose port VLAN it is not on, if any.
std::optional<uint16_t> forward(uint16_t src, const FrameInfo &info,
                                std::span<const PortView> ports, std::vector<uint16_t> &dests);

enum class Delivery { delivered, dropped, busy };

// One port of the switch: where its view comes from and where frames for it go.
class SwitchPort {
public:
    virtual PortView view() const = 0;
    // `hold_when_full`: report busy instead of dropping when no buffer is posted.
    virtual Delivery receive(std::span<const uint8_t> frame, const FrameInfo &info,
                             bool hold_when_full) = 0;
    // A frame for this port's MAC was not on its VLAN.
    virtual void vlan_filtered() = 0;

protected:
    ~SwitchPort() = default;
};

// Told when something a port's view depends on has changed.
class PortListener {
public:
    virtual void port_changed(uint16_t port) = 0;

protected:
    ~PortListener() = default;
};

// Told when a frame the backend holds for the card may find its way now.
class UplinkWaiter {
public:
    virtual void uplink_may_retry() = 0;

protected:
    ~UplinkWaiter() = default;
};

class Switch final : public PortListener {
public:
    explicit Switch(size_t ports);
    Switch(const Switch &) = delete;
    Switch &operator=(const Switch &) = delete;

    // Port `id` (0 .. ports - 1) and the uplink get their sinks once.
    void attach(uint16_t id, SwitchPort &port);
    // A port added after construction (before traffic); returns its id.
    uint16_t add_port(SwitchPort &port);
    // Ports `channel` and `vf` form a pair (see PortView::group); the
    // channel's view says (wants_peer) when the VF should get the pair's
    // traffic, which it then does while the VF's view says it is receiving.
    void pair(uint16_t channel, uint16_t vf);
    size_t ports() const { return ports_.size(); }
    void attach_uplink(SwitchPort &uplink) { uplink_ = &uplink; }

    void port_changed(uint16_t port) override;
    void all_ports_changed();

    // A frame from the uplink that found no buffer is held by the backend;
    // any change of a port's view may let it through, and `waiter` hears of
    // it. Buffers posted without such a change: release_held_uplink().
    void set_uplink_waiter(UplinkWaiter &waiter) { uplink_waiter_ = &waiter; }
    bool release_held_uplink() { return std::exchange(uplink_held_, false); }

    // A frame a port sent: to every destination; frames for ports without a
    // buffer are dropped there.
    void transmit(uint16_t src, std::span<const uint8_t> frame, const FrameInfo &info);
    // A frame from the uplink. Returns false if its only destination has no
    // buffer yet (the backend holds it).
    bool receive_from_uplink(std::span<const uint8_t> frame, const FrameInfo &info);

    // Every port's view as forwarding sees it (pair steering applied).
    std::span<const PortView> views()
    {
        if (any_stale_) [[unlikely]] {
            refresh_views();
        }
        return views_;
    }

private:
    void refresh_views();

    struct Pair {
        uint16_t channel;
        uint16_t vf;
    };
    std::vector<Pair> pairs_;
    std::vector<SwitchPort *> ports_;
    SwitchPort *uplink_ = nullptr;
    UplinkWaiter *uplink_waiter_ = nullptr;
    bool uplink_held_ = false;
    void views_changed()
    {
        any_stale_ = true;
        if (uplink_held_ && uplink_waiter_) {
            uplink_held_ = false;
            uplink_waiter_->uplink_may_retry();
        }
    }
    std::vector<PortView> views_;
    std::vector<bool> stale_;
    bool any_stale_ = true;
    // Separate because the backend may deliver a frame while a transmitted
    // one is still being switched.
    std::vector<uint16_t> tx_dests_;
    std::vector<uint16_t> rx_dests_;
};

} // namespace sriovnic
