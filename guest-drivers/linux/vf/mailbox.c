// SPDX-License-Identifier: GPL-2.0-or-later
/* sriovnic VF driver: the VF side of the PF<->VF mailbox. */
#include <linux/delay.h>
#include <linux/netdevice.h>

#include <sriovnic/mailbox.h>

#include "vf.h"

#define SRIOVNIC_MBX_TIMEOUT_US 1000000

/* A message from the PF waits: read it and hand the slot back. */
static void sriovnic_vf_read_msg(struct sriovnic_priv *priv, u32 *msg)
{
	unsigned int i;

	for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
		msg[i] = sriovnic_rd(priv, SRIOVNIC_REG_MBX_PF_MSG(i));
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
}

/*
 * Sorts a message from the PF, with mbx_lock held: true for the reply to the
 * request that waits; a notice is acted on, and a malformed, late or
 * duplicated reply is counted and dropped.
 */
static bool sriovnic_vf_sort_msg(struct sriovnic_vf *vf, const u32 *msg)
{
	struct sriovnic_priv *priv = vf->priv;
	int err = sriovnic_mbx_msg_check(msg, SRIOVNIC_MBX_WORDS, SRIOVNIC_MBX_DIR_TO_VF,
					 &vf->mbx_exchange);

	switch (err) {
	case SRIOVNIC_MBX_MSG_VALID:
		if (msg[0] & SRIOVNIC_MBX_REPLY)
			return true;
		/* SRIOVNIC_MBX_PF_RESET, the only notice */
		if (sriovnic_vf_state(vf) != SRIOVNIC_VF_REMOVING)
			schedule_work(&vf->reset_work);
		return false;
	case SRIOVNIC_MBX_MSG_LATE:
		priv->mbx_late_replies++;
		return false;
	case SRIOVNIC_MBX_MSG_DUPLICATE:
		priv->mbx_dup_replies++;
		return false;
	default:
		priv->mbx_bad_msgs++;
		if (net_ratelimit())
			netdev_warn(priv->netdev, "malformed mailbox message %#x from the PF (%d)\n",
				    msg[0], err);
		return false;
	}
}

int sriovnic_vf_request(struct sriovnic_vf *vf, u32 op, u32 arg, u32 *reply)
{
	return sriovnic_vf_request_args(vf, op, &arg, 1, reply);
}

int sriovnic_vf_request_args(struct sriovnic_vf *vf, u32 op, const u32 *args,
			     unsigned int nargs, u32 *reply)
{
	struct sriovnic_priv *priv = vf->priv;
	unsigned int waited, i;
	int err = -ETIMEDOUT;
	u32 status, w0;

	if (sriovnic_vf_state(vf) == SRIOVNIC_VF_GONE)
		return -ENODEV;
	mutex_lock(&vf->mbx_lock);
	for (waited = 0; (status = sriovnic_rd(priv, SRIOVNIC_REG_MBX_STATUS)) &
			 SRIOVNIC_MBX_STATUS_BUSY;
	     waited += 200) {
		if (status == ~0u) {
			err = -ENODEV; /* removed under us: nobody is there to answer */
			goto out;
		}
		if (waited >= SRIOVNIC_MBX_TIMEOUT_US)
			goto out;
		usleep_range(100, 200);
	}
	vf->mbx_tag = SRIOVNIC_MBX_NEXT_TAG(vf->mbx_tag);
	w0 = SRIOVNIC_MBX_W0(op, vf->mbx_tag, 0);
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_VF_MSG(0), w0);
	for (i = 1; i < SRIOVNIC_MBX_WORDS; i++)
		sriovnic_wr(priv, SRIOVNIC_REG_MBX_VF_MSG(i), i <= nargs ? args[i - 1] : 0);
	sriovnic_mbx_exchange_sent(&vf->mbx_exchange, w0);
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
	for (waited = 0; waited < SRIOVNIC_MBX_TIMEOUT_US; waited += 200) {
		status = sriovnic_rd(priv, SRIOVNIC_REG_MBX_STATUS);
		if (status == ~0u) {
			err = -ENODEV;
			break;
		}
		if (!(status & SRIOVNIC_MBX_STATUS_MSG)) {
			usleep_range(100, 200);
			continue;
		}
		sriovnic_vf_read_msg(priv, reply);
		if (!sriovnic_vf_sort_msg(vf, reply))
			continue;
		sriovnic_mbx_exchange_answered(&vf->mbx_exchange);
		switch (SRIOVNIC_MBX_STATUS(reply[0])) {
		case SRIOVNIC_MBX_OK:
			err = 0;
			break;
		case SRIOVNIC_MBX_DENIED:
			err = -EPERM;
			break;
		default:
			err = -EOPNOTSUPP;
			break;
		}
		break;
	}
	/* Not answered: its reply, if it ever comes, is late. */
	if (err && err != -EPERM && err != -EOPNOTSUPP)
		sriovnic_mbx_exchange_gave_up(&vf->mbx_exchange);
out:
	if (err == -ETIMEDOUT && sriovnic_vf_pf_answers(vf)) {
		priv->mbx_timeouts++;
		WRITE_ONCE(vf->pf_silent, true);
		if (net_ratelimit())
			netdev_warn(priv->netdev,
				    "mailbox request %u timed out: the PF does not answer\n", op);
	}
	mutex_unlock(&vf->mbx_lock);
	return err;
}

int sriovnic_vf_hello(struct sriovnic_vf *vf)
{
	u32 args[2] = { SRIOVNIC_MBX_LEGACY_LEVEL, SRIOVNIC_MBX_CAPS_KNOWN };
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err = sriovnic_vf_request_args(vf, SRIOVNIC_MBX_HELLO, args, ARRAY_SIZE(args), reply);

	/*
	 * A PF that answered before and timed out now is still there, only
	 * silent: keep using the mailbox (the multicast filter stays the PF's
	 * to set) until it answers.
	 */
	if (err == -ETIMEDOUT && READ_ONCE(vf->pf_silent))
		return err;
	vf->pf_answered = !err;
	/* A PF driver from before capabilities sends no caps word: its legacy level says. */
	vf->pf_caps = err ? 0 : sriovnic_mbx_peer_caps(reply[0], reply[4]) &
				SRIOVNIC_MBX_CAPS_KNOWN;
	if (err)
		return err;
	WRITE_ONCE(vf->pf_silent, false);
	vf->priv->netdev->max_mtu = clamp_t(u32, reply[3], SRIOVNIC_MTU_MIN, SRIOVNIC_MTU_MAX);
	return 0;
}

/*
 * Sends the multicast filter ndo_set_rx_mode computed (that one runs under
 * the netdev's address lock and may not sleep).
 */
void sriovnic_vf_mc_work(struct work_struct *work)
{
	struct sriovnic_vf *vf = container_of(work, struct sriovnic_vf, mc_work);
	u64 hash = READ_ONCE(vf->mc_hash);
	u32 args[2] = { lower_32_bits(hash), upper_32_bits(hash) };
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err;

	if (!sriovnic_vf_pf_sets_mc(vf))
		return;
	err = sriovnic_vf_request_args(vf, SRIOVNIC_MBX_SET_MC_LIST, args, 2, reply);
	if (err && err != -ENODEV)
		netdev_warn_once(vf->priv->netdev, "PF did not take the multicast list: %d\n", err);
}

void sriovnic_vf_set_mc_hash(struct sriovnic_priv *priv, u64 hash)
{
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);
	enum sriovnic_vf_state state;

	/* Starting: probe sends the list once the PF has answered. */
	state = sriovnic_vf_state(vf);
	if (state == SRIOVNIC_VF_STARTING || state == SRIOVNIC_VF_REMOVING)
		return;
	if (!sriovnic_vf_pf_sets_mc(vf)) {
		/* No PF driver, or an older one: the filter is still ours to set. */
		sriovnic_wr(priv, SRIOVNIC_REG_MC_HASH_LO, lower_32_bits(hash));
		sriovnic_wr(priv, SRIOVNIC_REG_MC_HASH_HI, upper_32_bits(hash));
		return;
	}
	WRITE_ONCE(vf->mc_hash, hash);
	schedule_work(&vf->mc_work);
}

/* The MBX cause: a PF notice, or a late reply, when no request of ours waits. */
void sriovnic_vf_mailbox(struct work_struct *work)
{
	struct sriovnic_priv *priv = container_of(work, struct sriovnic_priv, mbx_work);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);
	u32 msg[SRIOVNIC_MBX_WORDS];

	if (!mutex_trylock(&vf->mbx_lock))
		return; /* a request in flight polls for its own reply */
	if (sriovnic_rd(priv, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG) {
		sriovnic_vf_read_msg(priv, msg);
		sriovnic_vf_sort_msg(vf, msg);
	}
	mutex_unlock(&vf->mbx_lock);
}
