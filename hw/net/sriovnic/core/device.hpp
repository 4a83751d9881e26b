// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "function.hpp"
#include "platform.hpp"
#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sriovnic {

// One sriovnic card: the PF and all TotalVFs VFs, and the rules for accesses
// to their register BARs.
class Device {
public:
    static std::optional<std::string> check_config(const SriovnicCoreConfig &cfg);

    // The configuration must have passed check_config().
    Device(const SriovnicCoreConfig &cfg, Platform &platform);

    uint64_t read(uint16_t fn, uint64_t offset, unsigned size);
    void write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value);

    void reset_function(uint16_t fn);
    void set_active_vfs(uint16_t active_vfs);

    // The guest is setting VF Enable with NumVFs = `num_vfs`. Returns whether
    // the card accepts it; a refusal is flagged and counted on the PF.
    bool request_vf_enable(uint16_t num_vfs);

    uint16_t total_vfs() const { return uint16_t(functions_.size() - 1); }
    uint16_t active_vfs() const { return active_vfs_; }

    // nullptr if `fn` names no function of this card.
    Function *function(uint16_t fn);

    std::optional<std::string> post_load(uint16_t fn);

private:
    std::optional<uint32_t> read_pf_register(uint32_t offset) const;
    void update_interrupts(Function &f);

    Platform &platform_;
    std::vector<Function> functions_; // [0] is the PF, [n + 1] is VF n
    uint16_t active_vfs_ = 0;
};

} // namespace sriovnic
