// SPDX-License-Identifier: GPL-2.0-or-later
/* This module's copy of the shared netdev code. */
#include "../common/sriovnic_net.c"
