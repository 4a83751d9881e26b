// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "card.hpp"
#include "card_bus.hpp"
#include "eswitch.hpp"
#include "fault_injector.hpp"
#include "function.hpp"
#include "host_pf_agent.hpp"
#include "interrupts.hpp"
#include "mailbox.hpp"
#include "pf_admin.hpp"
#include "platform.hpp"
#include "regmap.hpp"
#include "rx_engine.hpp"
#include "sriovnic-core.h"
#include "synth/channel.hpp"
#include "timers.hpp"
#include "tx_engine.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace sriovnic {

// One sriovnic card: the PF and all TotalVFs VFs, and what connects them.
// The card's façade: every request from outside (register access, frame
// from the backend, timer, reset, management's operations and queries,
// migration) enters through one of its methods, as the card's work
// (CardBus::Work), and nothing outside the core reaches the parts behind
// it. The card decodes each request once and hands it to the part that
// owns it:
//   registers of a function ........ Function (common), queues:: (queue pairs)
//   the PF's control of its VFs ..... PfAdmin, Mailbox
//   a host-owned card's PF driver ... HostPfAgent
//   transmit / receive .............. TxEngine / RxEngine, through the Switch
//   interrupts and ring faults ...... Interrupts
//   DMA, MSI-X, re-entrancy guard ... CardBus
//   timers .......................... TimerService
//   synthetic channels .............. synth::Channel
//   host-injected faults ............ FaultInjector
// Its own definitions are split by concern: device.cpp (construction, links,
// resets, uplink, migration, the card as faults act on it),
// device_registers.cpp, device_synth.cpp, device_host.cpp (management's
// operations and snapshots).
class Device final : private Card, private synth::CardLink, private FaultTarget {
public:
    static std::optional<std::string> check_config(const SriovnicCoreConfig &cfg);

    // The configuration must have passed check_config().
    Device(const SriovnicCoreConfig &cfg, Platform &platform);
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;

    uint64_t read(uint16_t fn, uint64_t offset, unsigned size);
    void write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value);

    void reset_function(uint16_t fn);
    void set_active_vfs(uint16_t active_vfs);

    // The guest is setting VF Enable with NumVFs = `num_vfs`. Returns whether
    // the card accepts it; a refusal is flagged and counted on the PF.
    bool request_vf_enable(uint16_t num_vfs);
    // A config-space write is about to reach one of the card's functions;
    // false if it is the card's own access coming back (see CardBus).
    bool config_write_allowed();

    // A frame from the backend: true if taken (delivered or dropped), false
    // if it must wait (Platform::uplink_ready follows).
    bool uplink_receive(std::span<const uint8_t> frame);
    void set_uplink_link(bool up);
    // Sends a self-announcement (RARP) for every address the card receives
    // for besides the PF's own, which QEMU announces; returns how many.
    unsigned announce();
    void on_timer();

    uint16_t total_vfs() const { return total_vfs_; }
    uint16_t active_vfs() const { return active_vfs_; }

    // MSI-X vectors of function `fn` (PF, VF or channel); 0 if there is none.
    uint16_t msix_vectors(uint16_t fn) const;

    // Attaches a synthetic channel (before traffic) that reports its data
    // path's changes to `sink`: its function number, or 0 and why not.
    uint16_t attach_synth(const SriovnicSynthConfig &cfg, synth::TransitionSink sink,
                          std::string &error);
    // The channel's sink is not called again (its device went away).
    void synth_detach_sink(uint16_t fn);

    // Management's operations (device_host.cpp): nullopt when done, else
    // why not, in the words management shows.
    std::optional<std::string> synth_offer(uint16_t fn);
    std::optional<std::string> synth_revoke(uint16_t fn, const SriovnicSynthRevoke &request);
    std::optional<std::string> synth_set_policy(uint16_t fn, const SriovnicSynthPolicy &policy);
    // A hot-plug-paired channel's slot operations (synth/vf_slot.hpp).
    void synth_set_hotplug_handler(uint16_t fn, synth::VfSlot::OpWanted wanted);
    SriovnicSynthHotplugOp synth_take_hotplug_op(uint16_t fn);
    void synth_hotplug_failed(uint16_t fn, SriovnicSynthHotplugOp op, const std::string &why);
    std::optional<std::string> inject_fault(const SriovnicFaultRequest &request);
    // The host's administration of a host-owned card's VF.
    std::optional<std::string> host_set_vf(uint32_t index, const SriovnicVfSettings &s);
    std::optional<std::string> host_set_vf_mtu_limit(uint16_t vf, uint32_t mtu);
    std::optional<std::string> host_notify_vf_reset(uint16_t vf);
    bool host_owned() const { return agent_.has_value(); }
    // Management's snapshots; nullopt if `fn` names no such function.
    std::optional<SriovnicFnInfo> fn_info(uint16_t fn);
    std::optional<SriovnicSynthInfo> synth_info(uint16_t fn);
    std::optional<SriovnicSynthReasons> synth_reasons(uint16_t fn);

    // The host-owned topology (device_host.cpp): VF `vf` enters the guest as
    // a standalone PCI function of its own, or leaves it. Plugging refuses a
    // VF the card does not have or one already plugged; unplugging resets
    // the VF, so that nothing it had started reaches the guest afterwards.
    // A plugged VF becomes present to its paired channel once its function
    // is ready (standalone_vf_ready: the glue's device is in place).
    std::optional<std::string> plug_standalone_vf(uint32_t vf);
    void standalone_vf_ready(uint16_t vf);
    void unplug_standalone_vf(uint16_t vf);
    bool standalone_vf_plugged(uint16_t vf) const
    {
        return vf < standalone_plugged_.size() && standalone_plugged_[vf] != Standalone::none;
    }

    // Live migration of channel `fn`, as the glue's notifier and run-state
    // handler report it (sriovnic_core_synth_migration_begin() and the rest);
    // nothing happens, and false, for a function that is no channel.
    void synth_migration_begin(uint16_t fn, bool vm_running);
    bool synth_migration_end(uint16_t fn, bool completed);
    bool synth_holds_migration(uint16_t fn);
    void synth_incoming(uint16_t fn);
    bool synth_vm_running(uint16_t fn, bool running);
    void synth_pre_save(uint16_t fn);

    // The migrated registers, plain structs that VMState describes field by
    // field (QEMU's pl011 model); post_load() checks them after a load.
    // nullptr for a function, VF or channel that does not exist.
    SriovnicFnRegs *fn_regs(uint16_t fn);
    SriovnicVfAdminRegs *vf_admin_regs(uint16_t vf);
    SriovnicMailboxRegs *vf_mailbox_regs(uint16_t vf);
    // nullptr also when the card has no host PF agent.
    SriovnicVfHostRegs *vf_host_regs(uint16_t vf);
    SriovnicPfAdminRegs &pf_admin_regs() { return admin_.regs(); }
    SriovnicSynthRegs *synth_regs(uint16_t fn);
    bool link_flapping(uint16_t vf) const { return faults_.link_held_down(vf); }
    bool vf_removed(uint16_t vf) const { return faults_.removed(vf); }
    bool mailbox_timeout(uint16_t vf) const { return faults_.mailbox_held(vf); }
    bool dma_faulting(uint16_t vf) const { return faults_.dma_faulting(vf); }
    void subscribe(StateObserver &observer) { hooks_.subscribe(observer); }

    // After migration of function `fn`'s state (for a VF: with its
    // administration and mailbox).
    std::optional<std::string> post_load(uint16_t fn);

private:
    // nullptr if `fn` names no function of this card.
    Function *function(uint16_t fn) { return fn < functions_.size() ? &functions_[fn] : nullptr; }
    // nullptr if `fn` names no synthetic channel of this card.
    synth::Channel *channel(uint16_t fn)
    {
        if (!sriovnic_fn_is_channel(fn, total_vfs_)) {
            return nullptr;
        }
        const uint32_t i = sriovnic_channel_of_fn(fn, total_vfs_);
        return i < channels_.size() ? channels_[i].get() : nullptr;
    }
    // Runs `op` on channel `fn` as the card's work; `none` if it is no channel.
    template <typename Op, typename R = std::invoke_result_t<Op, synth::Channel &>>
    R on_channel(uint16_t fn, R none, Op &&op)
    {
        synth::Channel *c = channel(fn);
        if (!c) {
            return none;
        }
        CardBus::Work work(bus_);
        return op(*c);
    }

    // Card
    Function &pf() override { return functions_.front(); }
    Function &vf(uint16_t vf) override { return functions_[sriovnic_fn_of_vf(vf)]; }
    StateHooks &hooks() override { return hooks_; }
    void interrupts_changed(Function &f) override { irqs_.update(f); }
    void administration_changed(Function &vf) override;
    void rate_changed(Function &vf) override { tx_.rate_changed(vf); }

    // synth::CardLink
    bool vf_present(uint16_t n) const override
    {
        // A host-owned card's VF exists for the guest only while plugged.
        return functions_[sriovnic_fn_of_vf(n)].present() &&
               (!host_owned() ||
                (n < standalone_plugged_.size() && standalone_plugged_[n] == Standalone::ready));
    }
    uint32_t vf_serial(uint16_t n) override { return platform_.vf_serial(n); }
    void program_vf_mac(uint16_t n, const MacAddr &mac) override;
    void rx_buffers_posted() override;
    synth::Channel *channel_of_vf(uint16_t n);
    uint64_t channel_read(synth::Channel &c, uint64_t offset, unsigned size);
    void channel_write(synth::Channel &c, uint64_t offset, unsigned size, uint64_t value);

    RegLayout layout(const Function &f) const
    {
        return {f.is_vf(), f.regs_size(), f.queue_pairs(), total_vfs()};
    }
    std::optional<uint32_t> read_target(Function &f, const RegTarget &t);
    Function::WriteResult write_target(Function &f, const RegTarget &t, uint32_t value);
    Function::WriteResult write_queue(Function &f, const RegTarget &t, uint32_t value);
    void update_links();

    // FaultTarget
    uint16_t vfs_enabled() const override { return active_vfs_; }
    void vf_removal_changed(uint16_t vf) override;
    void vf_links_changed() override { update_links(); }
    void hold_mailbox(uint16_t vf, bool held) override;
    Function::Runtime::DmaFault &dma_fault(uint16_t n) override { return vf(n).runtime().dma_fault; }
    // Resets a VF's registers and what it owns outside them (rate-limit
    // bucket, held interrupts, mailbox).
    void reset_vf_state(Function &vf);
    void update_presence();

    // The uplink as the switch's destination.
    class UplinkPort final : public SwitchPort, public UplinkWaiter {
    public:
        explicit UplinkPort(Device &device) : device_(device) {}
        void uplink_may_retry() override { device_.bus_.uplink_may_retry(); }
        PortView view() const override { return {}; }
        Delivery receive(std::span<const uint8_t> frame, const FrameInfo &info,
                         bool hold_when_full) override;
        void vlan_filtered() override {}

    private:
        Device &device_;
    };

    const uint16_t total_vfs_;
    Platform &platform_;
    StateHooks hooks_;
    TimerService timers_;
    CardBus bus_;
    Switch switch_;
    PfAdmin admin_;
    Mailbox mailbox_;
    std::optional<HostPfAgent> agent_; // a host-owned card's
    std::vector<Function> functions_; // by function number: the PF, then the VFs
    Interrupts irqs_;
    RxEngine rx_;
    TxEngine tx_;
    std::vector<FunctionPort> function_ports_;
    UplinkPort uplink_port_;
    FaultInjector faults_;
    std::vector<std::unique_ptr<synth::Channel>> channels_; // sriovnic_fn_of_channel(i)
    uint16_t active_vfs_ = 0;
    bool uplink_up_ = true;
    enum class Standalone : uint8_t { none, plugged, ready };
    std::vector<Standalone> standalone_plugged_; // by VF index
};

} // namespace sriovnic
