// SPDX-License-Identifier: GPL-2.0-or-later
// Self-announcement after a migration: the frames that tell the network's
// switches where the guest's addresses now live. QEMU announces a NIC's own
// MAC; the card answers for more addresses than that (its VFs' and its
// synthetic channels'), so it announces those itself.
#pragma once

#include "frame.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace sriovnic {

struct PortView;

// A RARP "reverse request" from `mac`, as QEMU's own announcement, tagged
// with `vid` unless it is 0. Padded to the minimum frame size.
std::vector<uint8_t> rarp_announcement(const MacAddr &mac, uint16_t vid);

struct Announcement {
    MacAddr mac{};
    uint16_t vid = 0;
};

// What a card announces besides `own` (the MAC QEMU announces): each
// receiving port's unicast address on its port VLAN, once per address.
std::vector<Announcement> announcements(std::span<const PortView> ports, const MacAddr &own);

} // namespace sriovnic
