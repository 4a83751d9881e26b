// SPDX-License-Identifier: GPL-2.0-or-later
// The extern "C" face of the core, for QEMU's C glue.
#include "device.hpp"
#include "sriovnic-core.h"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace {

class CallbackPlatform final : public sriovnic::Platform, public sriovnic::StateObserver {
public:
    CallbackPlatform(const SriovnicPlatformOps &ops, void *opaque) : ops_(ops), opaque_(opaque) {}
    void raise_msix(uint16_t fn, uint16_t vector) override { ops_.raise_msix(opaque_, fn, vector); }
    void set_intx(bool asserted) override { ops_.set_intx(opaque_, asserted); }
    bool dma_read(uint16_t fn, uint64_t addr, std::span<uint8_t> buf) override
    {
        return ops_.dma_read(opaque_, fn, addr, buf.data(), buf.size());
    }
    bool dma_write(uint16_t fn, uint64_t addr, std::span<const uint8_t> buf) override
    {
        return ops_.dma_write(opaque_, fn, addr, buf.data(), buf.size());
    }
    void send_uplink(std::span<const uint8_t> frame) override
    {
        ops_.send_uplink(opaque_, frame.data(), frame.size());
    }
    void uplink_ready() override { ops_.uplink_ready(opaque_); }
    uint64_t now_ns() override { return ops_.now_ns(opaque_); }
    void arm_timer(uint64_t deadline_ns) override { ops_.arm_timer(opaque_, deadline_ns); }
    void on_guest_error(uint16_t fn, uint32_t err_bits, std::optional<uint32_t> offset) override
    {
        if (ops_.trace_error) {
            ops_.trace_error(opaque_, fn, err_bits, offset.value_or(SRIOVNIC_TRACE_NO_OFFSET));
        }
    }
    void on_function_enable(uint16_t fn, bool enabled) override
    {
        if (ops_.trace_function_enable) {
            ops_.trace_function_enable(opaque_, fn, enabled);
        }
    }
    void on_queue(uint16_t fn, unsigned q, bool tx, bool enabled) override
    {
        if (ops_.trace_queue) {
            ops_.trace_queue(opaque_, fn, q, tx, enabled);
        }
    }
    void on_link(uint16_t fn, bool up) override
    {
        if (ops_.trace_link) {
            ops_.trace_link(opaque_, fn, up);
        }
    }
    void on_vf_setting(uint16_t vf, uint32_t offset, uint32_t value) override
    {
        if (ops_.trace_vf_setting) {
            ops_.trace_vf_setting(opaque_, vf, offset, value);
        }
    }
    void on_mailbox(uint16_t vf, bool to_pf, uint32_t word0) override
    {
        if (ops_.trace_mailbox) {
            ops_.trace_mailbox(opaque_, vf, to_pf, word0);
        }
    }
    void on_synth_datapath(uint16_t fn, unsigned old_state, unsigned new_state,
                           unsigned cause) override
    {
        if (ops_.trace_synth_datapath) {
            ops_.trace_synth_datapath(opaque_, fn, old_state, new_state, cause);
        }
    }
    void on_synth_transition(const SriovnicSynthTransition &t) override
    {
        if (ops_.synth_datapath_changed) {
            ops_.synth_datapath_changed(opaque_, &t);
        }
    }
    void on_fault(uint16_t vf, unsigned fault, bool active) override
    {
        if (ops_.trace_fault) {
            ops_.trace_fault(opaque_, vf, fault, active);
        }
    }
    uint32_t vf_serial(uint16_t vf) override
    {
        return ops_.vf_serial ? ops_.vf_serial(opaque_, vf) : Platform::vf_serial(vf);
    }

private:
    SriovnicPlatformOps ops_;
    void *opaque_;
};

void copy_message(const std::string &message, char *err, size_t err_len)
{
    if (err && err_len) {
        std::snprintf(err, err_len, "%s", message.c_str());
    }
}

// A host operation's outcome as the C API reports it.
bool report(const std::optional<std::string> &problem, char *err, size_t err_len)
{
    if (problem) {
        copy_message(*problem, err, err_len);
        return false;
    }
    return true;
}

} // namespace

struct SriovnicCore {
    SriovnicCore(const SriovnicCoreConfig &cfg, const SriovnicPlatformOps &ops, void *opaque)
        : platform(ops, opaque), device(cfg, platform)
    {
        device.subscribe(platform);
    }
    CallbackPlatform platform;
    sriovnic::Device device;
};

// Migration of a channel, as the card's work; false (nothing done) for a
// function that is no channel.
namespace {

template <typename Op>
bool channel_migration_op(SriovnicCore *core, uint16_t fn, Op &&op)
{
    sriovnic::synth::Channel *c = core->device.channel(fn);
    return c && core->device.synth_op([&] { return op(*c); });
}

} // namespace

extern "C" {

bool sriovnic_core_check_config(const SriovnicCoreConfig *cfg, char *err, size_t err_len)
{
    if (auto problem = sriovnic::Device::check_config(*cfg)) {
        copy_message(*problem, err, err_len);
        return false;
    }
    return true;
}

SriovnicCore *sriovnic_core_new(const SriovnicCoreConfig *cfg, const SriovnicPlatformOps *ops,
                                void *opaque, char *err, size_t err_len)
{
    if (!sriovnic_core_check_config(cfg, err, err_len)) {
        return nullptr;
    }
    return std::make_unique<SriovnicCore>(*cfg, *ops, opaque).release();
}

void sriovnic_core_free(SriovnicCore *core)
{
    std::unique_ptr<SriovnicCore> owned(core);
}

uint16_t sriovnic_core_msix_vectors(const SriovnicCore *core, uint16_t fn)
{
    sriovnic::Device &d = const_cast<SriovnicCore *>(core)->device;
    if (const sriovnic::Function *f = d.function(fn)) {
        return f->msix_vectors();
    }
    return d.channel(fn) ? SRIOVNIC_SYNTH_MSIX_VECTORS : 0;
}

uint64_t sriovnic_core_read(SriovnicCore *core, uint16_t fn, uint64_t offset, unsigned size)
{
    return core->device.read(fn, offset, size);
}

void sriovnic_core_write(SriovnicCore *core, uint16_t fn, uint64_t offset, unsigned size,
                         uint64_t value)
{
    core->device.write(fn, offset, size, value);
}

void sriovnic_core_reset_function(SriovnicCore *core, uint16_t fn)
{
    core->device.reset_function(fn);
}

bool sriovnic_core_request_vf_enable(SriovnicCore *core, uint16_t num_vfs)
{
    return core->device.request_vf_enable(num_vfs);
}

bool sriovnic_core_uplink_receive(SriovnicCore *core, const uint8_t *frame, size_t len)
{
    return core->device.uplink_receive({frame, len});
}

unsigned sriovnic_core_announce(SriovnicCore *core)
{
    return core->device.announce();
}

void sriovnic_core_timer(SriovnicCore *core)
{
    core->device.on_timer();
}

void sriovnic_core_set_uplink_link(SriovnicCore *core, bool up)
{
    core->device.set_uplink_link(up);
}

void sriovnic_core_set_active_vfs(SriovnicCore *core, uint16_t active_vfs)
{
    core->device.set_active_vfs(active_vfs);
}

SriovnicFnRegs *sriovnic_core_fn_regs(SriovnicCore *core, uint16_t fn)
{
    sriovnic::Function *f = core->device.function(fn);
    return f ? &f->regs() : nullptr;
}

SriovnicVfAdminRegs *sriovnic_core_vf_admin_regs(SriovnicCore *core, uint16_t vf)
{
    return vf < core->device.total_vfs() ? &core->device.admin().vf(vf) : nullptr;
}

SriovnicMailboxRegs *sriovnic_core_vf_mailbox_regs(SriovnicCore *core, uint16_t vf)
{
    return vf < core->device.total_vfs() ? &core->device.mailbox().regs(vf) : nullptr;
}

SriovnicPfAdminRegs *sriovnic_core_pf_admin_regs(SriovnicCore *core)
{
    return &core->device.admin().regs();
}

bool sriovnic_core_config_write_allowed(SriovnicCore *core)
{
    return core->device.config_write_allowed();
}

bool sriovnic_core_post_load(SriovnicCore *core, uint16_t fn, char *err, size_t err_len)
{
    if (auto problem = core->device.post_load(fn)) {
        copy_message(*problem, err, err_len);
        return false;
    }
    return true;
}

uint16_t sriovnic_core_synth_attach(SriovnicCore *core, const SriovnicSynthConfig *cfg, char *err,
                                    size_t err_len)
{
    std::string problem;
    const uint16_t fn = core->device.attach_synth(*cfg, problem);
    if (!fn) {
        copy_message(problem, err, err_len);
    }
    return fn;
}

static sriovnic::synth::Channel *channel_or_error(SriovnicCore *core, uint16_t fn, char *err,
                                                  size_t err_len)
{
    sriovnic::synth::Channel *c = core->device.channel(fn);
    if (!c) {
        copy_message("function " + std::to_string(fn) + " is not a synthetic channel", err, err_len);
    }
    return c;
}

bool sriovnic_core_synth_offer(SriovnicCore *core, uint16_t fn, char *err, size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->offer(); }), err, err_len);
}

bool sriovnic_core_synth_revoke(SriovnicCore *core, uint16_t fn, unsigned reason, bool surprise,
                                uint32_t timeout_ms, char *err, size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->revoke(reason, surprise, timeout_ms); }),
                       err, err_len);
}

bool sriovnic_core_synth_set_sriov_allowed(SriovnicCore *core, uint16_t fn, bool allowed, char *err,
                                           size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->set_sriov_allowed(allowed); }), err,
                       err_len);
}

bool sriovnic_core_synth_set_port_policies(SriovnicCore *core, uint16_t fn, uint32_t policies,
                                           char *err, size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->set_port_policies(policies); }), err,
                       err_len);
}

bool sriovnic_core_synth_set_max_mtu(SriovnicCore *core, uint16_t fn, uint16_t max_mtu, char *err,
                                     size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->set_max_mtu(max_mtu); }), err, err_len);
}

bool sriovnic_core_synth_set_offloads(SriovnicCore *core, uint16_t fn, uint32_t offloads, char *err,
                                      size_t err_len)
{
    auto *c = channel_or_error(core, fn, err, err_len);
    return c && report(core->device.synth_op([&] { return c->set_offloads(offloads); }), err,
                       err_len);
}

bool sriovnic_core_synth_query(SriovnicCore *core, uint16_t fn, SriovnicSynthInfo *info)
{
    sriovnic::synth::Channel *c = core->device.channel(fn);
    if (!c) {
        return false;
    }
    *info = c->info();
    return true;
}

bool sriovnic_core_synth_reasons(SriovnicCore *core, uint16_t fn, SriovnicSynthReasons *out)
{
    sriovnic::synth::Channel *c = core->device.channel(fn);
    if (!c) {
        return false;
    }
    *out = c->reasons();
    return true;
}

bool sriovnic_core_fn_info(SriovnicCore *core, uint16_t fn, SriovnicFnInfo *info)
{
    const sriovnic::Function *f = core->device.function(fn);
    if (!f) {
        return false;
    }
    SriovnicFnInfo i{};
    i.present = f->present();
    i.driver_enabled = f->enabled();
    i.link_up = f->link_up();
    i.receiving = f->port_view().receiving;
    const sriovnic::MacAddr mac = f->mac();
    std::copy(mac.begin(), mac.end(), i.mac);
    i.mtu = f->regs().mtu;
    i.queue_pairs = f->queue_pairs();
    if (f->is_vf()) {
        const sriovnic::MacAddr admin_mac = f->admin_mac();
        i.admin_mac_set = !sriovnic::is_zero(admin_mac);
        std::copy(admin_mac.begin(), admin_mac.end(), i.admin_mac);
        i.vlan = f->port_vid();
        i.qos = uint8_t(f->port_vlan_tci() >> 13);
        i.spoofchk = f->spoofchk();
        i.trust = f->trusted();
        i.link_state = uint8_t(f->link_policy());
        i.max_tx_rate = f->rate_mbps();
        i.max_mtu = f->max_mtu();
        i.mac_pinned = f->mac_pinned();
        i.link_flapping = core->device.link_flapping(f->vf_number());
        i.surprise_removed = core->device.vf_removed(f->vf_number());
        i.mailbox_timeout = core->device.mailbox_timeout(f->vf_number());
        i.dma_error = core->device.dma_faulting(f->vf_number());
    }
    std::copy(std::begin(f->regs().stats), std::end(f->regs().stats), i.stats);
    *info = i;
    return true;
}

uint16_t sriovnic_core_total_vfs(const SriovnicCore *core)
{
    return core->device.total_vfs();
}

uint16_t sriovnic_core_active_vfs(const SriovnicCore *core)
{
    return core->device.active_vfs();
}

bool sriovnic_core_inject_fault(SriovnicCore *core, uint16_t vf, unsigned fault,
                                uint32_t duration_ms, char *err, size_t err_len)
{
    return report(core->device.inject_fault(vf, fault, duration_ms), err, err_len);
}

const char *sriovnic_core_fault_name(unsigned fault)
{
    return sriovnic::fault_name(fault);
}

bool sriovnic_core_vf_removed(const SriovnicCore *core, uint16_t vf)
{
    return core->device.vf_removed(vf);
}

SriovnicSynthRegs *sriovnic_core_synth_regs(SriovnicCore *core, uint16_t fn)
{
    sriovnic::synth::Channel *c = core->device.channel(fn);
    return c ? &c->regs() : nullptr;
}

void sriovnic_core_synth_migration_begin(SriovnicCore *core, uint16_t fn, bool vm_running)
{
    channel_migration_op(core, fn, [&](sriovnic::synth::Channel &c) {
        c.migration_begin(vm_running);
        return false;
    });
}

bool sriovnic_core_synth_migration_end(SriovnicCore *core, uint16_t fn, bool completed)
{
    return channel_migration_op(core, fn,
                                [&](sriovnic::synth::Channel &c) { return c.migration_end(completed); });
}

bool sriovnic_core_synth_holds_migration(SriovnicCore *core, uint16_t fn)
{
    const sriovnic::synth::Channel *c = core->device.channel(fn);
    return c && c->holds_migration();
}

void sriovnic_core_synth_incoming(SriovnicCore *core, uint16_t fn)
{
    if (sriovnic::synth::Channel *c = core->device.channel(fn)) {
        c->incoming_migration();
    }
}

bool sriovnic_core_synth_vm_running(SriovnicCore *core, uint16_t fn, bool running)
{
    return channel_migration_op(core, fn,
                                [&](sriovnic::synth::Channel &c) { return c.vm_running(running); });
}

void sriovnic_core_synth_pre_save(SriovnicCore *core, uint16_t fn)
{
    if (sriovnic::synth::Channel *c = core->device.channel(fn)) {
        c->pre_save();
    }
}

} // extern "C"
