// SPDX-License-Identifier: GPL-2.0-or-later
// A synthetic channel (-device sriovnic-synth): one PCI function of its own,
// a port of the card's switch paired with one VF. It decodes each register
// access once and hands it to the part that owns it:
//   common and synthetic registers ..... Registers
//   queue q .............................. SplitRing (q)
//   TX / RX with the net header .......... NetPath
//   CTRL requests / EVENT messages ....... Control / EventQueue
//   SWITCH, offer, revoke ................ DataPath
// and carries out the host's operations (offer, revoke, policy, MTU,
// offloads: channel_host.cpp), the card's events (VF presence, links,
// resets) and live migration (channel_migration.cpp).
#pragma once

#include "card_bus.hpp"
#include "eswitch.hpp"
#include "function.hpp"
#include "platform.hpp"
#include "timers.hpp"
#include "synth/datapath.hpp"
#include "synth/messages.hpp"
#include "synth/net_path.hpp"
#include "synth/registers.hpp"
#include "synth/ring.hpp"
#include "synth/vf_slot.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>

namespace sriovnic::synth {

// What a channel needs from the card it is attached to.
class CardLink {
public:
    virtual Function &vf(uint16_t vf) = 0;
    virtual bool vf_present(uint16_t vf) const = 0;
    virtual uint32_t vf_serial(uint16_t vf) = 0;
    // Makes `mac` the VF's address, as the PF's administrative MAC does.
    virtual void program_vf_mac(uint16_t vf, const MacAddr &mac) = 0;
    // RX buffers were posted: frames the backend holds may be retried.
    virtual void rx_buffers_posted() = 0;
protected:
    ~CardLink() = default;
};

// Where a channel reports the changes of its data path: the channel's own
// device (management events), given when it attaches.
using TransitionSink = std::function<void(const SriovnicSynthTransition &)>;

class Channel final : public SwitchPort,
                      public TimerService::Client,
                      private NetPath::Owner,
                      private DataPath::Actions,
                      private VfSlot::Clock {
public:
    // `cfg` must have passed check_config().
    Channel(uint16_t fn, const SriovnicSynthConfig &cfg, uint16_t total_vfs, CardLink &card,
            CardBus &bus, Switch &eswitch, TimerService &timers, StateHooks &hooks,
            Platform &platform, TransitionSink sink);
    Channel(const Channel &) = delete;
    Channel &operator=(const Channel &) = delete;

    static std::optional<std::string> check_config(const SriovnicSynthConfig &cfg,
                                                   uint16_t total_vfs);

    uint16_t fn() const { return fn_; }
    void detach_sink() { sink_ = nullptr; }
    uint16_t paired_vf() const { return datapath_.paired_vf(); }
    DpState state() const { return datapath_.state(); }

    // Register accesses of any size (the card holds CardBus::Work).
    uint64_t read(uint64_t offset, unsigned size);
    void write(uint64_t offset, unsigned size, uint64_t value);
    // Power-on reset or FLR.
    void reset();

    // Host operations (channel_host.cpp): nullopt when done, else why not,
    // in the words management shows.
    std::optional<std::string> offer();
    std::optional<std::string> revoke(const SriovnicSynthRevoke &request);
    // One transaction: all checked first, then applied in order.
    std::optional<std::string> set_policy(const SriovnicSynthPolicy &policy);
    SriovnicSynthInfo info() const;
    // Why the paired VF does not carry the channel's traffic now (synth/reasons.hpp).
    SriovnicSynthReasons reasons() const;

    // The card's events.
    // VF Enable changed (acts only when the paired VF came or went).
    void vf_presence_changed();
    void vf_reset(); // FLR or reset of the paired VF
    void set_link(bool up);
    // A host-owned card's paired VF came into the guest (its function is
    // ready) or left it; for a hot-plug-paired channel, its slot's progress.
    void vf_plugged();
    void vf_unplugged();

    // A hot-plug-paired channel's slot, as the glue drives it.
    void set_hotplug_handler(VfSlot::OpWanted wanted)
    {
        if (slot_) {
            slot_->set_op_wanted(std::move(wanted));
        }
    }
    SriovnicSynthHotplugOp take_hotplug_op()
    {
        return slot_ ? slot_->take_op() : SRIOVNIC_SYNTH_HOTPLUG_NONE;
    }
    void hotplug_failed(SriovnicSynthHotplugOp op, const std::string &why);
    void pf_administration_cleared() { card_.program_vf_mac(paired_vf(), host_.mac); }
    const MacAddr &mac() const { return host_.mac; }

    SriovnicSynthRegs &regs() { return regs_; }

    // Live migration (sriovnic_core_synth_migration_begin() and the rest).
    void migration_begin(bool vm_running);
    bool migration_end(bool completed);
    // Until the guest left the VF and, for a hot-plug-paired channel, the
    // VF's device is gone (the migration stream must not carry it).
    bool holds_migration() const
    {
        return migration_ == SRIOVNIC_SYNTH_MIGRATION_OUTGOING &&
               (state() == DpState::revoking || (slot_ && slot_->unplug_in_progress()));
    }
    void incoming_migration() { migration_ = SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN; }
    bool vm_running(bool running);
    void pre_save();
    std::optional<std::string> post_load();

    // SwitchPort
    PortView view() const override;
    Delivery receive(std::span<const uint8_t> frame, const FrameInfo &info,
                     bool hold_when_full) override;
    void vlan_filtered() override {}

    // TimerService::Client
    void on_timer() override
    {
        datapath_.on_timer();
        if (slot_) {
            slot_->on_timer();
        }
        if (!offer_on_resume(false)) {
            offer_deferred();
        }
        update_interrupts();
    }

private:
    // NetPath::Owner
    bool link_up() const override { return link_up_; }
    void data_work_done() override;
    // DataPath::Actions
    bool vf_present() const override { return card_.vf_present(paired_vf()); }
    bool vf_can_receive() const override;
    uint32_t vf_serial() override { return card_.vf_serial(paired_vf()); }
    void program_vf_mac() override { card_.program_vf_mac(paired_vf(), host_.mac); }
    void send_event(const Message &m) override { events_.raise(m); }
    bool cancel_event(uint16_t type) override { return events_.cancel(type); }
    void arm_timer(uint64_t deadline_ns) override { timers_.arm(*this, deadline_ns); }
    uint64_t now_ns() override { return platform_.now_ns(); }
    void state_changed(DpState from, DpState to, SriovnicSynthCause cause) override;

    uint32_t datapath_register() const;
    bool synthetic_can_receive() const;
    bool wants_vf_rx() const;
    bool rx_via_vf() const;
    // A bad access, or one where no register is: latched as today's hardware does.
    void record_access_error(const SynthRegister &r);
    // What a write to the register file sets in motion; returns its result.
    Registers::Result registers_written(const Registers::Outcome &out);
    void queue_written(unsigned q, const SplitRing::Outcome &out, uint32_t offset);
    void replay_events();
    void update_interrupts();
    // Offers the VF if the policy allows and it is present; true if it did.
    // A migration defers the offer to its end.
    bool offer_if_allowed();
    // The offer a migration deferred, once it is over and nothing is offered.
    bool offer_deferred();
    // After the VM resumed from a migration: the deferred offer, once the
    // guest transmitted or the wait is over; true if it offered.
    bool offer_on_resume(bool guest_transmitted);
    // The paired VF vanished or was reset: what was offered is revoked.
    void vf_gone();
    // A revoke of a hot-plug-paired channel is over: the VF leaves the
    // guest (and comes back if an offer was queued behind the revoke).
    void unplug_after_revoke();
    // Revokes what the policy no longer allows (reason POLICY).
    void enforce_policy();
    std::optional<std::string> validate_loaded_datapath(uint32_t reason, uint32_t left_ms) const;
    static std::optional<std::string> check_policy(const SriovnicSynthPolicy &policy);

    uint16_t fn_;
    CardLink &card_;
    CardBus &bus_;
    Switch &switch_;
    TimerService &timers_;
    StateHooks &hooks_;
    Platform &platform_;
    TransitionSink sink_;
    HostSettings host_;
    SriovnicSynthRegs regs_{};
    CardBus::Requester requester_;
    Registers fn_regs_;
    std::array<SplitRing, SRIOVNIC_SYNTH_NUM_QUEUES> rings_;
    NetPath net_;
    EventQueue events_;
    DataPath datapath_;
    Control control_;
    bool link_up_ = true;
    bool vf_was_present_ = false;
    SriovnicSynthOnMigration on_migration_;
    SriovnicSynthMigrationPhase migration_ = SRIOVNIC_SYNTH_MIGRATION_NONE;
    uint64_t resume_offer_deadline_ns_ = 0; // while migration_ is RESUMING
    bool offer_after_migration_ = false;
    // A hot-plug-paired channel's VF slot (cfg.vf_hotplug), and how long
    // the guest has to release it once it left the VF.
    std::optional<VfSlot> slot_;
    bool vf_vanishing_ = false; // inside vf_gone(): no unplug follows
    bool offer_after_revoke_ = false; // an offer queued behind a revoke in progress
    uint32_t unplug_timeout_ms_ = 0;
};

} // namespace sriovnic::synth
