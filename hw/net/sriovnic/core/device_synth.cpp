// SPDX-License-Identifier: GPL-2.0-or-later
// Device: attaching synthetic channels, and the card as a channel sees it (synth::CardLink).
#include "device.hpp"

#include "mac_regs.hpp"

namespace sriovnic {

uint16_t Device::attach_synth(const SriovnicSynthConfig &cfg, synth::TransitionSink sink,
                              std::string &error)
{
    if (auto problem = synth::Channel::check_config(cfg, total_vfs())) {
        error = *problem;
        return 0;
    }
    if (cfg.vf_hotplug && !host_owned()) {
        error = "the VF of a guest-owned PF is enabled by the guest, not hot-plugged: pair a "
                "hot-plugged VF with a channel of a host-owned card";
        return 0;
    }
    if (channel_of_vf(uint16_t(cfg.paired_vf))) {
        error = "VF " + std::to_string(cfg.paired_vf) + " is already paired with a synthetic channel";
        return 0;
    }
    CardBus::Work work(bus_);
    const uint16_t fn = sriovnic_fn_of_channel(total_vfs(), uint32_t(channels_.size()));
    synth::CardLink &link = *this;
    channels_.push_back(std::make_unique<synth::Channel>(fn, cfg, total_vfs(), link, bus_, switch_,
                                                         timers_, hooks_, platform_,
                                                         std::move(sink)));
    synth::Channel &c = *channels_.back();
    const uint16_t port = switch_.add_port(c);
    (void)port; // == fn: ports are numbered as functions
    switch_.pair(fn, SRIOVNIC_FN_VF(cfg.paired_vf));
    timers_.add(c);
    program_vf_mac(uint16_t(cfg.paired_vf), c.mac());
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
