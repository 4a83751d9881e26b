// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic physical function driver: a full NIC, the owner of the SR-IOV
 * capability (sriov_numvfs), the administrator of its VFs' switch ports and
 * the PF side of their mailbox.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "pf.h"

static const char sriovnic_driver_name[] = "sriovnic_pf";

static unsigned int vf_max_mtu = SRIOVNIC_MTU_MAX;
module_param(vf_max_mtu, uint, 0444);
MODULE_PARM_DESC(vf_max_mtu, "largest MTU a VF may ask for over the mailbox (68-9000)");

static const struct pci_device_id sriovnic_pf_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_PF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sriovnic_pf_ids);

static const struct sriovnic_role sriovnic_pf_role = {
	.is_vf = false,
	.name = sriovnic_driver_name,
	.ops = &sriovnic_pf_netdev_ops,
	.mailbox = sriovnic_pf_mailbox,
	.attach = sriovnic_pf_init_vfs,
};

static int sriovnic_pf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct sriovnic_pf *pf;

	if (vf_max_mtu < SRIOVNIC_MTU_MIN || vf_max_mtu > SRIOVNIC_MTU_MAX) {
		dev_err(&pdev->dev, "vf_max_mtu must be between %u and %u\n",
			SRIOVNIC_MTU_MIN, SRIOVNIC_MTU_MAX);
		return -EINVAL;
	}
	pf = devm_kzalloc(&pdev->dev, sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->select_lock);
	pf->total_vfs = pci_sriov_get_totalvfs(pdev);
	pf->vf_max_mtu = vf_max_mtu;
	pf->vf = devm_kcalloc(&pdev->dev, max(pf->total_vfs, 1u), sizeof(*pf->vf), GFP_KERNEL);
	if (!pf->vf)
		return -ENOMEM;
	return sriovnic_net_probe(pdev, &sriovnic_pf_role, pf);
}

static void sriovnic_pf_remove(struct pci_dev *pdev)
{
	/* VFs go first, with their drivers, so none outlives its PF. */
	pci_disable_sriov(pdev);
	sriovnic_net_remove(pdev);
}

static int sriovnic_pf_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	int err;

	if (!num_vfs) {
		if (pci_vfs_assigned(pdev))
			return -EPERM;
		pci_disable_sriov(pdev);
		return 0;
	}
	err = pci_enable_sriov(pdev, num_vfs);
	return err ? err : num_vfs;
}

/* A PF reset (FLR) clears the device's VF administration: replay it. */
static void sriovnic_pf_reset_prepare(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);

	rtnl_lock();
	if (netif_running(priv->netdev))
		sriovnic_stop(priv->netdev);
	rtnl_unlock();
}

static void sriovnic_pf_reset_done(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);
	struct net_device *netdev = priv->netdev;
	unsigned int vf;

	sriovnic_enable_misc_irq(priv);
	sriovnic_write_mac(priv, netdev->dev_addr);
	for (vf = 0; vf < sriovnic_pf_of(priv)->total_vfs; vf++)
		sriovnic_pf_apply_vf(priv, vf);
	rtnl_lock();
	if (netif_running(netdev) && sriovnic_open(netdev))
		dev_close(netdev);
	rtnl_unlock();
	sriovnic_pf_notify_reset(priv);
	dev_info(&pdev->dev, "reset done, %d VFs told\n", pci_num_vf(pdev));
}

static const struct pci_error_handlers sriovnic_pf_err_handlers = {
	.reset_prepare = sriovnic_pf_reset_prepare,
	.reset_done = sriovnic_pf_reset_done,
};

static struct pci_driver sriovnic_pf_driver = {
	.name = sriovnic_driver_name,
	.id_table = sriovnic_pf_ids,
	.probe = sriovnic_pf_probe,
	.remove = sriovnic_pf_remove,
	.sriov_configure = sriovnic_pf_sriov_configure,
	.err_handler = &sriovnic_pf_err_handlers,
};
module_pci_driver(sriovnic_pf_driver);

MODULE_DESCRIPTION("sriovnic SR-IOV NIC physical function driver");
MODULE_LICENSE("GPL");
