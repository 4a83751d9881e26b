// SPDX-License-Identifier: GPL-2.0-or-later
// The misc-interrupt and error-latch registers (INT_CAUSE, INT_ENABLE_SET/CLR,
// INT_CAUSE_SET, MISC_VECTOR, ERR_CAUSE/COUNT/ADDR) behave the same on a PCI
// function and on a synthetic function. Their migrated structs differ
// (SriovnicFnRegs, SriovnicSynthRegs) but name these fields alike, so the
// rules are written once here over either.
#pragma once

#include "regmap.hpp"
#include "sriovnic/regs.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace sriovnic::cause_regs {

template <typename Regs> uint32_t read(const Regs &r, CauseReg reg)
{
    switch (reg) {
    case CauseReg::int_cause: return r.int_cause;
    case CauseReg::int_enable_set:
    case CauseReg::int_enable_clr: return r.int_enable;
    case CauseReg::int_cause_set: return 0; // write-only
    case CauseReg::misc_vector: return r.misc_vector;
    case CauseReg::err_cause: return r.err_cause;
    case CauseReg::err_count: return r.err_count;
    case CauseReg::err_addr: return r.err_addr;
    }
    return 0;
}

// A valid MISC_VECTOR that names a vector the function has.
template <typename Regs> bool misc_vector_usable(const Regs &r, unsigned vectors)
{
    return (r.misc_vector & SRIOVNIC_VECTOR_VALID) &&
           (r.misc_vector & SRIOVNIC_VECTOR_INDEX_MASK) < vectors;
}

enum class Write {
    done,
    read_only,       // ERR_COUNT, ERR_ADDR
    unusable_vector, // written, but MISC_VECTOR names no vector of the function
};

// A write to one of these registers; `causes` are the function's
// defined INT_CAUSE bits.
template <typename Regs>
Write write(Regs &r, CauseReg reg, uint32_t value, uint32_t causes, unsigned vectors)
{
    switch (reg) {
    case CauseReg::int_cause: r.int_cause &= ~value; break;
    case CauseReg::int_enable_set: r.int_enable |= value & causes; break;
    case CauseReg::int_enable_clr: r.int_enable &= ~value; break;
    case CauseReg::int_cause_set: r.int_cause |= value & causes; break;
    case CauseReg::misc_vector:
        r.misc_vector = value & SRIOVNIC_VECTOR_RW_MASK;
        if ((r.misc_vector & SRIOVNIC_VECTOR_VALID) && !misc_vector_usable(r, vectors)) {
            return Write::unusable_vector;
        }
        break;
    case CauseReg::err_cause: r.err_cause &= ~value; break;
    case CauseReg::err_count:
    case CauseReg::err_addr: return Write::read_only;
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
