/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriovnic PF driver: state and entry points shared by its files. */
#ifndef SRIOVNIC_PF_H
#define SRIOVNIC_PF_H

#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>

#include "sriovnic_net.h"

/* The PF's record of how it administers each VF, replayed after a PF reset. */
struct sriovnic_vf_cfg {
	u32 mac_lo;
	u32 mac_hi;
	u32 vlan;
	u32 flags;	/* SRIOVNIC_VFA_FLAGS value, max MTU included */
	u32 rate;
	DECLARE_BITMAP(vlans, VLAN_N_VID);	/* the VF's VLAN filter */
	u32 mbx_caps;	/* SRIOVNIC_MBX_CAP_* agreed in the VF's last hello */
};

struct sriovnic_pf {
	struct mutex select_lock;	/* PF_VF_SELECT and the registers it selects for */
	unsigned int total_vfs;
	unsigned int vf_max_mtu;
	struct sriovnic_vf_cfg *vf;
};

static inline struct sriovnic_pf *sriovnic_pf_of(struct sriovnic_priv *priv)
{
	return priv->role;
}

/* The PF's netdev ops: the shared ones plus `ip link set <pf> vf N ...`. */
extern const struct net_device_ops sriovnic_pf_netdev_ops;

void sriovnic_pf_apply_vf(struct sriovnic_priv *priv, unsigned int vf);
void sriovnic_pf_apply_vlan_filter(struct sriovnic_priv *priv, unsigned int vf);
void sriovnic_pf_set_vf_mc_hash(struct sriovnic_priv *priv, unsigned int vf, u32 lo, u32 hi);
/* The role's attach: the VF records, programmed before any VF can exist. */
void sriovnic_pf_init_vfs(struct sriovnic_priv *priv);
void sriovnic_pf_mailbox(struct work_struct *work);
void sriovnic_pf_notify_reset(struct sriovnic_priv *priv);

#endif
