// SPDX-License-Identifier: GPL-2.0-or-later
/* This module's copy of the shared ethtool code. */
#include "../common/sriovnic_ethtool.c"
