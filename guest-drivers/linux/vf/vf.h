/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriovnic VF driver: state and entry points shared by its files. */
#ifndef SRIOVNIC_VF_H
#define SRIOVNIC_VF_H

#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "sriovnic_net.h"

#include <sriovnic/mailbox.h>

/*
 * The VF driver's lifecycle. It changes only through
 * sriovnic_vf_change_state(), with rtnl held (REMOVING also under the
 * netdev's address lock, which ndo_set_rx_mode runs under); readers that
 * cannot take rtnl use sriovnic_vf_state().
 */
enum sriovnic_vf_state {
	/* probe, before the first hello: the multicast list waits, PF notices
	 * are left to the hello
	 */
	SRIOVNIC_VF_STARTING,
	SRIOVNIC_VF_READY,	/* the function answers; netdev up or down */
	/* the watchdog found the function reset once; seen again, it recovers */
	SRIOVNIC_VF_RESET_SEEN,
	SRIOVNIC_VF_RESETTING,	/* FLR under way, or being recovered */
	SRIOVNIC_VF_GONE,	/* surprise removal: detached, requests fail */
	SRIOVNIC_VF_REMOVING,	/* unbinding: no new work items; final */
};

struct sriovnic_vf {
	struct sriovnic_priv *priv;
	enum sriovnic_vf_state state;
	struct mutex mbx_lock;		/* one request in flight; the two below */
	u32 mbx_tag;			/* tag of our last request, 1..127 */
	struct sriovnic_mbx_exchange mbx_exchange; /* which reply we wait for */
	bool pf_answered;		/* a PF driver answered our last hello */
	u32 pf_caps;			/* SRIOVNIC_MBX_CAP_* agreed in that hello */
	/* a PF that answered stopped answering: the watchdog says hello until it does again */
	bool pf_silent;
	struct work_struct reset_work;	/* the PF was reset under us */
	struct work_struct mc_work;	/* sends mc_hash to the PF */
	u64 mc_hash;			/* the netdev's multicast list, hashed */
	DECLARE_BITMAP(vlans, VLAN_N_VID); /* VLANs the PF took, asked again after a reset */
	struct delayed_work watchdog;
};

static inline struct sriovnic_vf *sriovnic_vf_of(struct sriovnic_priv *priv)
{
	return priv->role;
}

static inline enum sriovnic_vf_state sriovnic_vf_state(struct sriovnic_vf *vf)
{
	return READ_ONCE(vf->state);
}

void sriovnic_vf_change_state(struct sriovnic_vf *vf, enum sriovnic_vf_state state);

/* Whether a PF driver answered our last hello. */
static inline bool sriovnic_vf_pf_answers(struct sriovnic_vf *vf)
{
	return vf->pf_answered;
}

/*
 * Sends a request; fills reply (16 words). 0, -EPERM (denied), -EOPNOTSUPP,
 * -ETIMEDOUT (counted in mbx_timeouts if the PF answered before) or -ENODEV.
 * Replies are matched by tag: a late or duplicated one is counted and dropped.
 */
int sriovnic_vf_request(struct sriovnic_vf *vf, u32 op, u32 arg, u32 *reply);
int sriovnic_vf_request_args(struct sriovnic_vf *vf, u32 op, const u32 *args,
			     unsigned int nargs, u32 *reply);
int sriovnic_vf_hello(struct sriovnic_vf *vf);
/* Hello, then our MTU and VLANs again; with rtnl held. */
void sriovnic_vf_sync_pf(struct sriovnic_vf *vf);

/* Whether the PF sets our multicast filter (CAP_MC_LIST); else we write it. */
static inline bool sriovnic_vf_pf_sets_mc(struct sriovnic_vf *vf)
{
	return vf->pf_caps & SRIOVNIC_MBX_CAP_MC_LIST;
}

void sriovnic_vf_set_mc_hash(struct sriovnic_priv *priv, u64 hash);
void sriovnic_vf_mc_work(struct work_struct *work);
void sriovnic_vf_mailbox(struct work_struct *work);

#endif
