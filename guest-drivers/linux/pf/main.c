// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic physical function driver: a full NIC, and the owner of the SR-IOV
 * capability (sriov_numvfs).
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "sriovnic_net.h"
#include "vf_admin.h"

const char sriovnic_driver_name[] = "sriovnic_pf";

static const struct pci_device_id sriovnic_pf_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_PF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sriovnic_pf_ids);

static int sriovnic_pf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return sriovnic_net_probe(pdev, false, sriovnic_driver_name, &sriovnic_pf_netdev_ops);
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

static struct pci_driver sriovnic_pf_driver = {
	.name = sriovnic_driver_name,
	.id_table = sriovnic_pf_ids,
	.probe = sriovnic_pf_probe,
	.remove = sriovnic_pf_remove,
	.sriov_configure = sriovnic_pf_sriov_configure,
};
module_pci_driver(sriovnic_pf_driver);

MODULE_DESCRIPTION("sriovnic SR-IOV NIC physical function driver");
MODULE_LICENSE("GPL");
