// SPDX-License-Identifier: GPL-2.0-or-later
// The PF's control of its VFs: per-VF administration registers and the
// PF<->VF mailbox.
#include "device.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

std::optional<uint32_t> Device::read_admin_register(uint32_t offset)
{
    const uint32_t rel = offset - SRIOVNIC_REG_ADMIN_BASE;
    const Function &vf = functions_[1 + rel / SRIOVNIC_REG_ADMIN_STRIDE];
    const SriovnicFnRegs &r = vf.regs();
    const uint32_t reg = rel % SRIOVNIC_REG_ADMIN_STRIDE;
    auto stat_word = [&r, reg](unsigned stat) {
        const uint64_t v = r.stats[stat];
        return uint32_t((reg & 4) ? v >> 32 : v);
    };
    switch (reg) {
    case SRIOVNIC_VFA_MAC_LO: return r.admin_mac_lo;
    case SRIOVNIC_VFA_MAC_HI: return r.admin_mac_hi;
    case SRIOVNIC_VFA_VLAN: return r.admin_vlan;
    case SRIOVNIC_VFA_FLAGS: return r.admin_flags;
    case SRIOVNIC_VFA_RATE: return r.admin_rate;
    case SRIOVNIC_VFA_MBX_CTRL: return r.mbx_status;
    case SRIOVNIC_VFA_TX_DROPPED:
        return uint32_t(r.stats[SRIOVNIC_STAT_TX_DROP_SPOOF] + r.stats[SRIOVNIC_STAT_TX_DROP_LINK] +
                        r.stats[SRIOVNIC_STAT_TX_DROP_SIZE]);
    case SRIOVNIC_VFA_RX_DROPPED:
        return uint32_t(r.stats[SRIOVNIC_STAT_RX_DROP_NOBUF] +
                        r.stats[SRIOVNIC_STAT_RX_DROP_FILTER]);
    case SRIOVNIC_VFA_RX_PACKETS:
    case SRIOVNIC_VFA_RX_PACKETS + 4:
        return stat_word(SRIOVNIC_STAT_RX_PACKETS);
    case SRIOVNIC_VFA_RX_BYTES:
    case SRIOVNIC_VFA_RX_BYTES + 4:
        return stat_word(SRIOVNIC_STAT_RX_BYTES);
    case SRIOVNIC_VFA_TX_PACKETS:
    case SRIOVNIC_VFA_TX_PACKETS + 4:
        return stat_word(SRIOVNIC_STAT_TX_PACKETS);
    case SRIOVNIC_VFA_TX_BYTES:
    case SRIOVNIC_VFA_TX_BYTES + 4:
        return stat_word(SRIOVNIC_STAT_TX_BYTES);
    default:
        return std::nullopt;
    }
}

Function::WriteResult Device::write_admin_register(uint32_t offset, uint32_t value)
{
    using WR = Function::WriteResult;
    const uint32_t rel = offset - SRIOVNIC_REG_ADMIN_BASE;
    Function &vf = functions_[1 + rel / SRIOVNIC_REG_ADMIN_STRIDE];
    SriovnicFnRegs &r = vf.regs();
    switch (rel % SRIOVNIC_REG_ADMIN_STRIDE) {
    case SRIOVNIC_VFA_MAC_LO:
        r.admin_mac_lo_staged = value;
        return WR::done;
    case SRIOVNIC_VFA_MAC_HI:
        if (r.admin_mac_lo_staged & 1) { // the group bit of the first octet
            return WR::bad_value;
        }
        vf.set_admin_mac(r.admin_mac_lo_staged, value);
        admin_changed(vf);
        return WR::done;
    case SRIOVNIC_VFA_VLAN:
        if ((value & ~SRIOVNIC_VFA_VLAN_RW_MASK) || (value & 0xFFF) == 0xFFF) {
            return WR::bad_value;
        }
        r.admin_vlan = value;
        admin_changed(vf);
        return WR::done;
    case SRIOVNIC_VFA_FLAGS:
        if ((value & ~SRIOVNIC_VFA_FLAGS_RW_MASK) ||
            ((value & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT) >
                SRIOVNIC_VFA_LINK_DISABLE ||
            ((value & SRIOVNIC_VFA_MAX_MTU_MASK) >> SRIOVNIC_VFA_MAX_MTU_SHIFT) >
                SRIOVNIC_MTU_MAX) {
            return WR::bad_value;
        }
        r.admin_flags = value;
        admin_changed(vf);
        return WR::done;
    case SRIOVNIC_VFA_MBX_CTRL:
        return pf_mailbox_ctrl(vf, value);
    case SRIOVNIC_VFA_RATE:
        if (value > SRIOVNIC_RATE_MAX_MBPS) {
            return WR::bad_value;
        }
        r.admin_rate = value;
        shapers_[vf.index()] = TxShaper{};
        process_all_tx(vf);
        return WR::done;
    default:
        return read_admin_register(offset) ? WR::read_only : WR::unmapped;
    }
}

void Device::admin_changed(Function &vf)
{
    vf.raise_cause(SRIOVNIC_INT_CONFIG);
    ports_dirty_ = true;
    update_links();
    update_interrupts(vf);
}

namespace {

bool in_vf_msg(uint32_t reg)
{
    return reg >= SRIOVNIC_REG_MBX_VF_MSG(0) && reg < SRIOVNIC_REG_MBX_VF_MSG(SRIOVNIC_MBX_WORDS);
}

bool in_pf_msg(uint32_t reg)
{
    return reg >= SRIOVNIC_REG_MBX_PF_MSG(0) && reg < SRIOVNIC_REG_MBX_PF_MSG(SRIOVNIC_MBX_WORDS);
}

} // namespace

std::optional<uint32_t> Device::read_vf_mailbox(Function &vf, uint32_t reg) const
{
    const SriovnicFnRegs &r = vf.regs();
    if (in_vf_msg(reg)) {
        return r.mbx_vf_msg[(reg - SRIOVNIC_REG_MBX_VF_MSG(0)) / 4];
    }
    if (in_pf_msg(reg)) {
        return r.mbx_pf_msg[(reg - SRIOVNIC_REG_MBX_PF_MSG(0)) / 4];
    }
    switch (reg) {
    case SRIOVNIC_REG_MBX_CTRL:
        return 0;
    case SRIOVNIC_REG_MBX_STATUS:
        return r.mbx_status;
    default:
        return std::nullopt;
    }
}

Function::WriteResult Device::write_vf_mailbox(Function &vf, uint32_t reg, uint32_t value)
{
    using WR = Function::WriteResult;
    SriovnicFnRegs &r = vf.regs();
    if (in_pf_msg(reg) || reg == SRIOVNIC_REG_MBX_STATUS) {
        return WR::read_only;
    }
    if (in_vf_msg(reg)) {
        if (r.mbx_status & SRIOVNIC_MBX_STATUS_BUSY) {
            vf.record_error(SRIOVNIC_ERR_MBX_BUSY, reg); // the PF may be reading it
            return WR::done;
        }
        r.mbx_vf_msg[(reg - SRIOVNIC_REG_MBX_VF_MSG(0)) / 4] = value;
        return WR::done;
    }
    if (reg != SRIOVNIC_REG_MBX_CTRL) {
        return WR::unmapped;
    }
    if (value & SRIOVNIC_MBX_CTRL_ACK) {
        r.mbx_status &= ~SRIOVNIC_MBX_STATUS_MSG;
    }
    if (value & SRIOVNIC_MBX_CTRL_SEND) {
        if (r.mbx_status & SRIOVNIC_MBX_STATUS_BUSY) {
            vf.count(SRIOVNIC_STAT_MBX_REFUSED);
            vf.record_error(SRIOVNIC_ERR_MBX_BUSY, reg);
        } else {
            r.mbx_status |= SRIOVNIC_MBX_STATUS_BUSY;
            vf.count(SRIOVNIC_STAT_MBX_SENT);
            platform_.trace_mailbox(uint16_t(vf.index() - 1), true, r.mbx_vf_msg[0]);
            Function &pf = functions_.front();
            pf.raise_cause(SRIOVNIC_INT_MBX);
            update_interrupts(pf);
        }
    }
    return WR::done;
}

std::optional<uint32_t> Device::read_pf_mailbox(uint32_t reg) const
{
    const uint32_t rel = reg - SRIOVNIC_REG_PF_MBX_BASE;
    const SriovnicFnRegs &r = functions_[1 + rel / SRIOVNIC_REG_PF_MBX_STRIDE].regs();
    const uint32_t word = (rel % SRIOVNIC_REG_PF_MBX_STRIDE) / 4;
    return word < SRIOVNIC_MBX_WORDS ? r.mbx_vf_msg[word] : r.mbx_pf_msg[word - SRIOVNIC_MBX_WORDS];
}

Function::WriteResult Device::write_pf_mailbox(uint32_t reg, uint32_t value)
{
    const uint32_t rel = reg - SRIOVNIC_REG_PF_MBX_BASE;
    SriovnicFnRegs &r = functions_[1 + rel / SRIOVNIC_REG_PF_MBX_STRIDE].regs();
    const uint32_t word = (rel % SRIOVNIC_REG_PF_MBX_STRIDE) / 4;
    if (word < SRIOVNIC_MBX_WORDS) {
        return Function::WriteResult::read_only;
    }
    if (r.mbx_status & SRIOVNIC_MBX_STATUS_MSG) {
        functions_.front().record_error(SRIOVNIC_ERR_MBX_BUSY, reg); // the VF may be reading it
        return Function::WriteResult::done;
    }
    r.mbx_pf_msg[word - SRIOVNIC_MBX_WORDS] = value;
    return Function::WriteResult::done;
}

Function::WriteResult Device::pf_mailbox_ctrl(Function &vf, uint32_t value)
{
    Function &pf = functions_.front();
    SriovnicFnRegs &r = vf.regs();
    bool notify = false;
    if ((value & SRIOVNIC_MBX_CTRL_ACK) && (r.mbx_status & SRIOVNIC_MBX_STATUS_BUSY)) {
        r.mbx_status &= ~SRIOVNIC_MBX_STATUS_BUSY;
        notify = true;
    }
    if (value & SRIOVNIC_MBX_CTRL_SEND) {
        if (r.mbx_status & SRIOVNIC_MBX_STATUS_MSG) {
            pf.count(SRIOVNIC_STAT_MBX_REFUSED);
            pf.record_error(SRIOVNIC_ERR_MBX_BUSY, std::nullopt);
        } else {
            r.mbx_status |= SRIOVNIC_MBX_STATUS_MSG;
            pf.count(SRIOVNIC_STAT_MBX_SENT);
            platform_.trace_mailbox(uint16_t(vf.index() - 1), false, r.mbx_pf_msg[0]);
            notify = true;
        }
    }
    if (notify) {
        vf.raise_cause(SRIOVNIC_INT_MBX);
        update_interrupts(vf);
    }
    return Function::WriteResult::done;
}

uint32_t Device::pf_mailbox_pending(unsigned word) const
{
    uint32_t bits = 0;
    for (unsigned b = 0; b < 32; b++) {
        const size_t fn = 1 + size_t(word) * 32 + b;
        if (fn < functions_.size() &&
            (functions_[fn].regs().mbx_status & SRIOVNIC_MBX_STATUS_BUSY)) {
            bits |= 1u << b;
        }
    }
    return bits;
}

} // namespace sriovnic
