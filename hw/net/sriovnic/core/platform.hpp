// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>

namespace sriovnic {

// Everything the core needs from its host (QEMU, or a test's fake).
class Platform {
public:
    virtual ~Platform() = default;
    virtual void raise_msix(uint16_t fn, uint16_t vector) = 0;
    virtual void set_intx(bool asserted) = 0;
};

} // namespace sriovnic
