/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the drivers need from newer kernels, for Debian's 6.1. */
#ifndef SRIOVNIC_COMPAT_H
#define SRIOVNIC_COMPAT_H

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
static inline void ethtool_puts(u8 **data, const char *str)
{
	ethtool_sprintf(data, "%s", str);
}
#endif

/* IFF_NO_ADDRCONF arrived in 6.2; before it, addrconf skipped IFF_SLAVE. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define SRIOVNIC_HAVE_NO_ADDRCONF	1
#endif

/* Up to 6.1 a running netdev could be renamed only with this flag. */
#ifdef IFF_LIVE_RENAME_OK
#define SRIOVNIC_IFF_LIVE_RENAME_OK	IFF_LIVE_RENAME_OK
#else
#define SRIOVNIC_IFF_LIVE_RENAME_OK	0
#endif

/*
 * A netdev whose ndo_start_xmit does its own locking: the core takes no
 * queue lock around it. 6.12 moved NETIF_F_LLTX to the lltx field.
 */
static inline void sriovnic_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

#endif
