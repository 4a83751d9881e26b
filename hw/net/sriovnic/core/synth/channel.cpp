// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/channel.hpp"

#include "mac_regs.hpp"
#include "synth/reasons.hpp"

namespace sriovnic::synth {

namespace {

uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (size * 8)) - 1;
}

HostSettings host_settings(const SriovnicSynthConfig &cfg)
{
    HostSettings h;
    std::copy(std::begin(cfg.mac), std::end(cfg.mac), h.mac.begin());
    h.dev_features = cfg.features;
    h.max_mtu = uint16_t(cfg.max_mtu); // checked: at most SRIOVNIC_MTU_MAX
    h.offloads = cfg.offloads;
    h.revoke_timeout_ms = cfg.revoke_timeout_ms;
    h.sriov_allowed = cfg.sriov_allowed;
    h.port_policies = cfg.port_policies;
    return h;
}

} // namespace

Channel::Channel(uint16_t fn, const SriovnicSynthConfig &cfg, uint16_t total_vfs, CardLink &card,
                 CardBus &bus, Switch &eswitch, TimerService &timers, StateHooks &hooks,
                 Platform &platform, TransitionSink sink)
    : fn_(fn), card_(card), bus_(bus), switch_(eswitch), timers_(timers), hooks_(hooks),
      platform_(platform), sink_(std::move(sink)), host_(host_settings(cfg)),
      requester_{fn, &regs_.stats[SRIOVNIC_STAT_DMA_SELF]}, fn_regs_(fn, regs_, host_, hooks),
      rings_{SplitRing(SRIOVNIC_SYNTH_Q_RX, Shape::rx, regs_.queues[0], fn_regs_, bus, requester_, hooks),
             SplitRing(SRIOVNIC_SYNTH_Q_TX, Shape::tx, regs_.queues[1], fn_regs_, bus, requester_, hooks),
             SplitRing(SRIOVNIC_SYNTH_Q_CTRL, Shape::ctrl, regs_.queues[2], fn_regs_, bus, requester_, hooks),
             SplitRing(SRIOVNIC_SYNTH_Q_EVENT, Shape::event, regs_.queues[3], fn_regs_, bus, requester_, hooks)},
      net_(fn_regs_, rings_[SRIOVNIC_SYNTH_Q_RX], rings_[SRIOVNIC_SYNTH_Q_TX], eswitch, fn, *this),
      events_(fn_regs_, rings_[SRIOVNIC_SYNTH_Q_EVENT]),
      datapath_(fn_regs_, uint16_t(cfg.paired_vf), total_vfs, *this),
      control_(fn_regs_, rings_[SRIOVNIC_SYNTH_Q_CTRL], datapath_),
      on_migration_(SriovnicSynthOnMigration(cfg.on_migration)),
      unplug_timeout_ms_(cfg.revoke_timeout_ms)
{
    if (cfg.vf_hotplug) {
        slot_.emplace(static_cast<VfSlot::Clock &>(*this));
    }
    fn_regs_.reset();
}

// ---- registers ----

uint32_t Channel::datapath_register() const
{
    uint32_t v = uint32_t(state());
    if (state() != DpState::synthetic) {
        v |= (regs_.dp_vf << SRIOVNIC_SYNTH_DP_VF_SHIFT) & SRIOVNIC_SYNTH_DP_VF_MASK;
    }
    v |= vf_can_receive() ? SRIOVNIC_SYNTH_DP_VF_UP : 0;
    v |= rx_via_vf() ? SRIOVNIC_SYNTH_DP_RX_VIA_VF : 0;
    return v;
}

bool Channel::synthetic_can_receive() const
{
    return fn_regs_.enabled() && rings_[SRIOVNIC_SYNTH_Q_RX].enabled();
}

bool Channel::wants_vf_rx() const
{
    // A channel without a driver to receive leaves the pair's traffic to the
    // VF, so that a guest without the synth driver works on the VF alone.
    return datapath_.steers_to_vf() || !synthetic_can_receive();
}

bool Channel::rx_via_vf() const
{
    return vf_can_receive() && wants_vf_rx();
}

bool Channel::vf_can_receive() const
{
    return card_.vf_present(paired_vf()) && card_.vf(paired_vf()).port_view().receiving;
}

void Channel::record_access_error(const SynthRegister &r)
{
    using B = SynthRegister::Block;
    switch (r.block) {
    case B::bad_access:
        fn_regs_.record_error(SRIOVNIC_ERR_BAD_ACCESS,
                              r.offset_in_bar ? std::optional<uint32_t>(r.offset) : std::nullopt);
        break;
    case B::outside:
        fn_regs_.record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
        break;
    case B::unmapped:
        fn_regs_.record_error(SRIOVNIC_ERR_UNMAPPED, r.offset);
        break;
    case B::common:
    case B::causes:
    case B::synth:
    case B::datapath:
    case B::ring:
        break; // a register: its owner answers
    }
}

uint64_t Channel::read(uint64_t offset, unsigned size)
{
    using B = SynthRegister::Block;
    const SynthRegister r = decode_synth_register(offset, size);
    uint64_t result = 0;
    switch (r.block) {
    case B::bad_access:
        result = all_ones(size);
        [[fallthrough]];
    case B::outside:
    case B::unmapped:
        record_access_error(r);
        break;
    case B::common:
        result = fn_regs_.read(r.fn(), r.element, link_up_);
        break;
    case B::causes:
        result = fn_regs_.read(r.cause());
        break;
    case B::synth:
        result = fn_regs_.read(r.synth(), r.element);
        break;
    case B::datapath:
        result = datapath_register();
        break;
    case B::ring:
        result = rings_[r.index].read(r.ring());
        break;
    }
    update_interrupts();
    return result;
}

void Channel::write(uint64_t offset, unsigned size, uint64_t value)
{
    using B = SynthRegister::Block;
    const SynthRegister r = decode_synth_register(offset, size);
    const auto v = uint32_t(value);
    Registers::Result result = Registers::Result::done;
    switch (r.block) {
    case B::bad_access:
    case B::outside:
    case B::unmapped:
        record_access_error(r);
        break;
    case B::common:
        result = registers_written(fn_regs_.write(r.fn(), v));
        break;
    case B::causes:
        result = registers_written(fn_regs_.write(r.cause(), v));
        break;
    case B::synth:
        result = registers_written(fn_regs_.write(r.synth(), v));
        break;
    case B::datapath:
        result = Registers::Result::read_only; // the guest switches through the control queue
        break;
    case B::ring: {
        const SplitRing::Outcome out = rings_[r.index].write(r.ring(), v);
        result = out.result;
        queue_written(r.index, out, r.offset);
        break;
    }
    }
    switch (result) {
    case Registers::Result::done: break;
    case Registers::Result::read_only: fn_regs_.record_error(SRIOVNIC_ERR_RO_WRITE, r.offset); break;
    case Registers::Result::bad_value: fn_regs_.record_error(SRIOVNIC_ERR_BAD_VALUE, r.offset); break;
    }
    update_interrupts();
}

Registers::Result Channel::registers_written(const Registers::Outcome &out)
{
    switch (out.then) {
    case Registers::Then::nothing:
        break;
    case Registers::Then::reset:
        reset();
        fn_regs_.raise_cause(SRIOVNIC_INT_RESET_DONE);
        break;
    case Registers::Then::enable_changed:
    case Registers::Then::filter_changed:
        switch_.port_changed(fn_);
        break;
    case Registers::Then::data_irq_unmasked:
        if (regs_.data_irq & SRIOVNIC_QIRQ_PENDING) {
            regs_.data_irq &= ~SRIOVNIC_QIRQ_PENDING;
            data_work_done();
        }
        break;
    }
    return out.result;
}

void Channel::queue_written(unsigned q, const SplitRing::Outcome &out, uint32_t offset)
{
    if (out.bad_queue) {
        fn_regs_.record_error(SRIOVNIC_ERR_BAD_QUEUE, offset);
    }
    switch (out.then) {
    case SplitRing::Then::nothing:
        break;
    case SplitRing::Then::enabled:
    case SplitRing::Then::disabled:
        if (q == SRIOVNIC_SYNTH_Q_RX) {
            switch_.port_changed(fn_);
        } else if (q == SRIOVNIC_SYNTH_Q_EVENT && out.then == SplitRing::Then::enabled) {
            replay_events();
        }
        break;
    case SplitRing::Then::notify:
        switch (q) {
        case SRIOVNIC_SYNTH_Q_RX:
            card_.rx_buffers_posted();
            break;
        case SRIOVNIC_SYNTH_Q_TX:
            net_.transmit();
            offer_on_resume(true);
            break;
        case SRIOVNIC_SYNTH_Q_CTRL:
            control_.process();
            offer_deferred(); // the guest's switch may have ended a revoke
            break;
        default:
            events_.deliver();
            break;
        }
        break;
    }
    if (q == SRIOVNIC_SYNTH_Q_RX && !rings_[q].enabled()) {
        switch_.port_changed(fn_); // a ring fault may have stopped it
    }
}

void Channel::replay_events()
{
    events_.drop_all();
    events_.raise(ev_link(link_up_));
    if (fn_regs_.has(SRIOVNIC_SYNTH_F_MTU)) {
        events_.raise(ev_mtu(host_.max_mtu));
    }
    events_.raise(ev_offload(host_.offloads & fn_regs_.features()));
    datapath_.replay();
}

void Channel::update_interrupts()
{
    if (std::optional<uint16_t> vector = fn_regs_.take_new_interrupt()) {
        if (!bus_.raise_msix(requester_, *vector)) {
            fn_regs_.count(SRIOVNIC_STAT_DMA_ERRORS);
            fn_regs_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
        }
    }
}

void Channel::data_work_done()
{
    if (fn_regs_.data_work_done() && !bus_.raise_msix(requester_, SRIOVNIC_SYNTH_VEC_DATA)) {
        fn_regs_.count(SRIOVNIC_STAT_DMA_ERRORS);
        fn_regs_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
    }
}

void Channel::reset()
{
    const bool was_enabled = fn_regs_.enabled();
    fn_regs_.reset();
    datapath_.function_reset();
    switch_.port_changed(fn_);
    if (was_enabled) {
        hooks_.notify([&](StateObserver &o) { o.on_function_enable(fn_, false); });
    }
}

// ---- the switch port ----

PortView Channel::view() const
{
    PortView p;
    p.mac = host_.mac;
    p.receiving = fn_regs_.enabled() && link_up_ && rings_[SRIOVNIC_SYNTH_Q_RX].enabled();
    p.promisc = regs_.rx_mode & SRIOVNIC_RX_MODE_PROMISC;
    p.allmulti = regs_.rx_mode & SRIOVNIC_RX_MODE_ALLMULTI;
    p.mc_hash = uint64_t(regs_.mc_hash_hi) << 32 | regs_.mc_hash_lo;
    p.wants_peer = wants_vf_rx();
    return p;
}

Delivery Channel::receive(std::span<const uint8_t> frame, const FrameInfo &info, bool hold_when_full)
{
    const Delivery d = net_.receive(frame, info, hold_when_full);
    update_interrupts();
    return d;
}

// ---- the data path ----

void Channel::state_changed(DpState from, DpState to, SriovnicSynthCause cause)
{
    switch_.port_changed(fn_);
    SriovnicSynthTransition t{};
    t.fn = fn_;
    t.vf = paired_vf();
    t.old_state = uint8_t(from);
    t.new_state = uint8_t(to);
    t.cause = uint8_t(cause);
    switch (cause) {
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_REQUEST:
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE:
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT:
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE:
        t.revoke_reason = datapath_.last_revoke_reason();
        break;
    default:
        break;
    }
    if (slot_ && to == DpState::synthetic && cause != SRIOVNIC_SYNTH_CAUSE_RESET &&
        !vf_vanishing_) {
        // The guest left the VF (or was not asked): now the VF leaves the
        // guest. Even after a surprise revoke the slot's release is asked
        // for (forced only after the bound): a removal the guest is told of
        // only afterwards leaves it an eject request it may act on later,
        // against the next VF plugged into the slot (design notes).
        unplug_after_revoke();
    }
    const std::optional<uint64_t> previous = datapath_.previous_switch_ns();
    t.has_previous = previous.has_value();
    if (previous) {
        t.since_previous_ns = datapath_.last_switch_ns().value_or(*previous) - *previous;
    }
    if (sink_) {
        sink_(t);
    }
}

void Channel::vf_presence_changed()
{
    const bool present = vf_present();
    if (present == vf_was_present_) {
        return;
    }
    vf_was_present_ = present;
    if (present) {
        offer_if_allowed();
    } else {
        vf_gone();
    }
    update_interrupts();
}

void Channel::vf_reset()
{
    // The VF vanished under the guest for a moment: what was offered is gone;
    // the VF that comes back is a new offer.
    if (state() != DpState::synthetic) {
        const bool revoking = state() == DpState::revoking;
        vf_gone();
        if (slot_ && revoking) {
            unplug_after_revoke(); // the host's revoke stands
        } else {
            offer_if_allowed();
        }
    }
    update_interrupts();
}

void Channel::unplug_after_revoke()
{
    slot_->unplug(unplug_timeout_ms_);
    unplug_timeout_ms_ = host_.revoke_timeout_ms;
    if (offer_after_revoke_) {
        // An offer came during the revoke: plugged again once unplugged.
        offer_after_revoke_ = false;
        slot_->plug(true);
    }
}

void Channel::vf_gone()
{
    // The VF went (or reset) by itself: a hot-plugged one stays where it is.
    vf_vanishing_ = true;
    datapath_.vf_gone();
    vf_vanishing_ = false;
}

void Channel::vf_plugged()
{
    if (!slot_ || !slot_->plugged()) {
        vf_presence_changed();
        update_interrupts();
        return;
    }
    // The offer that plugged it is due, if the host still allows it.
    vf_was_present_ = true;
    if (host_.vf_allowed() && migration_ == SRIOVNIC_SYNTH_MIGRATION_NONE &&
        state() == DpState::synthetic) {
        datapath_.offer();
    } else {
        slot_->unplug(host_.revoke_timeout_ms);
    }
    update_interrupts();
}

void Channel::vf_unplugged()
{
    if (slot_) {
        slot_->unplugged();
    }
    vf_presence_changed();
    if (slot_ && offer_after_revoke_ && state() == DpState::synthetic) {
        // Removed by others during a revoke an offer was queued behind.
        offer_after_revoke_ = false;
        slot_->plug(true);
    }
}

void Channel::hotplug_failed(SriovnicSynthHotplugOp op, const std::string &why)
{
    if (slot_) {
        slot_->op_failed(op, why);
    }
    update_interrupts();
}

void Channel::set_link(bool up)
{
    if (up == link_up_) {
        return;
    }
    link_up_ = up;
    switch_.port_changed(fn_);
    events_.raise(ev_link(up));
    update_interrupts();
}

SriovnicSynthInfo Channel::info() const
{
    SriovnicSynthInfo i{};
    i.state = uint8_t(state());
    i.vf_present = card_.vf_present(paired_vf());
    i.vf_up = vf_can_receive();
    i.rx_via_vf = rx_via_vf();
    i.sriov_allowed = host_.sriov_allowed;
    i.features_ok = fn_regs_.features_ok();
    i.paired_vf = paired_vf();
    i.offer_serial = regs_.dp_serial;
    i.drv_features = fn_regs_.features();
    i.max_mtu = host_.max_mtu;
    i.offloads = host_.offloads;
    i.last_revoke_reason = datapath_.last_revoke_reason();
    i.last_revoke_timed_out = datapath_.last_revoke_timed_out();
    i.last_switch_ns = datapath_.last_switch_ns().value_or(0);
    i.has_switched = datapath_.last_switch_ns().has_value();
    i.dev_features = host_.dev_features;
    i.last_revoke_surprise = datapath_.last_revoke_surprise();
    i.on_migration = uint8_t(on_migration_);
    i.migration = uint8_t(migration_);
    i.port_policies = host_.port_policies;
    i.guard_drops = regs_.guard_drops;
    if (slot_) {
        slot_->fill_info(i);
    }
    std::copy(std::begin(regs_.stats), std::end(regs_.stats), i.stats);
    std::copy(std::begin(regs_.synth_stats), std::end(regs_.synth_stats), i.synth_stats);
    return i;
}

SriovnicSynthReasons Channel::reasons() const
{
    return why_not_on_vf(info(), datapath_.revoke_reason());
}

} // namespace sriovnic::synth
