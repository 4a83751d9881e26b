// SPDX-License-Identifier: GPL-2.0-or-later
// A card with a synthetic channel paired with VF0, driven as the synth
// driver drives it: split rings laid out byte by byte in (fake) guest
// memory, little-endian whatever the host, without the device's codecs.
#pragma once

#include "nic_fixture.hpp"
#include "sriovnic/synth.h"

#include <optional>
#include <string>
#include <vector>

namespace sriovnic::test {

inline const Mac kSynthMac = {0x52, 0x54, 0x00, 0x00, 0x02, 0x00};

struct Seg {
    uint64_t addr;
    uint32_t len;
    bool write;
};

struct UsedElem {
    uint16_t id = 0;
    uint16_t flags = 0;
    uint32_t len = 0;
};

struct GuestRing {
    uint64_t desc = 0, avail = 0, used = 0;
    uint32_t size = 0;
    uint16_t avail_idx = 0;
    uint16_t used_seen = 0;
    uint16_t next_desc = 0;
};

// Net header fields, as the driver writes them.
inline Bytes net_hdr(uint8_t flags = 0, uint8_t gso = 0, uint16_t hdr_len = 0, uint16_t gso_size = 0,
                     uint16_t csum_start = 0, uint16_t csum_offset = 0)
{
    std::vector<uint8_t> h(12);
    h[0] = flags;
    h[1] = gso;
    put_le(h, 2, hdr_len, 2);
    put_le(h, 4, gso_size, 2);
    put_le(h, 6, csum_start, 2);
    put_le(h, 8, csum_offset, 2);
    return h;
}

inline Bytes switch_request(uint8_t path, uint16_t vf, uint32_t serial, uint32_t seq = 7)
{
    std::vector<uint8_t> m(20);
    put_le(m, 0, SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH, 2);
    put_le(m, 2, 20, 2);
    put_le(m, 4, seq, 4);
    m[12] = path;
    put_le(m, 14, vf, 2);
    put_le(m, 16, serial, 4);
    return m;
}

// The channel as management and the glue's migration hooks reach it:
// through the card's façade (Device), as the card's work. It follows the
// fixture's current card, also after a test migrated to a new one.
class ChannelHost {
public:
    ChannelHost(std::unique_ptr<Device> &device, uint16_t &fn) : device_(device), fn_(fn) {}

    uint16_t fn() const { return fn_; }
    std::optional<std::string> offer() { return device_->synth_offer(fn_); }
    // timeout_ms 0: the channel's revoke-timeout.
    std::optional<std::string> revoke(unsigned reason, bool surprise, uint32_t timeout_ms = 0)
    {
        SriovnicSynthRevoke r{};
        r.reason = reason;
        r.surprise = surprise;
        r.has_timeout_ms = timeout_ms != 0;
        r.timeout_ms = timeout_ms;
        return device_->synth_revoke(fn_, r);
    }
    std::optional<std::string> set_policy(const SriovnicSynthPolicy &p)
    {
        return device_->synth_set_policy(fn_, p);
    }
    std::optional<std::string> set_sriov_allowed(bool allowed)
    {
        SriovnicSynthPolicy p{};
        p.has_sriov_allowed = true;
        p.sriov_allowed = allowed;
        return set_policy(p);
    }
    std::optional<std::string> set_port_policies(uint32_t policies)
    {
        SriovnicSynthPolicy p{};
        p.has_port_policies = true;
        p.port_policies = policies;
        return set_policy(p);
    }
    std::optional<std::string> set_max_mtu(uint32_t max_mtu)
    {
        SriovnicSynthPolicy p{};
        p.has_max_mtu = true;
        p.max_mtu = max_mtu;
        return set_policy(p);
    }
    std::optional<std::string> set_offloads(uint32_t offloads)
    {
        SriovnicSynthPolicy p{};
        p.has_offloads = true;
        p.offloads = offloads;
        return set_policy(p);
    }
    SriovnicSynthInfo info() { return device_->synth_info(fn_).value(); }
    SriovnicSynthReasons reasons() { return device_->synth_reasons(fn_).value(); }
    synth::DpState state() { return synth::DpState(info().state); }
    SriovnicSynthRegs &regs() { return *device_->synth_regs(fn_); }

    void migration_begin(bool vm_running) { device_->synth_migration_begin(fn_, vm_running); }
    bool migration_end(bool completed) { return device_->synth_migration_end(fn_, completed); }
    bool holds_migration() { return device_->synth_holds_migration(fn_); }
    void incoming_migration() { device_->synth_incoming(fn_); }
    bool vm_running(bool running) { return device_->synth_vm_running(fn_, running); }
    void pre_save() { device_->synth_pre_save(fn_); }

private:
    std::unique_ptr<Device> &device_;
    uint16_t &fn_;
};

class SynthNic : public Nic {
protected:
    explicit SynthNic(uint8_t on_migration = SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE)
    {
        attach(synth_config(true, SRIOVNIC_SYNTH_F_ALL, on_migration));
    }
    explicit SynthNic(const SriovnicSynthConfig &cfg) { attach(cfg); }

    static SriovnicSynthConfig synth_config(bool allowed = true,
                                            uint32_t features = SRIOVNIC_SYNTH_F_ALL,
                                            uint8_t on_migration = SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE)
    {
        SriovnicSynthConfig cfg{};
        cfg.paired_vf = 0;
        std::copy(kSynthMac.begin(), kSynthMac.end(), cfg.mac);
        cfg.features = features;
        cfg.revoke_timeout_ms = 100;
        cfg.max_mtu = 9000;
        cfg.offloads = SRIOVNIC_SYNTH_F_OFFLOADS;
        cfg.sriov_allowed = allowed;
        cfg.on_migration = on_migration;
        return cfg;
    }

    // The channel's own event sink: records every data-path change.
    synth::TransitionSink recorder()
    {
        return [this](const SriovnicSynthTransition &t) { transitions.push_back(t); };
    }

    void attach(const SriovnicSynthConfig &cfg)
    {
        std::string err;
        fn = device->attach_synth(cfg, recorder(), err);
        ASSERT_NE(fn, 0) << err;
    }

    uint32_t srd(uint32_t reg) { return rd(fn, reg); }
    void swr(uint32_t reg, uint32_t v) { wr(fn, reg, v); }
    uint32_t sqrd(unsigned q, uint32_t reg) { return srd(SRIOVNIC_SYNTH_REG_QUEUE(q, reg)); }
    void sqwr(unsigned q, uint32_t reg, uint32_t v) { swr(SRIOVNIC_SYNTH_REG_QUEUE(q, reg), v); }
    uint64_t sstat(unsigned s)
    {
        return srd(SRIOVNIC_SYNTH_REG_STAT(s)) | uint64_t(srd(SRIOVNIC_SYNTH_REG_STAT(s) + 4)) << 32;
    }
    uint64_t cstat(unsigned s) { return stat(fn, s); }
    unsigned dp_state() { return srd(SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_STATE_MASK; }

    bool negotiate(uint32_t features)
    {
        swr(SRIOVNIC_SYNTH_REG_DRV_FEATURES, features);
        swr(SRIOVNIC_SYNTH_REG_FEATURES_OK, 1);
        return srd(SRIOVNIC_SYNTH_REG_FEATURES_OK) == 1;
    }

    void setup_queue(unsigned q, uint32_t size = 16)
    {
        GuestRing &r = ring[q];
        r = GuestRing{};
        r.size = size;
        r.desc = alloc(16 * size);
        r.avail = alloc(4 + 2 * size);
        r.used = alloc(4 + 8 * size);
        sqwr(q, SRIOVNIC_SYNTH_QR_DESC_LO, uint32_t(r.desc));
        sqwr(q, SRIOVNIC_SYNTH_QR_DESC_HI, uint32_t(r.desc >> 32));
        sqwr(q, SRIOVNIC_SYNTH_QR_AVAIL_LO, uint32_t(r.avail));
        sqwr(q, SRIOVNIC_SYNTH_QR_AVAIL_HI, 0);
        sqwr(q, SRIOVNIC_SYNTH_QR_USED_LO, uint32_t(r.used));
        sqwr(q, SRIOVNIC_SYNTH_QR_USED_HI, 0);
        sqwr(q, SRIOVNIC_SYNTH_QR_SIZE, size);
        sqwr(q, SRIOVNIC_SYNTH_QR_ENABLE, 1);
    }

    // Writes a chain at the next free descriptors; returns its head. Makes it
    // available (and rings the doorbell) unless told not to.
    uint16_t post(unsigned q, const std::vector<Seg> &segs, bool notify = true)
    {
        GuestRing &r = ring[q];
        const uint16_t head = r.next_desc;
        for (size_t i = 0; i < segs.size(); i++) {
            const uint16_t idx = uint16_t((head + i) % r.size);
            const uint64_t at = r.desc + 16 * idx;
            const bool last = i + 1 == segs.size();
            put_le(platform.ram, at, segs[i].addr, 8);
            put_le(platform.ram, at + 8, segs[i].len, 4);
            put_le(platform.ram, at + 12, (last ? 0 : SRIOVNIC_SYNTH_D_NEXT) |
                                              (segs[i].write ? SRIOVNIC_SYNTH_D_WRITE : 0), 2);
            put_le(platform.ram, at + 14, last ? 0 : (idx + 1) % r.size, 2);
        }
        r.next_desc = uint16_t((head + segs.size()) % r.size);
        make_available(q, head, notify);
        return head;
    }

    void make_available(unsigned q, uint16_t head, bool notify = true)
    {
        GuestRing &r = ring[q];
        put_le(platform.ram, r.avail + 4 + 2 * (r.avail_idx % r.size), head, 2);
        r.avail_idx++;
        put_le(platform.ram, r.avail, r.avail_idx, 2);
        if (notify) {
            sqwr(q, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
        }
    }

    // Raw descriptor, for bad-input tests.
    void put_desc(unsigned q, uint16_t idx, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
    {
        const uint64_t at = ring[q].desc + 16 * idx;
        put_le(platform.ram, at, addr, 8);
        put_le(platform.ram, at + 8, len, 4);
        put_le(platform.ram, at + 12, flags, 2);
        put_le(platform.ram, at + 14, next, 2);
    }

    uint16_t used_idx(unsigned q) { return uint16_t(get_le(platform.ram, ring[q].used, 2)); }
    UsedElem used(unsigned q, uint16_t i)
    {
        const uint64_t at = ring[q].used + 4 + 8 * (i % ring[q].size);
        return {uint16_t(get_le(platform.ram, at, 2)), uint16_t(get_le(platform.ram, at + 2, 2)),
                uint32_t(get_le(platform.ram, at + 4, 4))};
    }
    // Used elements the test has not looked at yet.
    std::vector<UsedElem> new_used(unsigned q)
    {
        std::vector<UsedElem> out;
        GuestRing &r = ring[q];
        while (r.used_seen != used_idx(q)) {
            out.push_back(used(q, r.used_seen++));
        }
        return out;
    }

    Bytes mem(uint64_t at, size_t len)
    {
        return Bytes(platform.ram.begin() + long(at), platform.ram.begin() + long(at + len));
    }

    // Driver bring-up as the spec's "Reset" section lists it; RX and EVENT stocked.
    void bring_up(uint32_t features = SRIOVNIC_SYNTH_F_ALL, unsigned rx_chains = 8,
                  unsigned event_chains = 8)
    {
        swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
        ASSERT_TRUE(negotiate(features));
        for (unsigned q = 0; q < SRIOVNIC_SYNTH_NUM_QUEUES; q++) {
            setup_queue(q);
        }
        post_rx(rx_chains);
        for (unsigned i = 0; i < event_chains; i++) {
            post_event_buffer();
        }
        swr(SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
        swr(SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_SYNTH_INT_ALL);
        swr(SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_UNMASK);
        swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    }

    void post_rx(unsigned n, uint32_t len = 12 + 9018)
    {
        for (unsigned i = 0; i < n; i++) {
            const uint64_t buf = alloc(len);
            rx_bufs[post(SRIOVNIC_SYNTH_Q_RX, {{buf, len, true}})] = buf;
        }
    }

    void post_event_buffer()
    {
        const uint64_t buf = alloc(64);
        event_bufs[post(SRIOVNIC_SYNTH_Q_EVENT, {{buf, 64, true}})] = buf;
    }

    // The events written since the last call, as the driver reads them
    // (each checked with the shared validator); reposts their buffers.
    std::vector<Bytes> events()
    {
        std::vector<Bytes> out;
        for (const UsedElem &u : new_used(SRIOVNIC_SYNTH_Q_EVENT)) {
            if (u.flags & SRIOVNIC_SYNTH_U_ERR) {
                continue;
            }
            Bytes m = mem(event_bufs[u.id], u.len);
            EXPECT_EQ(sriovnic_synth_msg_check(m.data(), m.size(), SRIOVNIC_SYNTH_DIR_EVENT), 0);
            out.push_back(m);
            post_event_buffer();
        }
        return out;
    }
    static uint16_t type_of(const Bytes &m) { return uint16_t(get_le(m, 0, 2)); }

    // Sends a CTRL request; returns the completion (empty if the chain was used with ERR).
    Bytes ctrl(const Bytes &req, uint32_t resp_len = 32)
    {
        const uint64_t in = alloc(req.size() ? req.size() : 1);
        std::copy(req.begin(), req.end(), platform.ram.begin() + long(in));
        const uint64_t out = alloc(resp_len);
        const uint16_t head = post(SRIOVNIC_SYNTH_Q_CTRL, {{in, uint32_t(req.size()), false},
                                                           {out, resp_len, true}});
        const std::vector<UsedElem> u = new_used(SRIOVNIC_SYNTH_Q_CTRL);
        EXPECT_EQ(u.size(), 1u);
        if (u.size() != 1 || u[0].id != head || (u[0].flags & SRIOVNIC_SYNTH_U_ERR)) {
            return {};
        }
        Bytes m = mem(out, u[0].len);
        EXPECT_EQ(sriovnic_synth_msg_check(m.data(), m.size(), SRIOVNIC_SYNTH_DIR_COMPLETION), 0);
        return m;
    }
    // SWITCH_DATA_PATH; returns the completion's status.
    unsigned switch_to(uint8_t path, uint16_t vf, uint32_t serial)
    {
        const Bytes c = ctrl(switch_request(path, vf, serial));
        return c.size() >= 12 ? unsigned(get_le(c, 8, 2)) : 0xFFFF;
    }
    uint32_t offered_serial() { return SRIOVNIC_SYNTH_SERIAL(0, 0, 1); } // the fake's default for VF0

    // Sends net header + frame in one descriptor (or two: header apart).
    uint16_t send(const Bytes &nh, const Bytes &frame, bool split = false)
    {
        Bytes all = nh;
        all.insert(all.end(), frame.begin(), frame.end());
        const uint64_t buf = alloc(all.size());
        std::copy(all.begin(), all.end(), platform.ram.begin() + long(buf));
        if (split) {
            return post(SRIOVNIC_SYNTH_Q_TX, {{buf, 12, false}, {buf + 12, uint32_t(frame.size()), false}});
        }
        return post(SRIOVNIC_SYNTH_Q_TX, {{buf, uint32_t(all.size()), false}});
    }

    // The frames received since the last call: {net header, frame}.
    std::vector<std::pair<Bytes, Bytes>> received()
    {
        std::vector<std::pair<Bytes, Bytes>> out;
        for (const UsedElem &u : new_used(SRIOVNIC_SYNTH_Q_RX)) {
            if (u.flags & SRIOVNIC_SYNTH_U_ERR) {
                out.push_back({});
                continue;
            }
            const Bytes all = mem(rx_bufs[u.id], u.len);
            out.push_back({Bytes(all.begin(), all.begin() + 12), Bytes(all.begin() + 12, all.end())});
        }
        return out;
    }

    uint16_t fn = 0;
    ChannelHost host{device, fn};
    ChannelHost *ch = &host;
    std::vector<SriovnicSynthTransition> transitions;
    GuestRing ring[SRIOVNIC_SYNTH_NUM_QUEUES];
    std::map<uint16_t, uint64_t> rx_bufs, event_bufs;
};

} // namespace sriovnic::test
