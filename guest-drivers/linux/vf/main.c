// SPDX-License-Identifier: GPL-2.0-or-later
/* sriovnic virtual function driver. */
#include <linux/module.h>
#include <linux/pci.h>

#include "sriovnic_net.h"

const char sriovnic_driver_name[] = "sriovnic_vf";

static const struct pci_device_id sriovnic_vf_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_VF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sriovnic_vf_ids);

static int sriovnic_vf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return sriovnic_net_probe(pdev, true, sriovnic_driver_name, &sriovnic_netdev_ops);
}

static struct pci_driver sriovnic_vf_driver = {
	.name = sriovnic_driver_name,
	.id_table = sriovnic_vf_ids,
	.probe = sriovnic_vf_probe,
	.remove = sriovnic_net_remove,
};
module_pci_driver(sriovnic_vf_driver);

MODULE_DESCRIPTION("sriovnic SR-IOV NIC virtual function driver");
MODULE_LICENSE("GPL");
