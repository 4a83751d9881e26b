// SPDX-License-Identifier: GPL-2.0-or-later
#include "device.hpp"

#include "sriovnic/regs.h"

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

Device::Device(const SriovnicCoreConfig &cfg, Platform &platform) : platform_(platform)
{
    functions_.reserve(size_t(cfg.total_vfs) + 1);
    uint32_t pf_caps = uint32_t(cfg.pf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    if (cfg.total_vfs) {
        pf_caps |= SRIOVNIC_CAPS_SRIOV;
    }
    functions_.emplace_back(SRIOVNIC_FN_PF, SRIOVNIC_MSIX_VECTORS(cfg.pf_queue_pairs), pf_caps,
                            SRIOVNIC_PF_REGS_SIZE);
    functions_.front().set_mac(cfg.mac);
    const uint32_t vf_caps =
        SRIOVNIC_CAPS_IS_VF | uint32_t(cfg.vf_queue_pairs) << SRIOVNIC_CAPS_QPAIRS_SHIFT;
    for (uint16_t n = 0; n < cfg.total_vfs; n++) {
        functions_.emplace_back(SRIOVNIC_FN_VF(n), SRIOVNIC_MSIX_VECTORS(cfg.vf_queue_pairs),
                                vf_caps, SRIOVNIC_VF_REGS_SIZE);
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
    default:
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
        std::optional<uint32_t> value = f->read_register(reg);
        if (!value && !f->is_vf()) {
            value = read_pf_register(reg);
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
        switch (f->write_register(reg, uint32_t(value))) {
        case Function::WriteResult::done:
            break;
        case Function::WriteResult::read_only:
            f->record_error(SRIOVNIC_ERR_RO_WRITE, reg);
            break;
        case Function::WriteResult::unmapped:
            f->record_error(!f->is_vf() && read_pf_register(reg) ? SRIOVNIC_ERR_RO_WRITE
                                                                  : SRIOVNIC_ERR_UNMAPPED,
                            reg);
            break;
        }
    }
    update_interrupts(*f);
}

void Device::reset_function(uint16_t fn)
{
    if (Function *f = function(fn)) {
        f->reset();
        update_interrupts(*f);
    }
}

void Device::set_active_vfs(uint16_t active_vfs)
{
    active_vfs_ = active_vfs <= total_vfs() ? active_vfs : total_vfs();
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
    return f->validate_loaded();
}

} // namespace sriovnic
