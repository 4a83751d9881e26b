// SPDX-License-Identifier: GPL-2.0-or-later
// The core's per-packet path, without QEMU: frames posted on a VF's TX ring,
// switched, and written into another VF's RX ring (or sent to the uplink),
// with the descriptor work a driver would do in between. Reports packets/s
// and heap allocations per packet.
#include "device.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace {

std::atomic<uint64_t> g_allocations{0};

} // namespace

void *operator new(std::size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1)) {
        return p;
    }
    throw std::bad_alloc();
}

void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace sriovnic;

constexpr uint32_t kRing = 256;

class BenchPlatform final : public Platform {
public:
    explicit BenchPlatform(size_t ram) : ram_(ram) {}
    void raise_msix(uint16_t, uint16_t) override {}
    void set_intx(bool) override {}
    bool dma_read(uint16_t, uint64_t addr, std::span<uint8_t> buf) override
    {
        std::memcpy(buf.data(), ram_.data() + addr, buf.size());
        return true;
    }
    bool dma_write(uint16_t, uint64_t addr, std::span<const uint8_t> buf) override
    {
        std::memcpy(ram_.data() + addr, buf.data(), buf.size());
        return true;
    }
    void send_uplink(std::span<const uint8_t> frame) override { uplink_bytes_ += frame.size(); }
    void uplink_ready() override {}
    uint64_t now_ns() override { return 0; }
    void arm_timer(uint64_t) override {}
    uint8_t *ram() { return ram_.data(); }

private:
    std::vector<uint8_t> ram_;
    uint64_t uplink_bytes_ = 0;
};

struct Card {
    explicit Card(size_t frame_len) : platform(64 << 20), frame_len(frame_len)
    {
        SriovnicCoreConfig cfg{};
        cfg.total_vfs = 8;
        cfg.max_vfs = 255;
        cfg.pf_queue_pairs = 1;
        cfg.vf_queue_pairs = 1;
        cfg.mac[0] = 0x52;
        cfg.mac[5] = 1;
        device = std::make_unique<Device>(cfg, platform);
        device->set_active_vfs(8);
        for (uint16_t fn : {uint16_t(1), uint16_t(2)}) {
            const uint64_t base = uint64_t(fn) << 22;
            auto wr = [&](uint32_t reg, uint32_t v) { device->write(fn, reg, 4, v); };
            wr(SRIOVNIC_REG_MAC_LO, 0x00005452);
            wr(SRIOVNIC_REG_MAC_HI, uint32_t(fn) << 8);
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_BASE_LO), uint32_t(base));
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_LEN), kRing);
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_CTRL), 1);
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_BASE_LO), uint32_t(base + 0x10000));
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_LEN), kRing);
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_BUF_LEN), 2048);
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_CTRL), 1);
            wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
            for (uint32_t i = 0; i < kRing; i++) {
                auto *rx = reinterpret_cast<sriovnic_rx_desc *>(platform.ram() + base + 0x10000) + i;
                *rx = {};
                rx->addr = base + 0x20000 + i * 2048;
                auto *tx = reinterpret_cast<sriovnic_tx_desc *>(platform.ram() + base) + i;
                *tx = {};
                tx->addr = base + 0x100000 + i * 2048;
                tx->len = uint16_t(frame_len);
                tx->flags = SRIOVNIC_TXD_EOP;
                uint8_t *f = platform.ram() + tx->addr;
                std::memset(f, 0xab, frame_len);
                const uint8_t dst[6] = {0x52, 0x54, 0, 0, 0, uint8_t(fn == 1 ? 2 : 1)};
                const uint8_t src[6] = {0x52, 0x54, 0, 0, 0, uint8_t(fn)};
                std::memcpy(f, dst, 6);
                std::memcpy(f + 6, src, 6);
                f[12] = 0x08;
                f[13] = 0x00;
            }
            wr(SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_TAIL), kRing - 1);
        }
    }

    // One packet VF0 -> VF1: post a TX descriptor, ring, then recycle the RX
    // buffer the way a driver would.
    void one_packet()
    {
        auto *tx = reinterpret_cast<sriovnic_tx_desc *>(platform.ram() + (uint64_t(1) << 22)) + tx_tail;
        tx->flags = SRIOVNIC_TXD_EOP;
        tx_tail = (tx_tail + 1) % kRing;
        device->write(1, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_TAIL), 4, tx_tail);
        auto *rx = reinterpret_cast<sriovnic_rx_desc *>(platform.ram() + (uint64_t(2) << 22) + 0x10000) + rx_tail;
        rx->flags = 0;
        rx_tail = (rx_tail + 1) % kRing;
        device->write(2, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_TAIL), 4, (rx_tail + kRing - 1) % kRing);
    }

    BenchPlatform platform;
    std::unique_ptr<Device> device;
    size_t frame_len;
    uint32_t tx_tail = 0;
    uint32_t rx_tail = 0;
};

void BM_VfToVf(benchmark::State &state)
{
    Card card(size_t(state.range(0)));
    for (int i = 0; i < 1000; i++) {
        card.one_packet(); // warm up: any lazily built state is built now
    }
    const uint64_t allocs_before = g_allocations.load();
    for (auto _ : state) {
        card.one_packet();
    }
    const uint64_t allocs = g_allocations.load() - allocs_before;
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
    state.counters["allocs_per_packet"] =
        benchmark::Counter(double(allocs) / double(state.iterations()));
    const uint64_t rx = card.device->fn_regs(2)->stats[SRIOVNIC_STAT_RX_PACKETS];
    if (rx < uint64_t(state.iterations())) {
        state.SkipWithError("frames were lost");
    }
}
BENCHMARK(BM_VfToVf)->Arg(64)->Arg(1514);

} // namespace

BENCHMARK_MAIN();
