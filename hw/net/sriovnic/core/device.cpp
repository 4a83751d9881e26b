// SPDX-License-Identifier: GPL-2.0-or-later
#include "device.hpp"

#include "announce.hpp"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

std::string range_error(const char *property, unsigned value, unsigned lo, unsigned hi)
{
    return "property '" + std::string(property) + "' must be between " + std::to_string(lo) +
           " and " + std::to_string(hi) + " (got " + std::to_string(value) + ")";
}

} // namespace

std::optional<std::string> Device::check_config(const SriovnicCoreConfig &cfg)
{
    const unsigned max_vfs = cfg.max_vfs < SRIOVNIC_MAX_VFS ? cfg.max_vfs : SRIOVNIC_MAX_VFS;
    if (cfg.total_vfs > max_vfs) {
        return range_error("vfs", cfg.total_vfs, 0, max_vfs);
    }
    if (cfg.pf_queue_pairs < 1 || cfg.pf_queue_pairs > SRIOVNIC_MAX_QUEUE_PAIRS) {
        return range_error("queues", cfg.pf_queue_pairs, 1, SRIOVNIC_MAX_QUEUE_PAIRS);
    }
    if (cfg.vf_queue_pairs < 1 || cfg.vf_queue_pairs > SRIOVNIC_MAX_QUEUE_PAIRS) {
        return range_error("vf-queues", cfg.vf_queue_pairs, 1, SRIOVNIC_MAX_QUEUE_PAIRS);
    }
    if (cfg.vendor_id == 0xffff) {
        return "property 'vendor-id' must not be 0xffff (no device answers with it)";
    }
    return std::nullopt;
}

Device::Device(const SriovnicCoreConfig &cfg, Platform &platform)
    : total_vfs_(cfg.total_vfs), platform_(platform), timers_(platform), bus_(platform, hooks_),
      switch_(sriovnic_fn_count(cfg.total_vfs)), admin_(*this, cfg.total_vfs),
      mailbox_(*this, cfg.total_vfs), irqs_(platform, bus_, timers_, hooks_, functions_),
      rx_(bus_, irqs_), tx_(platform, bus_, timers_, irqs_, switch_, functions_),
      uplink_port_(*this), faults_(cfg.total_vfs, *this, timers_, hooks_, platform)
{
    functions_.reserve(sriovnic_fn_count(cfg.total_vfs));
    uint32_t pf_caps = uint32_t(cfg.pf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    if (cfg.total_vfs) {
        pf_caps |= SRIOVNIC_CAPS_SRIOV;
    }
    functions_.emplace_back(SRIOVNIC_FN_PF, cfg.pf_queue_pairs, pf_caps, SRIOVNIC_PF_REGS_SIZE,
                            hooks_, switch_, nullptr);
    MacAddr mac;
    std::copy(std::begin(cfg.mac), std::end(cfg.mac), mac.begin());
    functions_.front().set_permanent_mac(mac);
    const uint32_t vf_caps =
        SRIOVNIC_CAPS_IS_VF | uint32_t(cfg.vf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    for (uint16_t n = 0; n < cfg.total_vfs; n++) {
        functions_.emplace_back(SRIOVNIC_FN_VF(n), cfg.vf_queue_pairs, vf_caps,
                                SRIOVNIC_VF_REGS_SIZE, hooks_, switch_, &admin_.vf(n));
    }
    function_ports_.reserve(functions_.size());
    for (Function &f : functions_) {
        function_ports_.emplace_back(f, rx_);
        switch_.attach(f.index(), function_ports_.back());
        f.set_link(uplink_up_);
        f.regs().int_cause = 0;
    }
    switch_.attach_uplink(uplink_port_);
    switch_.set_uplink_waiter(uplink_port_);
    if (cfg.host_owned) {
        mailbox_.answer_by(agent_.emplace(admin_, cfg.total_vfs));
    }
    // On a timer, transmit resumes before held interrupts go out, so one
    // interrupt covers both.
    timers_.add(tx_);
    timers_.add(irqs_);
    timers_.add(faults_);
}

void Device::administration_changed(Function &vf)
{
    vf.raise_cause(SRIOVNIC_INT_CONFIG);
    vf.port_changed();
    update_links();
    irqs_.update(vf);
}

void Device::update_links()
{
    for (Function &f : functions_) {
        bool up = uplink_up_;
        if (f.link_policy() == SRIOVNIC_VFA_LINK_ENABLE) {
            up = true;
        } else if (f.link_policy() == SRIOVNIC_VFA_LINK_DISABLE) {
            up = false;
        }
        if (f.is_vf() && faults_.link_held_down(f.vf_number())) {
            up = false; // an injected flap beats the PF's policy
        }
        if (f.set_link(up)) {
            hooks_.notify([&](StateObserver &o) { o.on_link(f.index(), up); });
            irqs_.update(f);
        }
    }
    for (auto &c : channels_) {
        c->set_link(uplink_up_);
    }
}

void Device::reset_function(uint16_t fn)
{
    Function *f = function(fn);
    if (!f) {
        if (synth::Channel *c = channel(fn)) {
            CardBus::Work work(bus_);
            c->reset();
        }
        return;
    }
    CardBus::Work work(bus_);
    if (f->is_vf()) {
        reset_vf_state(*f);
        if (synth::Channel *c = channel_of_vf(f->vf_number())) {
            c->vf_reset();
        }
        return;
    }
    f->reset();
    tx_.forget_shaper(*f);
    irqs_.forget_throttle(*f);
    // The PF's administration of its VFs goes with the PF.
    admin_.reset();
    update_links();
    for (auto &c : channels_) {
        c->pf_administration_cleared(); // the channel's MAC stays the paired VF's
    }
    irqs_.update(*f);
}

void Device::reset_vf_state(Function &f)
{
    f.reset();
    tx_.forget_shaper(f);
    irqs_.forget_throttle(f);
    mailbox_.reset(f.vf_number());
    if (agent_) {
        agent_->vf_reset(f.vf_number());
    }
    irqs_.update(f);
}

// ---- the card as injected faults act on it (FaultTarget) ----

void Device::update_presence()
{
    for (uint16_t n = 0; n < total_vfs(); n++) {
        vf(n).set_present(n < active_vfs_ && !faults_.removed(n));
    }
    for (auto &c : channels_) {
        c->vf_presence_changed();
    }
}

void Device::vf_removal_changed(uint16_t n)
{
    if (faults_.removed(n)) {
        // The VF goes first (its port leaves the switch, a paired channel is
        // revoked at once), then whatever it was doing goes with it.
        update_presence();
        reset_vf_state(vf(n));
    } else {
        // It comes back reset, like a newly plugged VF: reset while still
        // absent, then present, so that a paired channel offers it once.
        // (Present first and reset after was an FLR of the VF just offered:
        // offer, surprise revoke, offer.)
        reset_vf_state(vf(n));
        update_presence();
    }
}

void Device::hold_mailbox(uint16_t n, bool held)
{
    if (held) {
        mailbox_.hold(n);
    } else {
        mailbox_.release(n);
    }
}

void Device::set_active_vfs(uint16_t active_vfs)
{
    active_vfs_ = std::min(active_vfs, total_vfs());
    // A VF Enable change brings surprise-removed VFs back (as new ones).
    faults_.vf_enable_changed();
    for (uint16_t n = 0; n < total_vfs(); n++) {
        vf(n).set_present(n < active_vfs_);
    }
    if (!channels_.empty()) {
        CardBus::Work work(bus_);
        for (auto &c : channels_) {
            c->vf_presence_changed();
        }
    }
}

bool Device::request_vf_enable(uint16_t num_vfs)
{
    if (num_vfs <= total_vfs()) {
        return true;
    }
    Function &pf = functions_.front();
    pf.record_error(SRIOVNIC_ERR_BAD_NUMVFS, std::nullopt);
    irqs_.update(pf);
    return false;
}

bool Device::config_write_allowed()
{
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return false;
    }
    return true;
}

void Device::set_uplink_link(bool up)
{
    CardBus::Work work(bus_);
    uplink_up_ = up;
    update_links();
}

bool Device::uplink_receive(std::span<const uint8_t> frame)
{
    if (!bus_.take_uplink_frame_now()) {
        return false;
    }
    CardBus::Work work(bus_);
    const std::optional<FrameInfo> info = parse_frame(frame);
    if (!info || !uplink_up_) {
        return true;
    }
    return switch_.receive_from_uplink(frame, *info);
}

Delivery Device::UplinkPort::receive(std::span<const uint8_t> frame, const FrameInfo &,
                                     bool)
{
    if (device_.uplink_up_) {
        device_.bus_.send_uplink(frame);
    }
    return Delivery::delivered;
}

unsigned Device::announce()
{
    CardBus::Work work(bus_);
    if (!uplink_up_) {
        return 0;
    }
    const std::vector<Announcement> todo = announcements(switch_.views(), pf().mac());
    for (const Announcement &a : todo) {
        bus_.send_uplink(rarp_announcement(a.mac, a.vid));
    }
    return unsigned(todo.size());
}

void Device::on_timer()
{
    CardBus::Work work(bus_);
    timers_.expired();
}

std::optional<std::string> Device::post_load(uint16_t fn)
{
    Function *f = function(fn);
    if (!f) {
        if (synth::Channel *c = channel(fn)) {
            CardBus::Work work(bus_);
            return c->post_load();
        }
        return "no function " + std::to_string(fn);
    }
    if (auto problem = f->validate_loaded()) {
        return problem;
    }
    if (f->is_vf()) {
        if (auto problem = admin_.validate_loaded(f->vf_number())) {
            return problem;
        }
        if (auto problem = mailbox_.validate_loaded(f->vf_number())) {
            return problem;
        }
        if (agent_) {
            if (auto problem = agent_->validate_loaded(f->vf_number())) {
                return problem;
            }
        }
    }
    CardBus::Work work(bus_);
    update_links();
    // Neither transmit paused by the rate limiter nor interrupts held back by
    // moderation are migrated: resume both.
    tx_.kick_after_load(*f);
    irqs_.resume_after_load(*f);
    return std::nullopt;
}

} // namespace sriovnic
