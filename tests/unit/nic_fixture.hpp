// SPDX-License-Identifier: GPL-2.0-or-later
// A card driven through its register interface as a driver drives it: rings
// in (fake) guest memory, doorbells, write-backs, interrupts.
#pragma once

#include "device.hpp"
#include "fake_platform.hpp"
#include "frames.hpp"
#include "guest_desc.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>

namespace sriovnic::test {

constexpr uint16_t PF = SRIOVNIC_FN_PF;
constexpr uint16_t VF0 = SRIOVNIC_FN_VF(0);
constexpr uint16_t VF1 = SRIOVNIC_FN_VF(1);

// A ring pair as the test's driver set it up.
struct Ring {
    uint64_t tx_base = 0, rx_base = 0;
    uint32_t len = 0;
    uint32_t tx_tail = 0, rx_tail = 0;
    std::vector<uint64_t> rx_bufs;
};

class Nic : public ::testing::Test {
protected:
    Nic()
    {
        device = std::make_unique<Device>(test::card_config(4, 2, 2, kPfMac), platform);
        device->subscribe(platform);
        device->set_active_vfs(4);
    }

    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t v) { device->write(fn, reg, 4, v); }
    uint32_t qrd(uint16_t fn, unsigned q, uint32_t reg) { return rd(fn, SRIOVNIC_REG_QUEUE(q, reg)); }
    void qwr(uint16_t fn, unsigned q, uint32_t reg, uint32_t v) { wr(fn, SRIOVNIC_REG_QUEUE(q, reg), v); }
    uint64_t stat(uint16_t fn, unsigned s)
    {
        return rd(fn, SRIOVNIC_REG_STAT(s)) | uint64_t(rd(fn, SRIOVNIC_REG_STAT(s) + 4)) << 32;
    }

    uint64_t alloc(size_t size)
    {
        const uint64_t at = next_;
        next_ += (size + 63) & ~size_t(63);
        EXPECT_LE(next_, platform.ram.size());
        return at;
    }

    void set_mac(uint16_t fn, const Mac &m)
    {
        wr(fn, SRIOVNIC_REG_MAC_LO, test::mac_lo(m));
        wr(fn, SRIOVNIC_REG_MAC_HI, test::mac_hi(m));
    }

    // Brings a function up the way a driver does: MAC, rings, enable.
    void bring_up(uint16_t fn, const Mac &m, unsigned queues = 1, uint32_t len = 16,
                  uint32_t buf_len = 2048, unsigned rx_posted = 8)
    {
        set_mac(fn, m);
        for (unsigned q = 0; q < queues; q++) {
            Ring &r = rings[{fn, q}];
            r.len = len;
            r.tx_base = alloc(len * 16);
            r.rx_base = alloc(len * 16);
            qwr(fn, q, SRIOVNIC_Q_TX_BASE_LO, uint32_t(r.tx_base));
            qwr(fn, q, SRIOVNIC_Q_TX_BASE_HI, 0);
            qwr(fn, q, SRIOVNIC_Q_TX_LEN, len);
            qwr(fn, q, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
            qwr(fn, q, SRIOVNIC_Q_RX_BASE_LO, uint32_t(r.rx_base));
            qwr(fn, q, SRIOVNIC_Q_RX_BASE_HI, 0);
            qwr(fn, q, SRIOVNIC_Q_RX_LEN, len);
            qwr(fn, q, SRIOVNIC_Q_RX_BUF_LEN, buf_len);
            qwr(fn, q, SRIOVNIC_Q_RX_CTRL, SRIOVNIC_QCTRL_ENABLE);
            for (uint32_t i = 0; i < len; i++) {
                r.rx_bufs.push_back(alloc(buf_len));
            }
            post_rx(fn, q, rx_posted);
        }
        wr(fn, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    }

    void post_rx(uint16_t fn, unsigned q, unsigned n)
    {
        Ring &r = rings[{fn, q}];
        for (unsigned i = 0; i < n; i++) {
            test::store_rx(platform.ram, r.rx_base + r.rx_tail * 16, {.addr = r.rx_bufs[r.rx_tail]});
            r.rx_tail = (r.rx_tail + 1) % r.len;
        }
        qwr(fn, q, SRIOVNIC_Q_RX_TAIL, r.rx_tail);
    }

    test::TxDescFields tx_desc(uint16_t fn, unsigned q, uint32_t idx)
    {
        return test::load_tx(platform.ram, rings[{fn, q}].tx_base + idx * 16);
    }

    // The guest changes a descriptor it posted.
    template <typename Change> void patch_tx_desc(uint16_t fn, unsigned q, uint32_t idx, Change change)
    {
        test::TxDescFields d = tx_desc(fn, q, idx);
        change(d);
        test::store_tx(platform.ram, rings[{fn, q}].tx_base + idx * 16, d);
    }

    test::RxDescFields rx_desc(uint16_t fn, unsigned q, uint32_t idx)
    {
        return test::load_rx(platform.ram, rings[{fn, q}].rx_base + idx * 16);
    }

    Bytes rx_frame(uint16_t fn, unsigned q, uint32_t idx)
    {
        const test::RxDescFields d = rx_desc(fn, q, idx);
        return Bytes(platform.ram.begin() + long(d.addr), platform.ram.begin() + long(d.addr) + d.len);
    }

    // Places `frame` in `pieces` descriptors; rings the doorbell unless told not to.
    uint32_t queue_tx(uint16_t fn, unsigned q, const Bytes &frame, uint16_t flags = 0,
                      unsigned pieces = 1, uint8_t csum_start = 0, uint8_t csum_offset = 0,
                      uint16_t mss = 0, bool ring = true)
    {
        Ring &r = rings[{fn, q}];
        const uint32_t first = r.tx_tail;
        const uint64_t buf = alloc(frame.size());
        std::memcpy(&platform.ram[buf], frame.data(), frame.size());
        size_t done = 0;
        for (unsigned i = 0; i < pieces; i++) {
            const size_t len = i + 1 == pieces ? frame.size() - done : frame.size() / pieces;
            test::TxDescFields d;
            d.addr = buf + done;
            d.len = uint16_t(len);
            d.flags = uint16_t(flags | (i + 1 == pieces ? SRIOVNIC_TXD_EOP : 0));
            d.csum_start = csum_start;
            d.csum_offset = csum_offset;
            d.mss = mss;
            test::store_tx(platform.ram, r.tx_base + r.tx_tail * 16, d);
            done += len;
            r.tx_tail = (r.tx_tail + 1) % r.len;
        }
        if (ring) {
            qwr(fn, q, SRIOVNIC_Q_TX_TAIL, r.tx_tail);
        }
        return first;
    }

    test::FakePlatform platform;
    std::unique_ptr<Device> device;
    std::map<std::pair<uint16_t, unsigned>, Ring> rings;
    uint64_t next_ = 0x1000;
};

} // namespace sriovnic::test
