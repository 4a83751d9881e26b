# Trimmed x86_64 device set for the sriovnic QEMU build: the boards, the ports
# a PCIe device sits behind, the comparison NICs the benchmarks measure against,
# and sriovnic itself.
CONFIG_Q35=y
CONFIG_I440FX=y
CONFIG_PCIE_PORT=y
CONFIG_XIO3130=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_E1000E_PCI_EXPRESS=y
CONFIG_IGB_PCI_EXPRESS=y
CONFIG_VTD=y
CONFIG_SRIOVNIC=y
# So that QEMU started by hand has its usual default display and a disk.
CONFIG_VGA_PCI=y
CONFIG_VIRTIO_BLK=y
