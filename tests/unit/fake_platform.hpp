// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "platform.hpp"

#include <utility>
#include <vector>

namespace sriovnic::test {

// Records what the core asks of its host.
class FakePlatform final : public Platform {
public:
    void raise_msix(uint16_t fn, uint16_t vector) override { msix.emplace_back(fn, vector); }
    void set_intx(bool asserted) override { intx = asserted; }

    std::vector<std::pair<uint16_t, uint16_t>> msix;
    bool intx = false;
};

} // namespace sriovnic::test
