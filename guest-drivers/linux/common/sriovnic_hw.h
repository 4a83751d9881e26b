/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic Linux drivers: register-level pieces every function of the card
 * has (PF, VF and synthetic), on the function's mapped BAR 0. Inline, so
 * each module has them without a copy of a shared object file.
 */
#ifndef SRIOVNIC_HW_H
#define SRIOVNIC_HW_H

#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/ethtool.h>
#include <linux/io.h>
#include <linux/pci.h>

#include <sriovnic/regs.h>

/*
 * A MAC address as the device holds it in a MAC_LO/MAC_HI register pair
 * (the function's own, a VF's admin pair, the mailbox's MAC words): bytes
 * 0-3 in LO, 4-5 in HI's low half, the first byte in the lowest bits.
 */
static inline void sriovnic_mac_pack(const u8 *mac, u32 *lo, u32 *hi)
{
	*lo = mac[0] | mac[1] << 8 | mac[2] << 16 | (u32)mac[3] << 24;
	*hi = mac[4] | mac[5] << 8;
}

static inline void sriovnic_mac_unpack(u32 lo, u32 hi, u8 *mac)
{
	mac[0] = lo;
	mac[1] = lo >> 8;
	mac[2] = lo >> 16;
	mac[3] = lo >> 24;
	mac[4] = hi;
	mac[5] = hi >> 8;
}

static inline void sriovnic_hw_read_mac(void __iomem *regs, u8 *mac)
{
	sriovnic_mac_unpack(ioread32(regs + SRIOVNIC_REG_MAC_LO),
			    ioread32(regs + SRIOVNIC_REG_MAC_HI), mac);
}

/* CTRL.RESET, then up to ~10 ms for STATUS.RESET_DONE. May sleep. */
static inline int sriovnic_hw_reset(void __iomem *regs)
{
	int tries;

	iowrite32(SRIOVNIC_CTRL_RESET, regs + SRIOVNIC_REG_CTRL);
	for (tries = 0; tries < 100; tries++) {
		if (ioread32(regs + SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_RESET_DONE)
			return 0;
		usleep_range(100, 200);
	}
	return -ETIMEDOUT;
}

/*
 * Routes the misc causes to `vector` and enables `causes`: at probe and
 * again after a reset, which clears both.
 */
static inline void sriovnic_hw_enable_misc_irq(void __iomem *regs, unsigned int vector,
					       u32 causes)
{
	iowrite32(SRIOVNIC_VECTOR_VALID | vector, regs + SRIOVNIC_REG_MISC_VECTOR);
	iowrite32(causes, regs + SRIOVNIC_REG_INT_ENABLE_SET);
}

static inline void sriovnic_hw_disable_misc_irq(void __iomem *regs, u32 causes)
{
	iowrite32(causes, regs + SRIOVNIC_REG_INT_ENABLE_CLR);
}

/* The misc interrupt's causes, acknowledged; 0 when it was not ours. */
static inline u32 sriovnic_hw_take_causes(void __iomem *regs)
{
	u32 cause = ioread32(regs + SRIOVNIC_REG_INT_CAUSE);

	if (cause)
		iowrite32(cause, regs + SRIOVNIC_REG_INT_CAUSE);
	return cause;
}

/* On the ERROR cause: the latched error bits, acknowledged, and where. */
static inline u32 sriovnic_hw_take_error(void __iomem *regs, u32 *addr)
{
	u32 err = ioread32(regs + SRIOVNIC_REG_ERR_CAUSE);

	iowrite32(err, regs + SRIOVNIC_REG_ERR_CAUSE);
	*addr = ioread32(regs + SRIOVNIC_REG_ERR_ADDR);
	return err;
}

/* What `ethtool -i` shows for every sriovnic function. */
static inline void sriovnic_hw_drvinfo(struct ethtool_drvinfo *info, const char *driver,
				       struct pci_dev *pdev, u32 version)
{
	strscpy(info->driver, driver, sizeof(info->driver));
	snprintf(info->fw_version, sizeof(info->fw_version), "interface %u.%u",
		 version >> 16, version & 0xffff);
	strscpy(info->bus_info, pci_name(pdev), sizeof(info->bus_info));
}

#endif
