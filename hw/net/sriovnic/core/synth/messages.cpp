// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/messages.hpp"

#include "wire.hpp"

#include <algorithm>
#include <cstring>

namespace sriovnic::synth {

namespace {

using Hdr = sriovnic_synth_msg_hdr;

Message header(uint16_t type)
{
    Message m{};
    wire::store_le<uint16_t>(m.data() + offsetof(Hdr, type), type);
    wire::store_le<uint16_t>(m.data() + offsetof(Hdr, len), uint16_t(sriovnic_synth_msg_size(type)));
    return m;
}

size_t size_of(const Message &m) { return sriovnic_synth_msg_size(message_type(m)); }

} // namespace

uint16_t message_type(const Message &m) { return wire::load_le<uint16_t>(m.data()); }

Message ev_link(bool up)
{
    Message m = header(SRIOVNIC_SYNTH_EV_LINK);
    m[offsetof(sriovnic_synth_ev_link, link_up)] = up ? 1 : 0;
    return m;
}

Message ev_mtu(uint16_t max_mtu)
{
    Message m = header(SRIOVNIC_SYNTH_EV_MTU);
    wire::store_le<uint16_t>(m.data() + offsetof(sriovnic_synth_ev_mtu, max_mtu), max_mtu);
    return m;
}

Message ev_offload(uint32_t offloads)
{
    Message m = header(SRIOVNIC_SYNTH_EV_OFFLOAD);
    wire::store_le<uint32_t>(m.data() + offsetof(sriovnic_synth_ev_offload, offloads), offloads);
    return m;
}

Message ev_offer(uint16_t vf, uint32_t serial, const MacAddr &mac)
{
    Message m = header(SRIOVNIC_SYNTH_EV_VF_OFFER);
    wire::store_le<uint16_t>(m.data() + offsetof(sriovnic_synth_ev_vf_offer, vf_index), vf);
    wire::store_le<uint32_t>(m.data() + offsetof(sriovnic_synth_ev_vf_offer, serial), serial);
    std::copy(mac.begin(), mac.end(), m.begin() + offsetof(sriovnic_synth_ev_vf_offer, mac));
    return m;
}

Message ev_revoke(uint16_t vf, uint32_t serial, uint8_t reason, uint8_t flags, uint32_t timeout_ms)
{
    Message m = header(SRIOVNIC_SYNTH_EV_VF_REVOKE);
    wire::store_le<uint16_t>(m.data() + offsetof(sriovnic_synth_ev_vf_revoke, vf_index), vf);
    m[offsetof(sriovnic_synth_ev_vf_revoke, reason)] = reason;
    m[offsetof(sriovnic_synth_ev_vf_revoke, flags)] = flags;
    wire::store_le<uint32_t>(m.data() + offsetof(sriovnic_synth_ev_vf_revoke, serial), serial);
    wire::store_le<uint32_t>(m.data() + offsetof(sriovnic_synth_ev_vf_revoke, timeout_ms),
                             timeout_ms);
    return m;
}

// ---- EventQueue ----

void EventQueue::remove(unsigned i)
{
    SriovnicSynthRegs &r = fn_.regs();
    for (unsigned j = i; j + 1 < r.num_events; j++) {
        std::memcpy(r.events[j], r.events[j + 1], SRIOVNIC_SYNTH_MSG_MAX);
    }
    r.num_events--;
}

bool EventQueue::cancel(uint16_t type)
{
    SriovnicSynthRegs &r = fn_.regs();
    for (unsigned i = 0; i < r.num_events; i++) {
        if (wire::load_le<uint16_t>(r.events[i]) == type) {
            remove(i);
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_EVENTS_REPLACED);
            return true;
        }
    }
    return false;
}

void EventQueue::raise(const Message &m)
{
    if (!ring_.enabled()) {
        return; // enabling the queue replays the current state
    }
    cancel(message_type(m)); // state, not history: the newer one moves to the end
    SriovnicSynthRegs &r = fn_.regs();
    if (r.num_events >= SRIOVNIC_SYNTH_MAX_WAITING_EVENTS) {
        remove(0); // cannot happen with one of each type; keeps the bound anyway
    }
    std::memcpy(r.events[r.num_events++], m.data(), m.size());
    deliver();
}

bool EventQueue::deliver()
{
    SriovnicSynthRegs &r = fn_.regs();
    bool wrote = false;
    ring_.begin_pass();
    while (r.num_events > 0) {
        Chain chain;
        if (ring_.take(chain) != SplitRing::Take::chain) {
            break;
        }
        Message m;
        std::memcpy(m.data(), r.events[0], m.size());
        const uint32_t seq = r.event_seq + 1;
        wire::store_le<uint32_t>(m.data() + offsetof(Hdr, seq), seq);
        const size_t size = size_of(m);
        if (!ring_.scatter(chain, std::span(m).first(size), {})) {
            fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
            fn_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
            if (!ring_.put_used(chain.head, 0, true)) {
                break;
            }
            continue; // the event waits for the next chain
        }
        if (!ring_.put_used(chain.head, uint32_t(size), false)) {
            break;
        }
        r.event_seq = seq;
        remove(0);
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_EVENTS_SENT);
        fn_.raise_cause(SRIOVNIC_SYNTH_INT_EVENT);
        wrote = true;
    }
    return wrote;
}

std::optional<std::string> EventQueue::validate_loaded() const
{
    const SriovnicSynthRegs &r = fn_.regs();
    if (r.num_events > SRIOVNIC_SYNTH_MAX_WAITING_EVENTS) {
        return "synthetic function: more waiting events than event types";
    }
    uint32_t seen = 0;
    for (unsigned i = 0; i < r.num_events; i++) {
        if (sriovnic_synth_msg_check(r.events[i], SRIOVNIC_SYNTH_MSG_MAX, SRIOVNIC_SYNTH_DIR_EVENT) !=
            SRIOVNIC_SYNTH_MSG_VALID) {
            return "synthetic function: waiting event " + std::to_string(i) + " is malformed";
        }
        const uint32_t bit = 1u << (wire::load_le<uint16_t>(r.events[i]) & 0xF);
        if (seen & bit) {
            return "synthetic function: two waiting events of one type";
        }
        seen |= bit;
    }
    return std::nullopt;
}

// ---- Control ----

bool Control::process()
{
    bool completed = false;
    Chain chain;
    ring_.begin_pass();
    while (ring_.take(chain) == SplitRing::Take::chain) {
        std::array<uint8_t, 2 * SRIOVNIC_SYNTH_MSG_MAX> req{};
        const size_t avail = chain.readable;
        if (!ring_.gather(chain, std::span(req).first(std::min(avail, req.size())))) {
            fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
            fn_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
            if (!ring_.put_used(chain.head, 0, true)) {
                break;
            }
            continue;
        }
        // The validator never reads past hdr.len, and only when hdr.len <= avail
        // and hdr.len is the type's size, which `req` holds.
        const int check = sriovnic_synth_msg_check(req.data(), avail, SRIOVNIC_SYNTH_DIR_REQUEST);
        const uint32_t seq = avail >= sizeof(Hdr) ? sriovnic_synth_rd32(req.data(), offsetof(Hdr, seq)) : 0;
        const uint32_t type = avail >= 2 ? sriovnic_synth_rd16(req.data(), 0) : 0;
        uint16_t reply_type = SRIOVNIC_SYNTH_MSG_SWITCH_DONE;
        Reply reply;
        if (check == SRIOVNIC_SYNTH_MSG_ESHORT || check == SRIOVNIC_SYNTH_MSG_EDIR) {
            reply_type = SRIOVNIC_SYNTH_MSG_GENERIC_DONE;
            reply.status = SRIOVNIC_SYNTH_S_BAD_REQUEST;
        } else if (check == SRIOVNIC_SYNTH_MSG_ETYPE) {
            reply_type = SRIOVNIC_SYNTH_MSG_GENERIC_DONE;
            reply.status = SRIOVNIC_SYNTH_S_UNSUPPORTED;
        } else if (type == SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH && check != SRIOVNIC_SYNTH_MSG_VALID) {
            reply = executor_.current_path();
            reply.status = SRIOVNIC_SYNTH_S_BAD_REQUEST;
        } else if (!fn_.has(SRIOVNIC_SYNTH_F_DATAPATH)) {
            reply = executor_.current_path();
            reply.status = SRIOVNIC_SYNTH_S_UNSUPPORTED;
        } else {
            const uint8_t path = req[offsetof(sriovnic_synth_msg_switch, path)];
            reply = executor_.switch_path(
                path == SRIOVNIC_SYNTH_PATH_VF,
                uint16_t(sriovnic_synth_rd16(req.data(), offsetof(sriovnic_synth_msg_switch, vf_index))),
                sriovnic_synth_rd32(req.data(), offsetof(sriovnic_synth_msg_switch, serial)));
        }
        Message out{};
        wire::store_le<uint16_t>(out.data() + offsetof(Hdr, type), reply_type);
        const size_t size = sriovnic_synth_msg_size(reply_type);
        wire::store_le<uint16_t>(out.data() + offsetof(Hdr, len), uint16_t(size));
        wire::store_le<uint32_t>(out.data() + offsetof(Hdr, seq), seq);
        wire::store_le<uint16_t>(out.data() + offsetof(Hdr, status), reply.status);
        if (reply_type == SRIOVNIC_SYNTH_MSG_SWITCH_DONE) {
            out[offsetof(sriovnic_synth_msg_switch, path)] =
                reply.on_vf ? SRIOVNIC_SYNTH_PATH_VF : SRIOVNIC_SYNTH_PATH_SYNTHETIC;
            wire::store_le<uint16_t>(out.data() + offsetof(sriovnic_synth_msg_switch, vf_index),
                                     reply.on_vf ? reply.vf : 0);
            wire::store_le<uint32_t>(out.data() + offsetof(sriovnic_synth_msg_switch, serial),
                                     reply.on_vf ? reply.serial : 0);
        }
        if (reply.status == SRIOVNIC_SYNTH_S_BAD_REQUEST || reply.status == SRIOVNIC_SYNTH_S_UNSUPPORTED) {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_CTRL_BAD);
            fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_MSG, std::nullopt);
        }
        bool err = false;
        if (!ring_.scatter(chain, std::span(out).first(size), {})) {
            fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
            fn_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
            err = true;
        }
        if (!ring_.put_used(chain.head, uint32_t(size), err)) {
            break;
        }
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_CTRL_REQUESTS);
        fn_.raise_cause(SRIOVNIC_SYNTH_INT_CTRL);
        completed = true;
    }
    return completed;
}

} // namespace sriovnic::synth
