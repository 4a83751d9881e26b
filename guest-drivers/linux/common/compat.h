/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the drivers need from newer kernels, for Debian's 6.1, and what 6.12
 * moved. Feature macros where the kernel has them, else the version: the
 * only place the drivers test it (scripts/check-drivers.sh lets checkpatch
 * accept it here).
 */
#ifndef SRIOVNIC_COMPAT_H
#define SRIOVNIC_COMPAT_H

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/version.h>

#if KERNEL_VERSION(6, 8, 0) > LINUX_VERSION_CODE
static inline void ethtool_puts(u8 **data, const char *str)
{
	strscpy_pad(*data, str, ETH_GSTRING_LEN);
	*data += ETH_GSTRING_LEN;
}
#endif

/* IFF_NO_ADDRCONF arrived in 6.2; before it, addrconf skipped IFF_SLAVE. */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
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
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

#endif
