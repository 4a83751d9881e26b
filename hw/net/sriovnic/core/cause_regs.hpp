// SPDX-License-Identifier: GPL-2.0-or-later
// The misc-interrupt and error-latch registers (INT_CAUSE, INT_ENABLE_SET/CLR,
// INT_CAUSE_SET, MISC_VECTOR, ERR_CAUSE/COUNT/ADDR) behave the same on a PCI
// function and on a synthetic function. Their migrated structs differ
// (SriovnicFnRegs, SriovnicSynthRegs) but name these fields alike, so the
// rules are written once here over either.
#pragma once

#include "sriovnic/regs.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace sriovnic::cause_regs {

// The register's value, or nullopt if `offset` is none of these registers.
template <typename Regs> std::optional<uint32_t> read(const Regs &r, uint32_t offset)
{
    switch (offset) {
    case SRIOVNIC_REG_INT_CAUSE: return r.int_cause;
    case SRIOVNIC_REG_INT_ENABLE_SET:
    case SRIOVNIC_REG_INT_ENABLE_CLR: return r.int_enable;
    case SRIOVNIC_REG_INT_CAUSE_SET: return 0; // write-only
    case SRIOVNIC_REG_MISC_VECTOR: return r.misc_vector;
    case SRIOVNIC_REG_ERR_CAUSE: return r.err_cause;
    case SRIOVNIC_REG_ERR_COUNT: return r.err_count;
    case SRIOVNIC_REG_ERR_ADDR: return r.err_addr;
    default: return std::nullopt;
    }
}

// A valid MISC_VECTOR that names a vector the function has.
template <typename Regs> bool misc_vector_usable(const Regs &r, unsigned vectors)
{
    return (r.misc_vector & SRIOVNIC_VECTOR_VALID) &&
           (r.misc_vector & SRIOVNIC_VECTOR_INDEX_MASK) < vectors;
}

enum class Write {
    not_mine,        // none of these registers (or a read-only one): the caller's
    done,
    unusable_vector, // written, but MISC_VECTOR names no vector of the function
};

// A write to one of the writable registers; `causes` are the function's
// defined INT_CAUSE bits.
template <typename Regs>
Write write(Regs &r, uint32_t offset, uint32_t value, uint32_t causes, unsigned vectors)
{
    switch (offset) {
    case SRIOVNIC_REG_INT_CAUSE: r.int_cause &= ~value; break;
    case SRIOVNIC_REG_INT_ENABLE_SET: r.int_enable |= value & causes; break;
    case SRIOVNIC_REG_INT_ENABLE_CLR: r.int_enable &= ~value; break;
    case SRIOVNIC_REG_INT_CAUSE_SET: r.int_cause |= value & causes; break;
    case SRIOVNIC_REG_MISC_VECTOR:
        r.misc_vector = value & SRIOVNIC_VECTOR_RW_MASK;
        if ((r.misc_vector & SRIOVNIC_VECTOR_VALID) && !misc_vector_usable(r, vectors)) {
            return Write::unusable_vector;
        }
        break;
    case SRIOVNIC_REG_ERR_CAUSE: r.err_cause &= ~value; break;
    default: return Write::not_mine;
    }
    return Write::done;
}

// Latches an error (its cause bits, the saturating count, ERR_ADDR when the
// error has a register offset) and raises the error interrupt cause.
template <typename Regs>
void latch_error(Regs &r, uint32_t err_bits, std::optional<uint32_t> offset)
{
    r.err_cause |= err_bits;
    if (r.err_count != std::numeric_limits<uint32_t>::max()) {
        r.err_count++;
    }
    if (offset) {
        r.err_addr = *offset;
    }
    r.int_cause |= SRIOVNIC_INT_ERROR;
}

// The vector to signal if enabled causes became pending since the last call
// (`signalled` remembers what was pending then).
template <typename Regs>
std::optional<uint16_t> take_new_interrupt(const Regs &r, uint32_t &signalled, unsigned vectors)
{
    const uint32_t pending = r.int_cause & r.int_enable;
    const uint32_t fresh = pending & ~signalled;
    signalled = pending;
    if (fresh && misc_vector_usable(r, vectors)) {
        return uint16_t(r.misc_vector & SRIOVNIC_VECTOR_INDEX_MASK);
    }
    return std::nullopt;
}

} // namespace sriovnic::cause_regs
