// SPDX-License-Identifier: GPL-2.0-or-later
/* sriovnic VF driver: the VF side of the PF<->VF mailbox. */
#include <linux/delay.h>
#include <linux/netdevice.h>

#include <sriovnic/mailbox.h>

#include "vf.h"

#define SRIOVNIC_MBX_TIMEOUT_US 1000000

static bool sriovnic_vf_take_notice(struct sriovnic_vf *vf)
{
	struct sriovnic_priv *priv = vf->priv;
	u32 w0 = sriovnic_rd(priv, SRIOVNIC_REG_MBX_PF_MSG(0));

	if (SRIOVNIC_MBX_OPCODE(w0) != SRIOVNIC_MBX_PF_RESET || (w0 & SRIOVNIC_MBX_REPLY))
		return false;
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
	if (sriovnic_vf_state(vf) != SRIOVNIC_VF_REMOVING)
		schedule_work(&vf->reset_work);
	return true;
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
	u32 status;

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
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_VF_MSG(0), SRIOVNIC_MBX_WORD0(op, 0));
	for (i = 1; i < SRIOVNIC_MBX_WORDS; i++)
		sriovnic_wr(priv, SRIOVNIC_REG_MBX_VF_MSG(i), i <= nargs ? args[i - 1] : 0);
	sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
	for (waited = 0; waited < SRIOVNIC_MBX_TIMEOUT_US; waited += 200) {
		u32 w0;

		status = sriovnic_rd(priv, SRIOVNIC_REG_MBX_STATUS);
		if (status == ~0u) {
			err = -ENODEV;
			break;
		}
		if (!(status & SRIOVNIC_MBX_STATUS_MSG)) {
			usleep_range(100, 200);
			continue;
		}
		if (sriovnic_vf_take_notice(vf))
			continue;
		w0 = sriovnic_rd(priv, SRIOVNIC_REG_MBX_PF_MSG(0));
		for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
			reply[i] = sriovnic_rd(priv, SRIOVNIC_REG_MBX_PF_MSG(i));
		sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
		if ((w0 & (SRIOVNIC_MBX_REPLY | 0xFF)) != (op | SRIOVNIC_MBX_REPLY))
			continue; /* a stale reply to an earlier request */
		switch (SRIOVNIC_MBX_STATUS(w0)) {
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
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err = sriovnic_vf_request(vf, SRIOVNIC_MBX_HELLO, SRIOVNIC_MBX_API_VERSION, reply);

	/*
	 * Every reply carries the sender's API, 1 or more. A PF that answered
	 * before and timed out now is still there, only silent: keep using the
	 * mailbox (the multicast filter stays the PF's to set) until it answers.
	 */
	if (err == -ETIMEDOUT && READ_ONCE(vf->pf_silent))
		return err;
	vf->pf_api = err ? 0 : SRIOVNIC_MBX_VERSION(reply[0]);
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

/* The MBX cause: a PF notice when no request of ours is waiting for a reply. */
void sriovnic_vf_mailbox(struct work_struct *work)
{
	struct sriovnic_priv *priv = container_of(work, struct sriovnic_priv, mbx_work);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);

	if (!mutex_trylock(&vf->mbx_lock))
		return; /* a request in flight polls for its own reply */
	if ((sriovnic_rd(priv, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG) &&
	    !sriovnic_vf_take_notice(vf))
		sriovnic_wr(priv, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK); /* stray reply */
	mutex_unlock(&vf->mbx_lock);
}
