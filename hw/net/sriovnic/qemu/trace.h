#include "trace/trace-hw_net_sriovnic_qemu.h"
