// SPDX-License-Identifier: GPL-2.0-or-later
// Why a synthetic channel's traffic is not on its paired VF, in plain words
// (Hyper-V's IovSupportReasons): a pure function of the channel's snapshot,
// so that management shows exactly what the core decided.
#pragma once

#include "sriovnic-core.h"

#include <cstdint>
#include <string>

namespace sriovnic::synth {

// Empty while the data path is VF and the VF receives. `revoking_reason` is
// the reason of the revoke in progress (used when the state is REVOKING).
SriovnicSynthReasons why_not_on_vf(const SriovnicSynthInfo &info, uint8_t revoking_reason);

// "removed", "policy", ...: the names management uses for
// enum sriovnic_synth_revoke_reason; "unknown" outside it.
const char *revoke_reason_name(unsigned reason);

} // namespace sriovnic::synth
