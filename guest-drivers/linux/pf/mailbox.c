// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic PF driver: the PF side of the PF<->VF mailbox. VFs ask, the PF
 * decides and programs the device (which enforces the decision).
 */
#include <linux/delay.h>
#include <linux/pci.h>

#include <sriovnic/mailbox.h>

#include "pf.h"

static void sriovnic_pf_send(struct sriovnic_priv *priv, unsigned int vf, const u32 *msg)
{
	unsigned int i, tries;

	/* The VF has one slot; give it a moment to take our previous message. */
	for (tries = 0; tries < 100; tries++) {
		if (!(sriovnic_rd(priv, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL)) &
		      SRIOVNIC_MBX_STATUS_MSG))
			break;
		usleep_range(100, 200);
	}
	for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
		sriovnic_wr(priv, SRIOVNIC_REG_PF_MBX_PF_MSG(vf, i), msg[i]);
	sriovnic_wr(priv, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_SEND);
}

static void sriovnic_pf_set_max_mtu(struct sriovnic_priv *priv, unsigned int vf, u32 mtu)
{
	struct sriovnic_vf_cfg *c = &sriovnic_pf_of(priv)->vf[vf];

	c->flags = (c->flags & ~SRIOVNIC_VFA_MAX_MTU_MASK) | mtu << SRIOVNIC_VFA_MAX_MTU_SHIFT;
	sriovnic_wr(priv, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_FLAGS), c->flags);
}

/* The PF's answer to a well-formed request; fills the reply's arguments. */
static u32 sriovnic_pf_answer(struct sriovnic_priv *priv, unsigned int vf, const u32 *req,
			      union sriovnic_mbx_msg *reply)
{
	struct sriovnic_pf *pf = sriovnic_pf_of(priv);
	struct sriovnic_vf_cfg *c = &pf->vf[vf];

	switch (SRIOVNIC_MBX_OPCODE(req[0])) {
	case SRIOVNIC_MBX_HELLO: {
		struct sriovnic_mbx_hello_reply *r = &reply->hello_reply;

		/* A VF from before capabilities offers none: its legacy level says. */
		c->mbx_caps = sriovnic_mbx_peer_caps(req[0], req[2]) & SRIOVNIC_MBX_CAPS_KNOWN;
		/* A VF (re)starting gets MTU 1500 until it asks for more. */
		sriovnic_pf_set_max_mtu(priv, vf, 1500);
		bitmap_zero(c->vlans, VLAN_N_VID);
		sriovnic_pf_apply_vlan_filter(priv, vf);
		sriovnic_pf_set_vf_mc_hash(priv, vf, 0, 0);
		r->mac_lo = c->mac_lo;
		r->mac_hi = c->mac_hi;
		r->max_mtu = pf->vf_max_mtu;
		r->caps = c->mbx_caps;
		return SRIOVNIC_MBX_OK;
	}
	case SRIOVNIC_MBX_SET_MTU: {
		struct sriovnic_mbx_denied *r = &reply->denied;

		if (req[1] > pf->vf_max_mtu) {
			r->reason = SRIOVNIC_MBX_REASON_MTU_LIMIT;
			r->limit = pf->vf_max_mtu;
			return SRIOVNIC_MBX_DENIED;
		}
		sriovnic_pf_set_max_mtu(priv, vf, max_t(u32, req[1], 1500));
		return SRIOVNIC_MBX_OK;
	}
	case SRIOVNIC_MBX_SET_VLAN: {
		unsigned int vid = req[1] & 0xfff;

		if (c->vlan) {
			reply->denied.reason = SRIOVNIC_MBX_REASON_PORT_VLAN;
			return SRIOVNIC_MBX_DENIED;
		}
		if (req[1] & SRIOVNIC_VLAN_FILTER_ADD)
			set_bit(vid, c->vlans);
		else
			clear_bit(vid, c->vlans);
		mutex_lock(&pf->select_lock);
		sriovnic_wr(priv, SRIOVNIC_REG_PF_VF_SELECT, vf);
		sriovnic_wr(priv, SRIOVNIC_REG_PF_VLAN_FILTER, req[1]);
		mutex_unlock(&pf->select_lock);
		return SRIOVNIC_MBX_OK;
	}
	case SRIOVNIC_MBX_SET_MC_LIST:
		if (!(c->mbx_caps & SRIOVNIC_MBX_CAP_MC_LIST))
			return SRIOVNIC_MBX_UNSUPPORTED;
		sriovnic_pf_set_vf_mc_hash(priv, vf, req[1], req[2]);
		return SRIOVNIC_MBX_OK;
	default:
		return SRIOVNIC_MBX_UNSUPPORTED;
	}
}

static void sriovnic_pf_serve(struct sriovnic_priv *priv, unsigned int vf)
{
	union sriovnic_mbx_msg reply = {};
	u32 req[SRIOVNIC_MBX_WORDS];
	u32 status;
	unsigned int i;
	int err;

	for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
		req[i] = sriovnic_rd(priv, SRIOVNIC_REG_PF_MBX_VF_MSG(vf, i));
	/* Taken: the VF may write its next request while we answer this one. */
	sriovnic_wr(priv, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
	err = sriovnic_mbx_msg_check(req, SRIOVNIC_MBX_WORDS, SRIOVNIC_MBX_DIR_TO_PF, NULL);
	if (err == SRIOVNIC_MBX_MSG_ETYPE) {
		status = SRIOVNIC_MBX_UNSUPPORTED; /* perhaps from a newer VF driver */
	} else if (err) {
		priv->mbx_bad_msgs++;
		if (net_ratelimit())
			netdev_warn(priv->netdev, "VF %u: malformed mailbox request %#x (%d)\n",
				    vf, req[0], err);
		status = SRIOVNIC_MBX_BAD_REQUEST;
	} else {
		status = sriovnic_pf_answer(priv, vf, req, &reply);
	}
	/* The reply carries the request's opcode and tag, whatever else it said. */
	reply.w[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_OPCODE(req[0]) | SRIOVNIC_MBX_REPLY,
				     SRIOVNIC_MBX_TAG(req[0]), status);
	sriovnic_pf_send(priv, vf, reply.w);
}

void sriovnic_pf_mailbox(struct work_struct *work)
{
	struct sriovnic_priv *priv = container_of(work, struct sriovnic_priv, mbx_work);
	struct sriovnic_pf *pf = sriovnic_pf_of(priv);
	unsigned int word, bit;

	/* One message per VF per pass: a flooding VF cannot starve the others. */
	for (word = 0; word < DIV_ROUND_UP(pf->total_vfs, 32); word++) {
		unsigned long pending = sriovnic_rd(priv, SRIOVNIC_REG_PF_MBX_PENDING(word));

		for_each_set_bit(bit, &pending, 32)
			sriovnic_pf_serve(priv, word * 32 + bit);
	}
}

void sriovnic_pf_notify_reset(struct sriovnic_priv *priv)
{
	u32 msg[SRIOVNIC_MBX_WORDS] = { SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0) };
	int vf;

	for (vf = 0; vf < pci_num_vf(priv->pdev); vf++)
		sriovnic_pf_send(priv, vf, msg);
}
