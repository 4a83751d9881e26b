// SPDX-License-Identifier: GPL-2.0-or-later
// Device: what management and migration ask of the card. Each operation
// runs as the card's work and reaches the part behind the façade that owns
// it; each snapshot is built here or by that part, never by the glue.
#include "device.hpp"
#include "mac_regs.hpp"

namespace sriovnic {

namespace {

std::optional<std::string> no_channel(uint16_t fn)
{
    return "function " + std::to_string(fn) + " is not a synthetic channel";
}

} // namespace

uint16_t Device::msix_vectors(uint16_t fn) const
{
    if (fn < functions_.size()) {
        return functions_[fn].msix_vectors();
    }
    return sriovnic_fn_is_channel(fn, total_vfs_) &&
                   sriovnic_channel_of_fn(fn, total_vfs_) < channels_.size()
               ? SRIOVNIC_SYNTH_MSIX_VECTORS
               : 0;
}

void Device::synth_detach_sink(uint16_t fn)
{
    on_channel(fn, false, [](synth::Channel &c) {
        c.detach_sink();
        return true;
    });
}

std::optional<std::string> Device::synth_offer(uint16_t fn)
{
    return on_channel(fn, no_channel(fn), [](synth::Channel &c) { return c.offer(); });
}

std::optional<std::string> Device::synth_revoke(uint16_t fn, const SriovnicSynthRevoke &request)
{
    return on_channel(fn, no_channel(fn), [&](synth::Channel &c) { return c.revoke(request); });
}

std::optional<std::string> Device::synth_set_policy(uint16_t fn, const SriovnicSynthPolicy &policy)
{
    return on_channel(fn, no_channel(fn), [&](synth::Channel &c) { return c.set_policy(policy); });
}

std::optional<std::string> Device::inject_fault(const SriovnicFaultRequest &request)
{
    CardBus::Work work(bus_);
    return faults_.inject(request);
}

std::optional<std::string> Device::plug_standalone_vf(uint32_t vf)
{
    if (vf >= total_vfs_) {
        if (total_vfs_ == 0) {
            return "property 'vf': the card has no VFs (its 'vfs' is 0)";
        }
        return "property 'vf' must be between 0 and " + std::to_string(total_vfs_ - 1) +
               " (got " + std::to_string(vf) + ")";
    }
    standalone_plugged_.resize(total_vfs_);
    if (standalone_plugged_[vf] != Standalone::none) {
        return "property 'vf': VF " + std::to_string(vf) +
               " is already plugged into the guest (a VF can be plugged once)";
    }
    standalone_plugged_[vf] = Standalone::plugged;
    return std::nullopt;
}

void Device::standalone_vf_ready(uint16_t vf)
{
    if (!standalone_vf_plugged(vf) || standalone_plugged_[vf] == Standalone::ready) {
        return;
    }
    standalone_plugged_[vf] = Standalone::ready;
    if (synth::Channel *c = channel_of_vf(vf)) {
        CardBus::Work work(bus_);
        c->vf_plugged();
    }
}

void Device::unplug_standalone_vf(uint16_t vf)
{
    if (!standalone_vf_plugged(vf)) {
        return;
    }
    standalone_plugged_[vf] = Standalone::none;
    // The channel first (its slot learns the VF is gone, and an offer
    // standing is revoked), then the VF's reset.
    if (synth::Channel *c = channel_of_vf(vf)) {
        CardBus::Work work(bus_);
        c->vf_unplugged();
    }
    reset_function(sriovnic_fn_of_vf(vf));
}

void Device::synth_set_hotplug_handler(uint16_t fn, synth::VfSlot::OpWanted wanted)
{
    on_channel(fn, false, [&](synth::Channel &c) {
        c.set_hotplug_handler(std::move(wanted));
        return true;
    });
}

SriovnicSynthHotplugOp Device::synth_take_hotplug_op(uint16_t fn)
{
    return on_channel(fn, SRIOVNIC_SYNTH_HOTPLUG_NONE,
                      [](synth::Channel &c) { return c.take_hotplug_op(); });
}

void Device::synth_hotplug_failed(uint16_t fn, SriovnicSynthHotplugOp op, const std::string &why)
{
    on_channel(fn, false, [&](synth::Channel &c) {
        c.hotplug_failed(op, why);
        return true;
    });
}

std::optional<SriovnicFnInfo> Device::fn_info(uint16_t fn)
{
    Function *f = function(fn);
    if (!f) {
        return std::nullopt;
    }
    CardBus::Work work(bus_);
    SriovnicFnInfo i = f->info();
    if (f->is_vf()) {
        const uint16_t n = f->vf_number();
        i.link_flapping = link_flapping(n);
        i.surprise_removed = vf_removed(n);
        i.mailbox_timeout = mailbox_timeout(n);
        if (agent_) {
            i.has_mtu_limit = true;
            i.mtu_limit = agent_->regs(n).mtu_limit;
        }
        i.dma_error = dma_faulting(n);
    }
    return i;
}

std::optional<SriovnicSynthInfo> Device::synth_info(uint16_t fn)
{
    return on_channel(fn, std::optional<SriovnicSynthInfo>{},
                      [](synth::Channel &c) { return std::optional(c.info()); });
}

std::optional<SriovnicSynthReasons> Device::synth_reasons(uint16_t fn)
{
    return on_channel(fn, std::optional<SriovnicSynthReasons>{},
                      [](synth::Channel &c) { return std::optional(c.reasons()); });
}

void Device::synth_migration_begin(uint16_t fn, bool vm_running)
{
    on_channel(fn, false, [&](synth::Channel &c) {
        c.migration_begin(vm_running);
        return true;
    });
}

bool Device::synth_migration_end(uint16_t fn, bool completed)
{
    return on_channel(fn, false, [&](synth::Channel &c) { return c.migration_end(completed); });
}

bool Device::synth_holds_migration(uint16_t fn)
{
    return on_channel(fn, false, [](synth::Channel &c) { return c.holds_migration(); });
}

void Device::synth_incoming(uint16_t fn)
{
    on_channel(fn, false, [](synth::Channel &c) {
        c.incoming_migration();
        return true;
    });
}

bool Device::synth_vm_running(uint16_t fn, bool running)
{
    return on_channel(fn, false, [&](synth::Channel &c) { return c.vm_running(running); });
}

void Device::synth_pre_save(uint16_t fn)
{
    on_channel(fn, false, [](synth::Channel &c) {
        c.pre_save();
        return true;
    });
}

SriovnicFnRegs *Device::fn_regs(uint16_t fn)
{
    Function *f = function(fn);
    return f ? &f->regs() : nullptr;
}

SriovnicVfAdminRegs *Device::vf_admin_regs(uint16_t vf)
{
    return vf < total_vfs() ? &admin_.vf(vf) : nullptr;
}

SriovnicMailboxRegs *Device::vf_mailbox_regs(uint16_t vf)
{
    return vf < total_vfs() ? &mailbox_.regs(vf) : nullptr;
}

SriovnicVfHostRegs *Device::vf_host_regs(uint16_t vf)
{
    return agent_ && vf < total_vfs() ? &agent_->regs(vf) : nullptr;
}

std::optional<std::string> Device::host_set_vf(uint32_t index, const SriovnicVfSettings &s)
{
    if (!agent_) {
        return "the card's PF is the guest's: its PF driver administers the VFs "
               "(ip link set <pf> vf N ...)";
    }
    if (index >= total_vfs()) {
        return "'vf' " + std::to_string(index) + " is out of range: the card has " +
               std::to_string(total_vfs()) + " VFs (0.." + std::to_string(sriovnic_last_vf(total_vfs())) +
               ")";
    }
    const uint16_t vf = uint16_t(index);
    const SriovnicVfAdminRegs &a = admin_.vf(vf);
    const MacAddr mac = [&] {
        MacAddr m;
        std::copy(std::begin(s.mac), std::end(s.mac), m.begin());
        return m;
    }();
    if (s.has_mac && (mac[0] & 1)) {
        return "'mac' must be a unicast address (the first octet's lowest bit clear)";
    }
    if (s.has_mac && this->vf(vf).mac_pinned() &&
        (mac_regs::lo(mac) != a.mac_lo || mac_regs::hi(mac) != a.mac_hi)) {
        return "'mac': VF " + std::to_string(vf) +
               "'s MAC is its synthetic channel's (set it on the sriovnic-synth device)";
    }
    if (s.has_mac && (mac_regs::lo(mac) || mac_regs::hi(mac))) {
        // Two VFs with one MAC would make the switch's forwarding by
        // destination MAC ambiguous.
        for (uint16_t other = 0; other < total_vfs(); other++) {
            const SriovnicVfAdminRegs &o = admin_.vf(other);
            if (other != vf && o.mac_lo == mac_regs::lo(mac) && o.mac_hi == mac_regs::hi(mac)) {
                return "'mac' is VF " + std::to_string(other) + "'s already (each VF of a card "
                       "needs a MAC of its own)";
            }
        }
    }
    if (s.has_vlan && s.vlan > 4094) {
        return "'vlan' must be 0..4094 (0: no port VLAN)";
    }
    if (s.has_qos && s.qos > 7) {
        return "'qos' must be 0..7";
    }
    const uint32_t vid = s.has_vlan ? s.vlan : a.vlan & 0xFFF;
    const uint32_t qos = s.has_qos ? s.qos : s.has_vlan ? 0 : (a.vlan >> 12) & 7;
    if (qos && !vid) {
        return "'qos' needs a port VLAN ('vlan' 1..4094)";
    }
    if (s.has_link_state && s.link_state > SRIOVNIC_VFA_LINK_DISABLE) {
        return "'link-state' must be auto, enable or disable";
    }
    if (s.has_max_tx_rate && s.max_tx_rate > SRIOVNIC_RATE_MAX_MBPS) {
        return "'max-tx-rate' must be 0.." + std::to_string(SRIOVNIC_RATE_MAX_MBPS) +
               " Mbit/s (0: unlimited)";
    }
    if (s.has_mtu_limit && !sriovnic_mbx_mtu_in_range(s.mtu_limit)) {
        return "'mtu-limit' must be " + std::to_string(SRIOVNIC_MTU_MIN) + ".." +
               std::to_string(SRIOVNIC_MTU_MAX);
    }

    CardBus::Work work(bus_);
    const bool new_mac = s.has_mac && (mac_regs::lo(mac) != a.mac_lo || mac_regs::hi(mac) != a.mac_hi);
    if (new_mac) {
        (void)admin_.set_mac(vf, mac_regs::lo(mac), mac_regs::hi(mac));
    }
    if (s.has_vlan || s.has_qos) {
        (void)admin_.set_port_vlan(vf, vid | qos << 12);
    }
    uint32_t flags = a.flags;
    if (s.has_spoofchk) {
        flags = s.spoofchk ? flags | SRIOVNIC_VFA_FLAG_SPOOFCHK : flags & ~SRIOVNIC_VFA_FLAG_SPOOFCHK;
    }
    if (s.has_trust) {
        flags = s.trust ? flags | SRIOVNIC_VFA_FLAG_TRUST : flags & ~SRIOVNIC_VFA_FLAG_TRUST;
    }
    if (s.has_link_state) {
        flags = (flags & ~SRIOVNIC_VFA_LINK_MASK) | uint32_t(s.link_state) << SRIOVNIC_VFA_LINK_SHIFT;
    }
    if (flags != a.flags) {
        (void)admin_.set_flags(vf, flags);
    }
    if (s.has_max_tx_rate) {
        (void)admin_.set_rate(vf, s.max_tx_rate);
    }
    if (s.has_mtu_limit) {
        (void)agent_->set_mtu_limit(vf, s.mtu_limit);
    }
    if (new_mac && this->vf(vf).enabled()) {
        mailbox_.notify_reset(vf); // its running driver takes the new MAC with HELLO
    }
    return std::nullopt;
}

std::optional<std::string> Device::host_set_vf_mtu_limit(uint16_t vf, uint32_t mtu)
{
    if (!agent_) {
        return "the card's PF is the guest's: its PF driver sets the VFs' MTU limit";
    }
    if (vf >= total_vfs()) {
        return "'vf' " + std::to_string(vf) + " is out of range: the card has " +
               std::to_string(total_vfs()) + " VFs (0.." + std::to_string(sriovnic_last_vf(total_vfs())) +
               ")";
    }
    CardBus::Work work(bus_);
    if (!agent_->set_mtu_limit(vf, mtu)) {
        return "'mtu-limit' must be " + std::to_string(SRIOVNIC_MTU_MIN) + ".." +
               std::to_string(SRIOVNIC_MTU_MAX);
    }
    return std::nullopt;
}

std::optional<std::string> Device::host_notify_vf_reset(uint16_t vf)
{
    if (!agent_) {
        return "the card's PF is the guest's: only its PF driver sends notices";
    }
    if (vf >= total_vfs()) {
        return "'vf' " + std::to_string(vf) + " is out of range: the card has " +
               std::to_string(total_vfs()) + " VFs (0.." + std::to_string(sriovnic_last_vf(total_vfs())) +
               ")";
    }
    CardBus::Work work(bus_);
    mailbox_.notify_reset(vf);
    return std::nullopt;
}

SriovnicSynthRegs *Device::synth_regs(uint16_t fn)
{
    synth::Channel *c = channel(fn);
    return c ? &c->regs() : nullptr;
}

} // namespace sriovnic
