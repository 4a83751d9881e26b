/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SRIOVNIC_VF_ADMIN_H
#define SRIOVNIC_VF_ADMIN_H

#include <linux/netdevice.h>

/* The PF's netdev ops: the shared ones plus `ip link set <pf> vf N ...`. */
extern const struct net_device_ops sriovnic_pf_netdev_ops;

#endif
