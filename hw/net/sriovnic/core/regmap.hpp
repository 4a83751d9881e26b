// SPDX-License-Identifier: GPL-2.0-or-later
// Where a register access lands: decoded once into a typed target, then
// read and write each dispatch on it (docs/hardware-interface.md, the
// register map).
#pragma once

#include <cstdint>

namespace sriovnic {

// What the decoder needs to know about the accessed function.
struct RegLayout {
    bool is_vf;
    uint32_t regs_size;
    uint8_t queue_pairs;
    uint16_t total_vfs; // the PF's; windows sized by it
};

struct RegTarget {
    enum class Block {
        bad_access,  // not an aligned 32-bit access
        outside,     // beyond the register BAR
        unmapped,    // in a window, but no register there
        common,      // PF and VF: identity, control, interrupts, errors, filters, counters
        pf,          // PF only: SR-IOV and the selected VF's filters
        queue,       // queue pair `index`, `reg` = offset in the pair's window
        vf_mailbox,  // VF only: its side of the mailbox
        admin,       // PF only: administration of VF `index`, `reg` = offset in its window
        pf_mailbox,  // PF only: its side of VF `index`'s mailbox, `reg` = offset in its window
    };
    Block block;
    uint32_t offset; // the access offset (modulo the BAR for bad accesses)
    uint32_t reg;
    uint16_t index;
};

RegTarget decode_register(const RegLayout &layout, uint64_t offset, unsigned size);

} // namespace sriovnic
