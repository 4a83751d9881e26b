// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: CTRL requests. One at a time under ctrl_lock;
 * the device writes the completion and raises the CTRL cause of the misc
 * interrupt, whose handler completes ctrl_done. The wait is bounded, so a
 * device that never answers costs the caller (under rtnl) at most
 * SYNTH_CTRL_TIMEOUT.
 */
#include <linux/jiffies.h>

#include "synth.h"

#define SYNTH_CTRL_RESP_OFF	64
#define SYNTH_CTRL_TIMEOUT	(HZ / 2)

/* Misc interrupt, CTRL cause: a completion was written. */
void synth_ctrl_irq(struct synth_priv *p)
{
	complete(&p->ctrl_done);
}

/*
 * The used element of the request numbered `seq`. Completions of requests
 * that timed out earlier come first and are dropped without a count: the
 * device answered them late, not wrongly.
 */
static int synth_ctrl_reap(struct synth_priv *p, u32 seq, u16 *status)
{
	const u8 *resp = (u8 *)p->ctrl_buf + SYNTH_CTRL_RESP_OFF;
	u16 head = 0, flags;
	void *token;
	u32 len, got;

	while (synth_vq_get(&p->ctrlq, &head, &token, &len, &flags)) {
		if (token)
			synth_vq_free_chain(&p->ctrlq, head);
		if (!token || (flags & SRIOVNIC_SYNTH_U_ERR))
			return -EIO;
		if (sriovnic_synth_msg_check(resp, min_t(u32, len, SYNTH_CTRL_RESP_OFF),
					     SRIOVNIC_SYNTH_DIR_COMPLETION)) {
			p->bad_msgs++;
			netdev_warn_once(p->ndev, "invalid completion dropped\n");
			return -EIO;
		}
		got = sriovnic_synth_rd32(resp, offsetof(struct sriovnic_synth_msg_hdr, seq));
		if (got != seq)
			continue;
		*status = sriovnic_synth_rd16(resp,
					      offsetof(struct sriovnic_synth_msg_hdr, status));
		return 0;
	}
	return -EAGAIN;
}

/* Sends SWITCH_DATA_PATH and waits for its completion; *status is the device's. */
static int synth_ctrl_switch(struct synth_priv *p, bool to_vf, u16 *status)
{
	struct sriovnic_synth_msg_switch *req = p->ctrl_buf;
	struct synth_buf bufs[2];
	unsigned long deadline;
	u32 seq;
	int ret;

	mutex_lock(&p->ctrl_lock);
	if (p->resetting) {
		ret = -ENODEV;
		goto out;
	}
	seq = ++p->ctrl_seq;
	memset(p->ctrl_buf, 0, 2 * SYNTH_CTRL_RESP_OFF);
	req->hdr.type = cpu_to_le16(SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH);
	req->hdr.len = cpu_to_le16(sizeof(*req));
	req->hdr.seq = cpu_to_le32(seq);
	req->path = to_vf ? SRIOVNIC_SYNTH_PATH_VF : SRIOVNIC_SYNTH_PATH_SYNTHETIC;
	if (to_vf) {
		req->vf_index = cpu_to_le16(p->offer.vf_index);
		req->serial = cpu_to_le32(p->offer.serial);
	}
	bufs[0] = (struct synth_buf){ p->ctrl_dma, sizeof(*req), false };
	bufs[1] = (struct synth_buf){ p->ctrl_dma + SYNTH_CTRL_RESP_OFF,
				      SYNTH_CTRL_RESP_OFF, true };
	/* Chains of requests that timed out may still be on the ring. */
	while (synth_ctrl_reap(p, 0, status) != -EAGAIN)
		;
	if (synth_vq_add(&p->ctrlq, bufs, 2, p) < 0) {
		ret = -EBUSY;
		goto out;
	}
	reinit_completion(&p->ctrl_done);
	synth_vq_notify(p, &p->ctrlq);
	deadline = jiffies + SYNTH_CTRL_TIMEOUT;
	while ((ret = synth_ctrl_reap(p, seq, status)) == -EAGAIN) {
		long left = (long)(deadline - jiffies);

		if (left <= 0 || !wait_for_completion_timeout(&p->ctrl_done, left)) {
			ret = synth_ctrl_reap(p, seq, status);
			if (ret == -EAGAIN) {
				netdev_err(p->ndev, "no completion for SWITCH_DATA_PATH\n");
				ret = -ETIMEDOUT;
			}
			break;
		}
		reinit_completion(&p->ctrl_done);
	}
out:
	mutex_unlock(&p->ctrl_lock);
	return ret;
}

/*
 * Moves the device's data path. De-duplication is the caller's (bond.c
 * knows which path is in effect). 0 when the device confirmed the path;
 * -EAGAIN when the VF cannot receive yet; -ENOENT when the device holds no
 * such offer (VF_NOT_OFFERED); another negative errno otherwise.
 */
int synth_ctrl_switch_datapath(struct synth_priv *p, bool to_vf)
{
	const char *path = to_vf ? "VF" : "synthetic";
	u16 status = 0;
	int err;

	err = synth_ctrl_switch(p, to_vf, &status);
	if (err)
		return err;
	switch (status) {
	case SRIOVNIC_SYNTH_S_OK:
		p->switches++;
		netdev_info(p->ndev, "data path switched to %s\n", path);
		return 0;
	case SRIOVNIC_SYNTH_S_VF_DOWN:
		return -EAGAIN;
	case SRIOVNIC_SYNTH_S_VF_NOT_OFFERED:
		netdev_info(p->ndev, "switch to %s: the device holds no such offer\n", path);
		return -ENOENT;
	default:
		netdev_warn(p->ndev, "switch to %s refused, status %u\n", path, status);
		return -EPERM;
	}
}
