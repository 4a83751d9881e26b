// SPDX-License-Identifier: GPL-2.0-or-later
// The extern "C" face of the core, for QEMU's C glue: a translation layer.
// Each call converts its arguments, enters the card through one method of
// Device (the façade) and converts the answer back; nothing here decides.
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

// A snapshot, if there is one, copied out.
template <typename T> bool copy_out(const std::optional<T> &snapshot, T *out)
{
    if (snapshot) {
        *out = *snapshot;
    }
    return snapshot.has_value();
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
    return core->device.msix_vectors(fn);
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
    return core->device.fn_regs(fn);
}

SriovnicVfAdminRegs *sriovnic_core_vf_admin_regs(SriovnicCore *core, uint16_t vf)
{
    return core->device.vf_admin_regs(vf);
}

SriovnicMailboxRegs *sriovnic_core_vf_mailbox_regs(SriovnicCore *core, uint16_t vf)
{
    return core->device.vf_mailbox_regs(vf);
}

SriovnicVfHostRegs *sriovnic_core_vf_host_regs(SriovnicCore *core, uint16_t vf)
{
    return core->device.vf_host_regs(vf);
}

SriovnicPfAdminRegs *sriovnic_core_pf_admin_regs(SriovnicCore *core)
{
    return &core->device.pf_admin_regs();
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

uint16_t sriovnic_core_synth_attach(SriovnicCore *core, const SriovnicSynthConfig *cfg,
                                    SriovnicSynthDatapathChanged datapath_changed, void *opaque,
                                    char *err, size_t err_len)
{
    sriovnic::synth::TransitionSink sink;
    if (datapath_changed) {
        sink = [datapath_changed, opaque](const SriovnicSynthTransition &t) {
            datapath_changed(opaque, &t);
        };
    }
    std::string problem;
    const uint16_t fn = core->device.attach_synth(*cfg, std::move(sink), problem);
    if (!fn) {
        copy_message(problem, err, err_len);
    }
    return fn;
}

void sriovnic_core_synth_detach_sink(SriovnicCore *core, uint16_t fn)
{
    core->device.synth_detach_sink(fn);
}

void sriovnic_core_synth_set_hotplug_handler(SriovnicCore *core, uint16_t fn,
                                             SriovnicSynthHotplugWanted wanted, void *opaque)
{
    sriovnic::synth::VfSlot::OpWanted cb;
    if (wanted) {
        cb = [wanted, opaque] { wanted(opaque); };
    }
    core->device.synth_set_hotplug_handler(fn, std::move(cb));
}

SriovnicSynthHotplugOp sriovnic_core_synth_take_hotplug_op(SriovnicCore *core, uint16_t fn)
{
    return core->device.synth_take_hotplug_op(fn);
}

void sriovnic_core_synth_hotplug_failed(SriovnicCore *core, uint16_t fn, SriovnicSynthHotplugOp op,
                                        const char *why)
{
    core->device.synth_hotplug_failed(fn, op, why ? why : "");
}

bool sriovnic_core_synth_offer(SriovnicCore *core, uint16_t fn, char *err, size_t err_len)
{
    return report(core->device.synth_offer(fn), err, err_len);
}

bool sriovnic_core_synth_revoke(SriovnicCore *core, uint16_t fn, const SriovnicSynthRevoke *req,
                                char *err, size_t err_len)
{
    return report(core->device.synth_revoke(fn, *req), err, err_len);
}

bool sriovnic_core_synth_set_policy(SriovnicCore *core, uint16_t fn,
                                    const SriovnicSynthPolicy *policy, char *err, size_t err_len)
{
    return report(core->device.synth_set_policy(fn, *policy), err, err_len);
}

bool sriovnic_core_synth_query(SriovnicCore *core, uint16_t fn, SriovnicSynthInfo *info)
{
    return copy_out(core->device.synth_info(fn), info);
}

bool sriovnic_core_synth_reasons(SriovnicCore *core, uint16_t fn, SriovnicSynthReasons *out)
{
    return copy_out(core->device.synth_reasons(fn), out);
}

bool sriovnic_core_fn_info(SriovnicCore *core, uint16_t fn, SriovnicFnInfo *info)
{
    return copy_out(core->device.fn_info(fn), info);
}

bool sriovnic_core_plug_standalone_vf(SriovnicCore *core, uint32_t vf, char *err,
                                      size_t err_len)
{
    if (auto problem = core->device.plug_standalone_vf(vf)) {
        copy_message(*problem, err, err_len);
        return false;
    }
    return true;
}

void sriovnic_core_unplug_standalone_vf(SriovnicCore *core, uint16_t vf)
{
    core->device.unplug_standalone_vf(vf);
}

void sriovnic_core_standalone_vf_ready(SriovnicCore *core, uint16_t vf)
{
    core->device.standalone_vf_ready(vf);
}

bool sriovnic_core_standalone_vf_plugged(const SriovnicCore *core, uint16_t vf)
{
    return core->device.standalone_vf_plugged(vf);
}

uint16_t sriovnic_core_total_vfs(const SriovnicCore *core)
{
    return core->device.total_vfs();
}

uint16_t sriovnic_core_active_vfs(const SriovnicCore *core)
{
    return core->device.active_vfs();
}

bool sriovnic_core_host_set_vf(SriovnicCore *core, uint32_t vf, const SriovnicVfSettings *s,
                               char *err, size_t err_len)
{
    return report(core->device.host_set_vf(vf, *s), err, err_len);
}

bool sriovnic_core_inject_fault(SriovnicCore *core, const SriovnicFaultRequest *req, char *err,
                                size_t err_len)
{
    return report(core->device.inject_fault(*req), err, err_len);
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
    return core->device.synth_regs(fn);
}

void sriovnic_core_synth_migration_begin(SriovnicCore *core, uint16_t fn, bool vm_running)
{
    core->device.synth_migration_begin(fn, vm_running);
}

bool sriovnic_core_synth_migration_end(SriovnicCore *core, uint16_t fn, bool completed)
{
    return core->device.synth_migration_end(fn, completed);
}

bool sriovnic_core_synth_holds_migration(SriovnicCore *core, uint16_t fn)
{
    return core->device.synth_holds_migration(fn);
}

void sriovnic_core_synth_incoming(SriovnicCore *core, uint16_t fn)
{
    core->device.synth_incoming(fn);
}

bool sriovnic_core_synth_vm_running(SriovnicCore *core, uint16_t fn, bool running)
{
    return core->device.synth_vm_running(fn, running);
}

void sriovnic_core_synth_pre_save(SriovnicCore *core, uint16_t fn)
{
    core->device.synth_pre_save(fn);
}

} // extern "C"
