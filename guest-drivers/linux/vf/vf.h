/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriovnic VF driver: state and entry points shared by its files. */
#ifndef SRIOVNIC_VF_H
#define SRIOVNIC_VF_H

#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "sriovnic_net.h"

struct sriovnic_vf {
	struct sriovnic_priv *priv;
	struct mutex mbx_lock;		/* one request in flight */
	bool pf_answers;		/* the PF driver speaks the mailbox */
	u32 pf_api;
	struct work_struct reset_work;	/* the PF was reset under us */
	struct work_struct mc_work;	/* sends mc_hash to the PF */
	u64 mc_hash;			/* the netdev's multicast list, hashed */
	bool removing;			/* set under the address lock: no more work items */
	DECLARE_BITMAP(vlans, VLAN_N_VID); /* VLANs the PF took, asked again after a reset */
	struct delayed_work watchdog;
	bool reset_seen;		/* the watchdog saw a reset last time */
	bool was_running;		/* across an FLR (reset_prepare/done) */
	bool gone;			/* surprise removal: the function does not answer */
};

static inline struct sriovnic_vf *sriovnic_vf_of(struct sriovnic_priv *priv)
{
	return priv->role;
}

/* Sends a request; fills reply (16 words). 0, -EPERM (denied), -EOPNOTSUPP or -ETIMEDOUT. */
int sriovnic_vf_request(struct sriovnic_vf *vf, u32 op, u32 arg, u32 *reply);
int sriovnic_vf_request_args(struct sriovnic_vf *vf, u32 op, const u32 *args,
			     unsigned int nargs, u32 *reply);
int sriovnic_vf_hello(struct sriovnic_vf *vf);
/* Whether the PF sets our multicast filter (mailbox API 2); else we write it. */
static inline bool sriovnic_vf_pf_sets_mc(struct sriovnic_vf *vf)
{
	return vf->pf_answers && vf->pf_api >= 2;
}
void sriovnic_vf_set_mc_hash(struct sriovnic_priv *priv, u64 hash);
void sriovnic_vf_mc_work(struct work_struct *work);
void sriovnic_vf_mailbox(struct work_struct *work);

#endif
