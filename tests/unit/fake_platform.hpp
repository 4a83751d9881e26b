// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "platform.hpp"

#include "sriovnic-core.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sriovnic::test {

// A card with `vfs` VFs (all routing IDs available) and the PF MAC given.
inline SriovnicCoreConfig card_config(uint16_t vfs, uint8_t pf_queues, uint8_t vf_queues,
                                      const std::array<uint8_t, 6> &pf_mac)
{
    SriovnicCoreConfig cfg{};
    cfg.total_vfs = vfs;
    cfg.max_vfs = 255;
    cfg.pf_queue_pairs = pf_queues;
    cfg.vf_queue_pairs = vf_queues;
    std::copy(pf_mac.begin(), pf_mac.end(), cfg.mac);
    return cfg;
}

// A register BAR of one of the card's functions in the fake's address space.
struct BarWindow {
    uint64_t base;
    uint64_t size;
    uint16_t fn;
};

// What a DMA that lands in a BAR does: the register access QEMU would make.
struct MmioTarget {
    std::function<uint64_t(uint16_t fn, uint64_t offset, unsigned size)> read;
    std::function<void(uint16_t fn, uint64_t offset, unsigned size, uint64_t value)> write;
};

// Records what the core asks of its host, with a flat "guest memory" of
// `ram_size` bytes at address 0 for DMA; anything beyond it faults, unless
// it falls in one of `bars`: then, as in QEMU, it becomes register accesses
// of at most 8 bytes to `mmio` (the card itself), made synchronously.
class FakePlatform final : public Platform, public StateObserver {
public:
    explicit FakePlatform(size_t ram_size = 1 << 20) : ram(ram_size) {}

    void raise_msix(uint16_t fn, uint16_t vector) override
    {
        msix.emplace_back(fn, vector);
        if (msix_lands) { // the message address points at something that acts on it
            msix_lands(fn, vector);
        }
    }
    void set_intx(bool asserted) override { intx = asserted; }
    bool dma_read(uint16_t fn, uint64_t addr, std::span<uint8_t> buf) override
    {
        dma_fns.push_back(fn);
        if (const BarWindow *bar = bar_at(addr, buf.size())) {
            for (size_t done = 0; done < buf.size();) {
                const unsigned size = chunk(buf.size() - done);
                const uint64_t v = mmio.read(bar->fn, addr + done - bar->base, size);
                for (unsigned i = 0; i < size; i++) {
                    buf[done + i] = uint8_t(v >> (8 * i));
                }
                done += size;
            }
            return true;
        }
        if (addr > ram.size() || buf.size() > ram.size() - addr) {
            return false;
        }
        std::memcpy(buf.data(), ram.data() + addr, buf.size());
        return true;
    }
    bool dma_write(uint16_t fn, uint64_t addr, std::span<const uint8_t> buf) override
    {
        dma_fns.push_back(fn);
        if (const BarWindow *bar = bar_at(addr, buf.size())) {
            for (size_t done = 0; done < buf.size();) {
                const unsigned size = chunk(buf.size() - done);
                uint64_t v = 0;
                for (unsigned i = 0; i < size; i++) {
                    v |= uint64_t(buf[done + i]) << (8 * i);
                }
                mmio.write(bar->fn, addr + done - bar->base, size, v);
                done += size;
            }
            return true;
        }
        if (addr > ram.size() || buf.size() > ram.size() - addr) {
            return false;
        }
        std::memcpy(ram.data() + addr, buf.data(), buf.size());
        if (auto reaction = std::exchange(during_next_dma_write, nullptr)) {
            reaction(); // another device reacting to the write, synchronously
        }
        return true;
    }
    void send_uplink(std::span<const uint8_t> frame) override
    {
        uplink.emplace_back(frame.begin(), frame.end());
    }
    void uplink_ready() override { ready_calls++; }
    uint64_t now_ns() override { return now; }
    void arm_timer(uint64_t deadline_ns) override { timer_deadline = deadline_ns; }
    void on_guest_error(uint16_t fn, uint32_t err_bits, std::optional<uint32_t> offset) override
    {
        traces.push_back("error fn=" + std::to_string(fn) + " bits=" + std::to_string(err_bits) +
                         " offset=" + (offset ? std::to_string(*offset) : "none"));
    }
    void on_function_enable(uint16_t fn, bool enabled) override
    {
        traces.push_back("enable fn=" + std::to_string(fn) + " " + (enabled ? "on" : "off"));
    }
    void on_queue(uint16_t fn, unsigned q, bool tx, bool enabled) override
    {
        traces.push_back("queue fn=" + std::to_string(fn) + " q=" + std::to_string(q) +
                         (tx ? " tx " : " rx ") + (enabled ? "on" : "off"));
    }
    void on_link(uint16_t fn, bool up) override
    {
        traces.push_back("link fn=" + std::to_string(fn) + (up ? " up" : " down"));
    }
    void on_vf_setting(uint16_t vf, uint32_t offset, uint32_t value) override
    {
        traces.push_back("vf=" + std::to_string(vf) + " reg=" + std::to_string(offset) +
                         " value=" + std::to_string(value));
    }
    void on_mailbox(uint16_t vf, bool to_pf, uint32_t word0) override
    {
        traces.push_back("mailbox vf=" + std::to_string(vf) + (to_pf ? " to pf " : " to vf ") +
                         std::to_string(word0));
    }

    std::vector<std::pair<uint16_t, uint16_t>> msix;
    bool intx = false;
    std::vector<uint8_t> ram;
    std::vector<uint16_t> dma_fns;
    std::vector<std::vector<uint8_t>> uplink;
    unsigned ready_calls = 0;
    uint64_t now = 1'000'000'000; // the test moves the clock
    std::optional<uint64_t> timer_deadline;
    std::vector<std::string> traces;
    std::vector<BarWindow> bars;
    MmioTarget mmio;
    unsigned max_mmio_size = 8; // 4: as if the registers took 32-bit accesses only
    std::function<void(uint16_t fn, uint16_t vector)> msix_lands;
    std::function<void()> during_next_dma_write; // runs once, inside the next RAM write

private:
    const BarWindow *bar_at(uint64_t addr, size_t len) const
    {
        for (const BarWindow &bar : bars) {
            if (addr >= bar.base && addr < bar.base + bar.size && len <= bar.base + bar.size - addr) {
                return &bar;
            }
        }
        return nullptr;
    }
    // QEMU splits an access to a region that takes 1..8 bytes (unaligned
    // too) into the largest powers of two that fit.
    unsigned chunk(size_t left) const
    {
        unsigned size = max_mmio_size;
        while (size > left) {
            size /= 2;
        }
        return size;
    }
};

} // namespace sriovnic::test
