// SPDX-License-Identifier: GPL-2.0-or-later
#include "device.hpp"

#include "queues.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

std::string range_error(const char *property, unsigned value, unsigned lo, unsigned hi)
{
    return "property '" + std::string(property) + "' must be between " + std::to_string(lo) +
           " and " + std::to_string(hi) + " (got " + std::to_string(value) + ")";
}

uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (size * 8)) - 1;
}

constexpr uint32_t kQueueWindowEnd =
    SRIOVNIC_REG_QUEUE_BASE + SRIOVNIC_MAX_QUEUE_PAIRS * SRIOVNIC_REG_QUEUE_STRIDE;

bool in_queue_window(uint32_t offset)
{
    return offset >= SRIOVNIC_REG_QUEUE_BASE && offset < kQueueWindowEnd;
}

bool in_admin_window(uint32_t offset, uint16_t total_vfs)
{
    return offset >= SRIOVNIC_REG_ADMIN_BASE &&
           offset < SRIOVNIC_REG_ADMIN_BASE + uint32_t(total_vfs) * SRIOVNIC_REG_ADMIN_STRIDE;
}

bool in_pf_mailbox_window(uint32_t offset, uint16_t total_vfs)
{
    return offset >= SRIOVNIC_REG_PF_MBX_BASE &&
           offset < SRIOVNIC_REG_PF_MBX_BASE + uint32_t(total_vfs) * SRIOVNIC_REG_PF_MBX_STRIDE;
}

bool in_vf_mailbox_window(uint32_t offset)
{
    return offset >= SRIOVNIC_REG_MBX_BASE && offset < SRIOVNIC_REG_MBX_PF_MSG(SRIOVNIC_MBX_WORDS);
}

// Registers whose writes change what the switch sees of a port.
bool affects_port(uint32_t offset)
{
    switch (offset) {
    case SRIOVNIC_REG_CTRL:
    case SRIOVNIC_REG_MAC_HI:
    case SRIOVNIC_REG_MTU:
    case SRIOVNIC_REG_RX_MODE:
    case SRIOVNIC_REG_MC_HASH_LO:
    case SRIOVNIC_REG_MC_HASH_HI:
        return true;
    default:
        // Of a queue pair's registers only RX enable matters; doorbells do not.
        return in_queue_window(offset) &&
               (offset - SRIOVNIC_REG_QUEUE_BASE) % SRIOVNIC_REG_QUEUE_STRIDE == SRIOVNIC_Q_RX_CTRL;
    }
}

} // namespace

std::optional<std::string> Device::check_config(const SriovnicCoreConfig &cfg)
{
    const unsigned max_vfs = cfg.max_vfs < SRIOVNIC_MAX_VFS ? cfg.max_vfs : SRIOVNIC_MAX_VFS;
    if (cfg.total_vfs > max_vfs) {
        return range_error("vfs", cfg.total_vfs, 0, max_vfs);
    }
    if (cfg.pf_queue_pairs < 1 || cfg.pf_queue_pairs > SRIOVNIC_MAX_QUEUE_PAIRS) {
        return range_error("queues", cfg.pf_queue_pairs, 1, SRIOVNIC_MAX_QUEUE_PAIRS);
    }
    if (cfg.vf_queue_pairs < 1 || cfg.vf_queue_pairs > SRIOVNIC_MAX_QUEUE_PAIRS) {
        return range_error("vf-queues", cfg.vf_queue_pairs, 1, SRIOVNIC_MAX_QUEUE_PAIRS);
    }
    return std::nullopt;
}

Device::Device(const SriovnicCoreConfig &cfg, Platform &platform)
    : platform_(platform), tx_buf_(SRIOVNIC_TSO_MAX_BYTES + kVlanTagLen),
      seg_buf_(SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD),
      rx_buf_(SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD), shapers_(size_t(cfg.total_vfs) + 1),
      tx_kick_(size_t(cfg.total_vfs) + 1), irq_throttles_(size_t(cfg.total_vfs) + 1)
{
    functions_.reserve(size_t(cfg.total_vfs) + 1);
    ports_.resize(size_t(cfg.total_vfs) + 1);
    tx_dests_.reserve(ports_.size() + 1);
    rx_dests_.reserve(ports_.size() + 1);
    uint32_t pf_caps = uint32_t(cfg.pf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    if (cfg.total_vfs) {
        pf_caps |= SRIOVNIC_CAPS_SRIOV;
    }
    functions_.emplace_back(SRIOVNIC_FN_PF, cfg.pf_queue_pairs, pf_caps, SRIOVNIC_PF_REGS_SIZE,
                            platform_);
    MacAddr mac;
    std::copy(std::begin(cfg.mac), std::end(cfg.mac), mac.begin());
    functions_.front().set_permanent_mac(mac);
    const uint32_t vf_caps =
        SRIOVNIC_CAPS_IS_VF | uint32_t(cfg.vf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    for (uint16_t n = 0; n < cfg.total_vfs; n++) {
        functions_.emplace_back(SRIOVNIC_FN_VF(n), cfg.vf_queue_pairs, vf_caps,
                                SRIOVNIC_VF_REGS_SIZE, platform_);
    }
    for (Function &f : functions_) {
        f.set_link(uplink_up_);
        f.regs().int_cause = 0;
    }
}

Function *Device::function(uint16_t fn)
{
    return fn < functions_.size() ? &functions_[fn] : nullptr;
}

std::optional<uint32_t> Device::read_pf_register(uint32_t offset) const
{
    switch (offset) {
    case SRIOVNIC_REG_PF_TOTAL_VFS:
        return total_vfs();
    case SRIOVNIC_REG_PF_ACTIVE_VFS:
        return active_vfs_;
    case SRIOVNIC_REG_PF_VF_SELECT:
        return functions_.front().regs().pf_vf_select;
    case SRIOVNIC_REG_PF_VF_MC_HASH_LO:
    case SRIOVNIC_REG_PF_VF_MC_HASH_HI: {
        const uint32_t vf = functions_.front().regs().pf_vf_select;
        if (vf >= total_vfs()) {
            return 0;
        }
        const SriovnicFnRegs &r = functions_[1 + vf].regs();
        return offset == SRIOVNIC_REG_PF_VF_MC_HASH_LO ? r.mc_hash_lo : r.mc_hash_hi;
    }
    case SRIOVNIC_REG_PF_VLAN_FILTER: {
        const uint32_t vf = functions_.front().regs().pf_vf_select;
        uint32_t count = 0;
        if (vf < total_vfs()) {
            for (uint32_t word : functions_[1 + vf].regs().vlan_filter) {
                count += uint32_t(__builtin_popcount(word));
            }
        }
        return count;
    }
    default:
        if (offset >= SRIOVNIC_REG_PF_MBX_PENDING(0) && offset < SRIOVNIC_REG_PF_MBX_PENDING(8)) {
            return pf_mailbox_pending((offset - SRIOVNIC_REG_PF_MBX_PENDING(0)) / 4);
        }
        return std::nullopt;
    }
}

uint64_t Device::read(uint16_t fn, uint64_t offset, unsigned size)
{
    Function *f = function(fn);
    if (!f) {
        return all_ones(size);
    }
    uint64_t result = 0;
    if (size != 4 || (offset & 3)) {
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, uint32_t(offset % f->regs_size()));
        result = all_ones(size);
    } else if (offset >= f->regs_size()) {
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
    } else {
        const auto reg = uint32_t(offset);
        std::optional<uint32_t> value;
        if (in_queue_window(reg)) {
            value = read_queue_register(*f, reg);
        } else if (f->is_vf() && in_vf_mailbox_window(reg)) {
            value = read_vf_mailbox(*f, reg);
        } else if (!f->is_vf() && in_admin_window(reg, total_vfs())) {
            value = read_admin_register(reg);
        } else if (!f->is_vf() && in_pf_mailbox_window(reg, total_vfs())) {
            value = read_pf_mailbox(reg);
        } else {
            value = f->read_register(reg);
            if (!value && !f->is_vf()) {
                value = read_pf_register(reg);
            }
        }
        if (value) {
            result = *value;
        } else {
            f->record_error(SRIOVNIC_ERR_UNMAPPED, reg);
        }
    }
    update_interrupts(*f);
    return result;
}

void Device::write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value)
{
    Function *f = function(fn);
    if (!f) {
        return;
    }
    if (size != 4 || (offset & 3)) {
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, uint32_t(offset % f->regs_size()));
    } else if (offset >= f->regs_size()) {
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
    } else {
        const auto reg = uint32_t(offset);
        Function::WriteResult result;
        if (in_queue_window(reg)) {
            result = write_queue_register(*f, reg, uint32_t(value));
        } else if (f->is_vf() && in_vf_mailbox_window(reg)) {
            result = write_vf_mailbox(*f, reg, uint32_t(value));
        } else if (!f->is_vf() && in_admin_window(reg, total_vfs())) {
            result = write_admin_register(reg, uint32_t(value));
            const uint32_t rel = reg - SRIOVNIC_REG_ADMIN_BASE;
            if (result == Function::WriteResult::done &&
                rel % SRIOVNIC_REG_ADMIN_STRIDE != SRIOVNIC_VFA_MBX_CTRL) {
                platform_.trace_vf_setting(uint16_t(rel / SRIOVNIC_REG_ADMIN_STRIDE), reg,
                                           uint32_t(value));
            }
        } else if (!f->is_vf() && in_pf_mailbox_window(reg, total_vfs())) {
            result = write_pf_mailbox(reg, uint32_t(value));
        } else if (auto pf_result = f->is_vf() ? std::nullopt
                                               : write_pf_register(reg, uint32_t(value))) {
            result = *pf_result;
        } else {
            result = f->write_register(reg, uint32_t(value));
        }
        switch (result) {
        case Function::WriteResult::done:
            break;
        case Function::WriteResult::read_only:
            f->record_error(SRIOVNIC_ERR_RO_WRITE, reg);
            break;
        case Function::WriteResult::bad_value:
            f->record_error(SRIOVNIC_ERR_BAD_VALUE, reg);
            break;
        case Function::WriteResult::denied:
            f->record_error(SRIOVNIC_ERR_DENIED, reg);
            break;
        case Function::WriteResult::unmapped:
            f->record_error(!f->is_vf() && read_pf_register(reg) ? SRIOVNIC_ERR_RO_WRITE
                                                                  : SRIOVNIC_ERR_UNMAPPED,
                            reg);
            break;
        }
        if (affects_port(reg)) {
            ports_dirty_ = true;
        }
    }
    update_interrupts(*f);
}

std::optional<uint32_t> Device::read_queue_register(Function &f, uint32_t offset) const
{
    const unsigned qi = (offset - SRIOVNIC_REG_QUEUE_BASE) / SRIOVNIC_REG_QUEUE_STRIDE;
    if (qi >= f.queue_pairs()) {
        return std::nullopt;
    }
    const SriovnicQueueRegs &q = f.regs().queues[qi];
    switch ((offset - SRIOVNIC_REG_QUEUE_BASE) % SRIOVNIC_REG_QUEUE_STRIDE) {
    case SRIOVNIC_Q_TX_BASE_LO: return q.tx_base_lo;
    case SRIOVNIC_Q_TX_BASE_HI: return q.tx_base_hi;
    case SRIOVNIC_Q_TX_LEN: return q.tx_len;
    case SRIOVNIC_Q_TX_HEAD: return q.tx_head;
    case SRIOVNIC_Q_TX_TAIL: return q.tx_tail;
    case SRIOVNIC_Q_TX_CTRL: return q.tx_ctrl;
    case SRIOVNIC_Q_RX_BASE_LO: return q.rx_base_lo;
    case SRIOVNIC_Q_RX_BASE_HI: return q.rx_base_hi;
    case SRIOVNIC_Q_RX_LEN: return q.rx_len;
    case SRIOVNIC_Q_RX_HEAD: return q.rx_head;
    case SRIOVNIC_Q_RX_TAIL: return q.rx_tail;
    case SRIOVNIC_Q_RX_CTRL: return q.rx_ctrl;
    case SRIOVNIC_Q_RX_BUF_LEN: return q.rx_buf_len;
    case SRIOVNIC_Q_IRQ: return q.irq;
    case SRIOVNIC_Q_RX_NOBUF: return q.rx_nobuf;
    case SRIOVNIC_Q_ITR: return q.itr;
    default: return std::nullopt;
    }
}

Function::WriteResult Device::write_queue_register(Function &f, uint32_t offset, uint32_t value)
{
    using WR = Function::WriteResult;
    const unsigned qi = (offset - SRIOVNIC_REG_QUEUE_BASE) / SRIOVNIC_REG_QUEUE_STRIDE;
    if (qi >= f.queue_pairs()) {
        return WR::unmapped;
    }
    SriovnicQueueRegs &q = f.queue(qi);
    const bool tx_on = queues::tx_enabled(q);
    const bool rx_on = queues::rx_enabled(q);
    // Geometry cannot change under a running ring.
    auto geometry = [](bool running, uint32_t &field, uint32_t v) {
        if (running) {
            return WR::bad_value;
        }
        field = v;
        return WR::done;
    };
    switch ((offset - SRIOVNIC_REG_QUEUE_BASE) % SRIOVNIC_REG_QUEUE_STRIDE) {
    case SRIOVNIC_Q_TX_BASE_LO: return geometry(tx_on, q.tx_base_lo, value);
    case SRIOVNIC_Q_TX_BASE_HI: return geometry(tx_on, q.tx_base_hi, value);
    case SRIOVNIC_Q_TX_LEN: return geometry(tx_on, q.tx_len, value);
    case SRIOVNIC_Q_RX_BASE_LO: return geometry(rx_on, q.rx_base_lo, value);
    case SRIOVNIC_Q_RX_BASE_HI: return geometry(rx_on, q.rx_base_hi, value);
    case SRIOVNIC_Q_RX_LEN: return geometry(rx_on, q.rx_len, value);
    case SRIOVNIC_Q_RX_BUF_LEN: return geometry(rx_on, q.rx_buf_len, value);
    case SRIOVNIC_Q_TX_HEAD:
    case SRIOVNIC_Q_RX_HEAD:
    case SRIOVNIC_Q_RX_NOBUF:
        return WR::read_only;
    case SRIOVNIC_Q_TX_CTRL:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !tx_on) {
            if (!queues::tx_config_ok(q)) {
                f.record_error(SRIOVNIC_ERR_BAD_QUEUE, offset);
                return WR::done;
            }
            q.tx_head = q.tx_tail = 0;
        }
        q.tx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        if (queues::tx_enabled(q) != tx_on) {
            platform_.trace_queue(f.index(), qi, true, !tx_on);
        }
        return WR::done;
    case SRIOVNIC_Q_RX_CTRL:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !rx_on) {
            if (!queues::rx_config_ok(q)) {
                f.record_error(SRIOVNIC_ERR_BAD_QUEUE, offset);
                return WR::done;
            }
            q.rx_head = q.rx_tail = 0;
        }
        q.rx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        if (queues::rx_enabled(q) != rx_on) {
            platform_.trace_queue(f.index(), qi, false, !rx_on);
        }
        return WR::done;
    case SRIOVNIC_Q_TX_TAIL:
        if (!tx_on || value >= q.tx_len) {
            return WR::bad_value;
        }
        q.tx_tail = value;
        process_tx(f, qi);
        return WR::done;
    case SRIOVNIC_Q_RX_TAIL:
        if (!rx_on || value >= q.rx_len) {
            return WR::bad_value;
        }
        q.rx_tail = value;
        if (uplink_blocked_) {
            uplink_blocked_ = false;
            platform_.uplink_ready();
        }
        return WR::done;
    case SRIOVNIC_Q_ITR:
        if (value > SRIOVNIC_ITR_MAX_US) {
            return WR::bad_value;
        }
        q.itr = value;
        if ((q.irq & (SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING)) == SRIOVNIC_QIRQ_PENDING) {
            q.irq &= ~SRIOVNIC_QIRQ_PENDING; // held: a shorter interval may be over already
            queue_interrupt(f, qi);
        }
        return WR::done;
    case SRIOVNIC_Q_IRQ:
        if (value & SRIOVNIC_QIRQ_MASK) {
            q.irq |= SRIOVNIC_QIRQ_MASKED;
        } else if (value & SRIOVNIC_QIRQ_UNMASK) {
            unmask_queue(f, qi);
        }
        return WR::done;
    default:
        return WR::unmapped;
    }
}

void Device::update_links()
{
    for (Function &f : functions_) {
        bool up = uplink_up_;
        if (f.link_policy() == SRIOVNIC_VFA_LINK_ENABLE) {
            up = true;
        } else if (f.link_policy() == SRIOVNIC_VFA_LINK_DISABLE) {
            up = false;
        }
        if (f.set_link(up)) {
            platform_.trace_link(f.index(), up);
            ports_dirty_ = true;
            update_interrupts(f);
        }
    }
}

std::optional<Function::WriteResult> Device::write_pf_register(uint32_t offset, uint32_t value)
{
    using WR = Function::WriteResult;
    SriovnicFnRegs &pf = functions_.front().regs();
    switch (offset) {
    case SRIOVNIC_REG_PF_VF_SELECT:
        if (value >= total_vfs()) {
            return WR::bad_value;
        }
        pf.pf_vf_select = value;
        return WR::done;
    case SRIOVNIC_REG_PF_VF_MC_HASH_LO:
    case SRIOVNIC_REG_PF_VF_MC_HASH_HI: {
        if (pf.pf_vf_select >= total_vfs()) {
            return WR::bad_value;
        }
        SriovnicFnRegs &r = functions_[1 + pf.pf_vf_select].regs();
        (offset == SRIOVNIC_REG_PF_VF_MC_HASH_LO ? r.mc_hash_lo : r.mc_hash_hi) = value;
        r.mc_hash_by_pf = 1;
        ports_dirty_ = true;
        platform_.trace_vf_setting(uint16_t(pf.pf_vf_select), offset, value);
        return WR::done;
    }
    case SRIOVNIC_REG_PF_VLAN_FILTER: {
        const unsigned vid = value & 0xFFF;
        if ((value & ~(SRIOVNIC_VLAN_FILTER_ADD | 0xFFFu)) || pf.pf_vf_select >= total_vfs() ||
            value == (SRIOVNIC_VLAN_FILTER_ADD | SRIOVNIC_VLAN_FILTER_CLEAR)) {
            return WR::bad_value;
        }
        uint32_t *filter = functions_[1 + pf.pf_vf_select].regs().vlan_filter;
        ports_dirty_ = true;
        platform_.trace_vf_setting(uint16_t(pf.pf_vf_select), offset, value);
        if (value == SRIOVNIC_VLAN_FILTER_CLEAR) {
            std::fill(filter, filter + SRIOVNIC_VLAN_WORDS, 0u);
            return WR::done;
        }
        uint32_t &word = filter[vid / 32];
        if (value & SRIOVNIC_VLAN_FILTER_ADD) {
            word |= 1u << (vid % 32);
        } else {
            word &= ~(1u << (vid % 32));
        }
        return WR::done;
    }
    default:
        return std::nullopt;
    }
}

void Device::reset_function(uint16_t fn)
{
    Function *f = function(fn);
    if (!f) {
        return;
    }
    f->reset();
    shapers_[fn] = TxShaper{};
    irq_throttles_[fn] = IrqThrottle{};
    if (fn == SRIOVNIC_FN_PF) {
        // The PF's administration of its VFs goes with the PF.
        for (size_t vf = 1; vf < functions_.size(); vf++) {
            functions_[vf].reset_admin();
        }
        update_links();
    }
    ports_dirty_ = true;
    update_interrupts(*f);
}

void Device::set_active_vfs(uint16_t active_vfs)
{
    active_vfs_ = active_vfs <= total_vfs() ? active_vfs : total_vfs();
    ports_dirty_ = true;
}

bool Device::request_vf_enable(uint16_t num_vfs)
{
    if (num_vfs <= total_vfs()) {
        return true;
    }
    Function &pf = functions_.front();
    pf.record_error(SRIOVNIC_ERR_BAD_NUMVFS, std::nullopt);
    update_interrupts(pf);
    return false;
}

void Device::set_uplink_link(bool up)
{
    uplink_up_ = up;
    update_links();
    ports_dirty_ = true;
}

void Device::update_interrupts(Function &f)
{
    if (std::optional<uint16_t> vector = f.take_new_interrupt()) {
        platform_.raise_msix(f.index(), *vector);
    }
    if (!f.is_vf()) {
        platform_.set_intx(f.interrupt_pending());
    }
}

std::optional<std::string> Device::post_load(uint16_t fn)
{
    Function *f = function(fn);
    if (!f) {
        return "no function " + std::to_string(fn);
    }
    if (auto problem = f->validate_loaded()) {
        return problem;
    }
    for (unsigned q = 0; q < SRIOVNIC_MAX_QUEUE_PAIRS; q++) {
        const SriovnicQueueRegs &regs = f->regs().queues[q];
        if (q >= f->queue_pairs() && (queues::tx_enabled(regs) || queues::rx_enabled(regs))) {
            return "function " + std::to_string(fn) + ": queue " + std::to_string(q) +
                   " enabled but the function has " + std::to_string(f->queue_pairs());
        }
        if (auto problem = queues::validate(regs)) {
            return "function " + std::to_string(fn) + " queue " + std::to_string(q) + ": " +
                   *problem;
        }
    }
    ports_dirty_ = true;
    update_links();
    // Neither transmit paused by the rate limiter nor interrupts held back by
    // moderation are migrated: resume both. The clock may be behind the last
    // interrupt's time (a snapshot loaded again), so forget it.
    tx_kick_[fn] = true;
    irq_throttles_[fn] = IrqThrottle{};
    irq_throttles_[fn].deferred = true;
    arm_timer(platform_.now_ns());
    return std::nullopt;
}

} // namespace sriovnic
