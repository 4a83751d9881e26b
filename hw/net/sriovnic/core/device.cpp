// SPDX-License-Identifier: GPL-2.0-or-later
#include "device.hpp"

#include "mac_regs.hpp"
#include "queues.hpp"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

std::string range_error(const char *property, unsigned value, unsigned lo, unsigned hi)
{
    return "property '" + std::string(property) + "' must be between " + std::to_string(lo) +
           " and " + std::to_string(hi) + " (got " + std::to_string(value) + ")";
}

uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (size * 8)) - 1;
}

bool in_mailbox_pending(uint32_t offset)
{
    return offset >= SRIOVNIC_REG_PF_MBX_PENDING(0) && offset < SRIOVNIC_REG_PF_MBX_PENDING(8);
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
    return std::nullopt;
}

Device::Device(const SriovnicCoreConfig &cfg, Platform &platform)
    : platform_(platform), timers_(platform), bus_(platform), switch_(size_t(cfg.total_vfs) + 1),
      admin_(*this, cfg.total_vfs), mailbox_(*this, cfg.total_vfs),
      irqs_(platform, bus_, timers_, hooks_, functions_), rx_(bus_, irqs_),
      tx_(platform, bus_, timers_, irqs_, switch_, functions_), uplink_port_(*this)
{
    functions_.reserve(size_t(cfg.total_vfs) + 1);
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
    // On a timer, transmit resumes before held interrupts go out, so one
    // interrupt covers both.
    timers_.add(tx_);
    timers_.add(irqs_);
    timers_.add(fault_timer_);
    flap_until_ns_.assign(cfg.total_vfs, 0);
    removed_.assign(cfg.total_vfs, 0);
    removed_until_ns_.assign(cfg.total_vfs, 0);
}

std::optional<uint32_t> Device::read_target(Function &f, const RegTarget &t)
{
    using B = RegTarget::Block;
    switch (t.block) {
    case B::common:
        return f.read_register(t.reg);
    case B::pf:
        if (in_mailbox_pending(t.reg)) {
            return mailbox_.pending((t.reg - SRIOVNIC_REG_PF_MBX_PENDING(0)) / 4);
        }
        return admin_.read_pf_register(t.reg, active_vfs_);
    case B::queue:
        return queues::read(f.queue(t.index), t.reg);
    case B::vf_mailbox:
        return mailbox_.read_vf_side(f.vf_number(), t.reg);
    case B::admin:
        if (t.reg == SRIOVNIC_VFA_MBX_CTRL) {
            return mailbox_.pf_status(t.index);
        }
        return admin_.read_admin(t.index, t.reg);
    case B::pf_mailbox:
        return mailbox_.read_pf_side(t.index, t.reg);
    case B::unmapped:
    case B::bad_access:
    case B::outside:
        break;
    }
    return std::nullopt;
}

uint64_t Device::channel_read(synth::Channel &c, uint64_t offset, unsigned size)
{
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return all_ones(size);
    }
    CardBus::Work work(bus_);
    return c.read(offset, size);
}

void Device::channel_write(synth::Channel &c, uint64_t offset, unsigned size, uint64_t value)
{
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return;
    }
    CardBus::Work work(bus_);
    c.write(offset, size, value);
}

uint64_t Device::read(uint16_t fn, uint64_t offset, unsigned size)
{
    Function *f = function(fn);
    if (!f) [[unlikely]] {
        synth::Channel *c = channel(fn);
        return c ? channel_read(*c, offset, size) : all_ones(size);
    }
    if (f->is_vf() && removed_[f->vf_number()]) {
        return all_ones(size); // surprise-removed: nobody answers
    }
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return all_ones(size);
    }
    CardBus::Work work(bus_);
    const RegTarget t = decode_register(layout(*f), offset, size);
    uint64_t result = 0;
    switch (t.block) {
    case RegTarget::Block::bad_access:
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, t.offset);
        result = all_ones(size);
        break;
    case RegTarget::Block::outside:
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
        break;
    default:
        if (std::optional<uint32_t> value = read_target(*f, t)) {
            result = *value;
        } else {
            f->record_error(SRIOVNIC_ERR_UNMAPPED, t.offset);
        }
        break;
    }
    irqs_.update(*f);
    return result;
}

Function::WriteResult Device::write_queue(Function &f, const RegTarget &t, uint32_t value)
{
    using Then = queues::WriteOutcome::Then;
    using R = queues::WriteOutcome::Result;
    const unsigned q = t.index;
    const queues::WriteOutcome outcome = queues::write(f.queue(q), t.reg, value);
    switch (outcome.then) {
    case Then::nothing:
        break;
    case Then::tx_enable_changed:
    case Then::rx_enable_changed: {
        const bool tx = outcome.then == Then::tx_enable_changed;
        const SriovnicQueueRegs &regs = f.queue(q);
        const bool on = tx ? queues::tx_enabled(regs) : queues::rx_enabled(regs);
        if (!tx) {
            f.port_changed();
        }
        hooks_.notify([&](StateObserver &o) { o.on_queue(f.index(), q, tx, on); });
        break;
    }
    case Then::tx_posted:
        tx_.process(f, q);
        break;
    case Then::rx_posted:
        rx_buffers_posted();
        break;
    case Then::itr_changed:
        irqs_.interval_changed(f, q);
        break;
    case Then::irq_unmasked:
        irqs_.unmask(f, q);
        break;
    }
    switch (outcome.result) {
    case R::done:
        return Function::WriteResult::done;
    case R::read_only:
        return Function::WriteResult::read_only;
    case R::unmapped:
        return Function::WriteResult::unmapped;
    case R::bad_value:
        return Function::WriteResult::bad_value;
    case R::bad_queue:
        f.record_error(SRIOVNIC_ERR_BAD_QUEUE, t.offset);
        return Function::WriteResult::done;
    }
    return Function::WriteResult::done;
}

Function::WriteResult Device::write_target(Function &f, const RegTarget &t, uint32_t value)
{
    using B = RegTarget::Block;
    using WR = Function::WriteResult;
    switch (t.block) {
    case B::common: {
        const WR result = f.write_register(t.reg, value);
        if (result == WR::done && t.reg == SRIOVNIC_REG_CTRL && (value & SRIOVNIC_CTRL_RESET)) {
            // A function's own reset also empties what it owns outside its register file.
            if (f.is_vf()) {
                mailbox_.reset(f.vf_number());
            } else {
                admin_.regs().vf_select = 0;
            }
        }
        return result;
    }
    case B::pf:
        return in_mailbox_pending(t.reg) ? WR::read_only : admin_.write_pf_register(t.reg, value);
    case B::queue:
        return write_queue(f, t, value);
    case B::vf_mailbox:
        return mailbox_.write_vf_side(f.vf_number(), t.reg, value);
    case B::admin:
        if (t.reg == SRIOVNIC_VFA_MBX_CTRL) {
            return mailbox_.pf_control(t.index, value);
        }
        return admin_.write_admin(t.index, t.reg, value);
    case B::pf_mailbox:
        return mailbox_.write_pf_side(t.index, t.reg, value);
    case B::unmapped:
    case B::bad_access:
    case B::outside:
        break;
    }
    return WR::unmapped;
}

void Device::write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value)
{
    Function *f = function(fn);
    if (!f) [[unlikely]] {
        if (synth::Channel *c = channel(fn)) {
            channel_write(*c, offset, size, value);
        }
        return;
    }
    if (f->is_vf() && removed_[f->vf_number()]) {
        return; // surprise-removed: the write goes nowhere
    }
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return;
    }
    CardBus::Work work(bus_);
    const RegTarget t = decode_register(layout(*f), offset, size);
    switch (t.block) {
    case RegTarget::Block::bad_access:
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, t.offset);
        break;
    case RegTarget::Block::outside:
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
        break;
    default:
        switch (write_target(*f, t, uint32_t(value))) {
        case Function::WriteResult::done:
            break;
        case Function::WriteResult::read_only:
            f->record_error(SRIOVNIC_ERR_RO_WRITE, t.offset);
            break;
        case Function::WriteResult::bad_value:
            f->record_error(SRIOVNIC_ERR_BAD_VALUE, t.offset);
            break;
        case Function::WriteResult::denied:
            f->record_error(SRIOVNIC_ERR_DENIED, t.offset);
            break;
        case Function::WriteResult::unmapped:
            f->record_error(SRIOVNIC_ERR_UNMAPPED, t.offset);
            break;
        }
        break;
    }
    irqs_.update(*f);
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
        if (f.is_vf() && flap_until_ns_[f.vf_number()]) {
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

std::optional<std::string> Device::inject_fault(uint16_t vf, unsigned fault,
                                                uint32_t duration_ms)
{
    if (vf >= total_vfs()) {
        return "'vf' " + std::to_string(vf) + " is out of range: the card has " +
               std::to_string(total_vfs()) + " VFs (0.." + std::to_string(int(total_vfs()) - 1) +
               ")";
    }
    if (vf >= active_vfs_) {
        return "'vf' " + std::to_string(vf) + " is not enabled (" + std::to_string(active_vfs_) +
               " VFs enabled now)";
    }
    if (fault >= SRIOVNIC_INJECT_COUNT) {
        return "'fault' " + std::to_string(fault) +
               " is unknown; allowed: link-flap, surprise-removal, restore, flr";
    }
    if (duration_ms > SRIOVNIC_FAULT_MAX_DURATION_MS) {
        return "'duration-ms' " + std::to_string(duration_ms) + " is out of range: 0..." +
               std::to_string(SRIOVNIC_FAULT_MAX_DURATION_MS) + " (0 = the fault's default)";
    }
    if (fault == SRIOVNIC_INJECT_FLR) {
        if (duration_ms) {
            return std::string("'duration-ms' does not apply to flr");
        }
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is surprise-removed: restore it first";
        }
        return std::nullopt; // the platform's FLR resets the VF (reset_function)
    }
    if (fault == SRIOVNIC_INJECT_RESTORE) {
        if (duration_ms) {
            return std::string("'duration-ms' does not apply to restore");
        }
        if (!removed_[vf]) {
            return "VF " + std::to_string(vf) + " is not surprise-removed: nothing to restore";
        }
        CardBus::Work work(bus_);
        set_removed(vf, false, 0);
        arm_fault_timer();
        return std::nullopt;
    }
    if (fault == SRIOVNIC_INJECT_SURPRISE_REMOVAL) {
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is already surprise-removed";
        }
        CardBus::Work work(bus_);
        const uint64_t until =
            duration_ms ? std::max<uint64_t>(platform_.now_ns() + uint64_t(duration_ms) * 1000000u, 1)
                        : 0;
        set_removed(vf, true, until);
        arm_fault_timer();
        return std::nullopt;
    }
    CardBus::Work work(bus_);
    // SRIOVNIC_INJECT_LINK_FLAP: a flap under way is extended, not repeated.
    const uint32_t ms = duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_FLAP_MS;
    uint64_t until = platform_.now_ns() + uint64_t(ms) * 1000000u;
    flap_until_ns_[vf] = until ? until : 1;
    update_links();
    arm_fault_timer();
    return std::nullopt;
}

void Device::update_presence()
{
    for (uint16_t n = 0; n < total_vfs(); n++) {
        vf(n).set_present(n < active_vfs_ && !removed_[n]);
    }
    for (auto &c : channels_) {
        c->vf_presence_changed();
    }
}

void Device::set_removed(uint16_t n, bool removed, uint64_t until_ns)
{
    removed_[n] = removed;
    removed_until_ns_[n] = removed ? until_ns : 0;
    // The VF goes (its port leaves the switch, a paired channel is revoked
    // at once), and whatever it was doing with it: it comes back reset.
    update_presence();
    Function &f = vf(n);
    f.reset();
    tx_.forget_shaper(f);
    irqs_.forget_throttle(f);
    mailbox_.reset(n);
    irqs_.update(f);
    if (!removed) {
        if (synth::Channel *c = channel_of_vf(n)) {
            c->vf_reset();
        }
    }
}

void Device::arm_fault_timer()
{
    std::optional<uint64_t> next;
    for (uint16_t n = 0; n < total_vfs(); n++) {
        for (uint64_t until : {flap_until_ns_[n], removed_until_ns_[n]}) {
            if (until && (!next || until < *next)) {
                next = until;
            }
        }
    }
    if (next) {
        timers_.arm(fault_timer_, *next);
    }
}

void Device::end_faults()
{
    const uint64_t now = platform_.now_ns();
    bool flap_ended = false;
    for (uint16_t n = 0; n < total_vfs(); n++) {
        if (flap_until_ns_[n] && flap_until_ns_[n] <= now) {
            flap_until_ns_[n] = 0;
            flap_ended = true;
        }
        if (removed_until_ns_[n] && removed_until_ns_[n] <= now) {
            set_removed(n, false, 0);
        }
    }
    if (flap_ended) {
        update_links();
    }
    arm_fault_timer();
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
    f->reset();
    tx_.forget_shaper(*f);
    irqs_.forget_throttle(*f);
    if (f->is_vf()) {
        mailbox_.reset(f->vf_number());
    } else {
        // The PF's administration of its VFs goes with the PF.
        admin_.reset();
        update_links();
        for (auto &c : channels_) {
            c->pf_administration_cleared(); // the channel's MAC stays the paired VF's
        }
    }
    irqs_.update(*f);
    if (f->is_vf()) {
        if (synth::Channel *c = channel_of_vf(f->vf_number())) {
            c->vf_reset();
        }
    }
}

void Device::set_active_vfs(uint16_t active_vfs)
{
    active_vfs_ = std::min(active_vfs, total_vfs());
    // A VF Enable change brings surprise-removed VFs back (as new ones).
    std::fill(removed_.begin(), removed_.end(), 0);
    std::fill(removed_until_ns_.begin(), removed_until_ns_.end(), 0);
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
    }
    CardBus::Work work(bus_);
    update_links();
    // Neither transmit paused by the rate limiter nor interrupts held back by
    // moderation are migrated: resume both.
    tx_.kick_after_load(*f);
    irqs_.resume_after_load(*f);
    return std::nullopt;
}

uint16_t Device::attach_synth(const SriovnicSynthConfig &cfg, std::string &error)
{
    if (auto problem = synth::Channel::check_config(cfg, total_vfs())) {
        error = *problem;
        return 0;
    }
    if (channel_of_vf(cfg.paired_vf)) {
        error = "VF " + std::to_string(cfg.paired_vf) + " is already paired with a synthetic channel";
        return 0;
    }
    CardBus::Work work(bus_);
    const uint16_t fn = uint16_t(functions_.size() + channels_.size());
    synth::CardLink &link = *this;
    channels_.push_back(std::make_unique<synth::Channel>(fn, cfg, total_vfs(), link, bus_, switch_,
                                                         timers_, hooks_, platform_));
    synth::Channel &c = *channels_.back();
    const uint16_t port = switch_.add_port(c);
    (void)port; // == fn: ports are numbered as functions
    switch_.pair(fn, SRIOVNIC_FN_VF(cfg.paired_vf));
    timers_.add(c);
    program_vf_mac(cfg.paired_vf, c.mac());
    c.set_link(uplink_up_);
    c.vf_presence_changed();
    return fn;
}

synth::Channel *Device::channel_of_vf(uint16_t n)
{
    for (auto &c : channels_) {
        if (c->paired_vf() == n) {
            return c.get();
        }
    }
    return nullptr;
}

void Device::program_vf_mac(uint16_t n, const MacAddr &mac)
{
    SriovnicVfAdminRegs &a = admin_.vf(n);
    Function &f = vf(n);
    f.pin_mac(true);
    if (mac_regs::mac(a.mac_lo, a.mac_hi) == mac && f.mac() == mac) {
        return;
    }
    a.mac_lo = a.mac_lo_staged = mac_regs::lo(mac);
    a.mac_hi = mac_regs::hi(mac);
    f.apply_admin_mac();
    administration_changed(f);
}

void Device::rx_buffers_posted()
{
    if (switch_.release_held_uplink()) {
        bus_.uplink_ready();
    }
}

} // namespace sriovnic
