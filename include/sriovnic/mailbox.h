/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic PF<->VF mailbox messages. The device only carries them (one
 * 16-word message each way per VF, see regs.h); the PF driver answers.
 *
 * Word 0: opcode in bits 7:0, SRIOVNIC_MBX_REPLY in bit 8, status in bits
 * 23:16 (replies), API version of the sender in bits 31:24. Words 1..15 are
 * the arguments below.
 */
#ifndef SRIOVNIC_MAILBOX_H
#define SRIOVNIC_MAILBOX_H

#define SRIOVNIC_MBX_API_VERSION   2u /* 2: SET_MC_LIST */

#define SRIOVNIC_MBX_OPCODE(w0)    ((w0) & 0xFFu)
#define SRIOVNIC_MBX_REPLY         (1u << 8)
#define SRIOVNIC_MBX_STATUS(w0)    (((w0) >> 16) & 0xFFu)
#define SRIOVNIC_MBX_VERSION(w0)   ((w0) >> 24)
#define SRIOVNIC_MBX_WORD0(op, status) \
    ((op) | ((status) << 16) | (SRIOVNIC_MBX_API_VERSION << 24))

/* VF -> PF requests (the PF replies with the same opcode | REPLY). */
#define SRIOVNIC_MBX_HELLO         0x01u /* after every VF reset. Reply: w1 = MAC 0..3,
                                          * w2 = MAC 4..5, w3 = largest MTU the VF may set */
#define SRIOVNIC_MBX_SET_MTU       0x02u /* w1 = MTU. Reply OK: the device now accepts it */
#define SRIOVNIC_MBX_SET_VLAN      0x03u /* w1 = VID | SRIOVNIC_VLAN_FILTER_ADD to add, VID to
                                          * remove, in the VF's VLAN filter */
#define SRIOVNIC_MBX_SET_MC_LIST   0x04u /* w1, w2 = bits 31:0, 63:32 of the hash of the VF's
                                          * multicast list: address A sets bit
                                          * ether_crc_le(A) >> 26, as in MC_HASH_LO/HI */

/* PF -> VF notices (no reply expected). */
#define SRIOVNIC_MBX_PF_RESET      0x80u /* the PF was reset: the VF must reinitialize */

/* Reply status. */
#define SRIOVNIC_MBX_OK            0u
#define SRIOVNIC_MBX_DENIED        1u /* w1 = SRIOVNIC_MBX_REASON_* */
#define SRIOVNIC_MBX_UNSUPPORTED   2u
#define SRIOVNIC_MBX_BAD_REQUEST   3u

/* Reasons for SRIOVNIC_MBX_DENIED. */
#define SRIOVNIC_MBX_REASON_MTU_LIMIT 1u /* w2 = the PF's limit */
#define SRIOVNIC_MBX_REASON_PORT_VLAN 2u /* the VF is on a port VLAN: no VLANs of its own */

#endif /* SRIOVNIC_MAILBOX_H */

