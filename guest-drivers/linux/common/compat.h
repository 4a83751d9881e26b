/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the drivers need from newer kernels, for Debian's 6.1. */
#ifndef SRIOVNIC_COMPAT_H
#define SRIOVNIC_COMPAT_H

#include <linux/ethtool.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
static inline void ethtool_puts(u8 **data, const char *str)
{
	ethtool_sprintf(data, "%s", str);
}
#endif

#endif
