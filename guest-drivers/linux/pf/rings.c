// SPDX-License-Identifier: GPL-2.0-or-later
/* This module's copy of the shared ring code. */
#include "../common/sriovnic_rings.c"
