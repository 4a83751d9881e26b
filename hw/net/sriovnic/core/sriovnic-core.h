/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The C interface between sriovnic's C++ core and QEMU's C glue.
 *
 * QEMU's headers do not compile as C++ and the core includes none of them;
 * everything the glue needs from the core goes through these functions. The
 * core never calls QEMU directly: it calls back through SriovnicPlatformOps
 * (and a synthetic channel through the sink its device gave it).
 *
 * This file: the card, its platform and its lifecycle. Included below, by
 * topic: sriovnic-core-regs.h (the migrated state), sriovnic-core-synth.h
 * (synthetic channels), sriovnic-core-manage.h (snapshots of the PF and
 * VFs, fault injection).
 */
#ifndef SRIOVNIC_CORE_H
#define SRIOVNIC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sriovnic-ids.h"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SriovnicCore SriovnicCore;

/* Functions are numbered as sriovnic-ids.h says: 0 is the PF, then the VFs,
 * then the synthetic channels. */

/* The PF's property defaults (ranges: sriovnic_core_check_config()). */
#define SRIOVNIC_DEFAULT_TOTAL_VFS      8
#define SRIOVNIC_DEFAULT_QUEUE_PAIRS    4
#define SRIOVNIC_DEFAULT_VF_QUEUE_PAIRS 2

typedef struct SriovnicCoreConfig {
    uint16_t total_vfs;       /* `vfs` property */
    uint16_t max_vfs;         /* routing IDs left on the PF's bus */
    uint8_t pf_queue_pairs;   /* `queues` property */
    uint8_t vf_queue_pairs;   /* `vf-queues` property */
    uint8_t mac[6];           /* `mac` property */
    uint16_t vendor_id;       /* `vendor-id` property (the glue's to use; checked here) */
    /*
     * The host owns the PF (no guest sees it): the core's host PF agent
     * answers every VF's mailbox by the host's administration.
     */
    bool host_owned;
} SriovnicCoreConfig;

typedef struct SriovnicPlatformOps {
    /* Send MSI-X message `vector` of function `fn` (if that function has MSI-X on). */
    void (*raise_msix)(void *opaque, uint16_t fn, uint16_t vector);
    /* Drive the PF's INTx line (used by the glue only while MSI-X is off). */
    void (*set_intx)(void *opaque, bool asserted);
    /*
     * DMA as function `fn` (its own requester ID). Return false if any byte
     * could not be accessed (outside guest memory, bus mastering off).
     */
    bool (*dma_read)(void *opaque, uint16_t fn, uint64_t addr, void *buf, size_t len);
    bool (*dma_write)(void *opaque, uint16_t fn, uint64_t addr, const void *buf, size_t len);
    /* Transmit a frame on the uplink (the -netdev backend). */
    void (*send_uplink)(void *opaque, const uint8_t *frame, size_t len);
    /* Receive buffers were posted: frames the backend holds may be retried. */
    void (*uplink_ready)(void *opaque);
    /* The device clock (stops while the VM is stopped), in nanoseconds. */
    uint64_t (*now_ns)(void *opaque);
    /* Call sriovnic_core_timer() at `deadline_ns` (replaces any earlier request). */
    void (*arm_timer)(void *opaque, uint64_t deadline_ns);
    /*
     * State changes worth a trace event; each may be NULL. `offset` is a
     * register offset, or SRIOVNIC_TRACE_NO_OFFSET.
     */
    void (*trace_error)(void *opaque, uint16_t fn, uint32_t err_bits, uint32_t offset);
    void (*trace_function_enable)(void *opaque, uint16_t fn, bool enabled);
    void (*trace_queue)(void *opaque, uint16_t fn, unsigned q, bool tx, bool enabled);
    void (*trace_link)(void *opaque, uint16_t fn, bool up);
    /* The PF changed a setting of VF `vf` (a register offset of the PF's BAR). */
    void (*trace_vf_setting)(void *opaque, uint16_t vf, uint32_t offset, uint32_t value);
    /* A mailbox message was sent (to the PF or to the VF), word 0 given. */
    void (*trace_mailbox)(void *opaque, uint16_t vf, bool to_pf, uint32_t word0);
    /*
     * The PCI address of VF `vf` as the guest sees it now, as
     * SRIOVNIC_SYNTH_SERIAL(segment, bus, devfn), for VF offers. May be NULL:
     * then segment 0, bus 0, devfn = the VF's routing ID
     * (sriovnic_vf_routing_id() for a PF at devfn 0).
     */
    uint32_t (*vf_serial)(void *opaque, uint16_t vf);
    /*
     * An injected fault (SriovnicInjectedFault) began or ended on VF `vf`
     * (a one-shot DMA error ends when a DMA consumed it). May be NULL.
     */
    void (*trace_fault)(void *opaque, uint16_t vf, unsigned fault, bool active);
} SriovnicPlatformOps;

#define SRIOVNIC_TRACE_NO_OFFSET UINT32_MAX

#include "sriovnic-core-regs.h"
#include "sriovnic-core-synth.h"
#include "sriovnic-core-manage.h"

/* ---- The card ---- */

/*
 * Checks a configuration. Returns true if it is usable; otherwise false with
 * a message naming the offending property and its allowed range in `err`.
 */
bool sriovnic_core_check_config(const SriovnicCoreConfig *cfg,
                                char *err, size_t err_len);

/* Returns NULL (with a message in `err`) if the configuration is unusable. */
SriovnicCore *sriovnic_core_new(const SriovnicCoreConfig *cfg,
                                const SriovnicPlatformOps *ops, void *opaque,
                                char *err, size_t err_len);
void sriovnic_core_free(SriovnicCore *core);

uint16_t sriovnic_core_msix_vectors(const SriovnicCore *core, uint16_t fn);

/* Register BAR accesses of any size and alignment; the core defines the result. */
uint64_t sriovnic_core_read(SriovnicCore *core, uint16_t fn,
                            uint64_t offset, unsigned size);
void sriovnic_core_write(SriovnicCore *core, uint16_t fn,
                         uint64_t offset, unsigned size, uint64_t value);

/* Power-on reset or FLR of one function. */
void sriovnic_core_reset_function(SriovnicCore *core, uint16_t fn);

/*
 * The guest writes VF Enable = 1 while NumVFs is `num_vfs`. Returns false if
 * the card refuses (the refusal is flagged to the guest); the glue must then
 * keep VF Enable clear.
 */
bool sriovnic_core_request_vf_enable(SriovnicCore *core, uint16_t num_vfs);

/*
 * A frame from the backend. Returns true if the card took it (delivered or
 * dropped), false if it must be held and offered again after uplink_ready.
 */
bool sriovnic_core_uplink_receive(SriovnicCore *core, const uint8_t *frame, size_t len);

/* The timer requested through arm_timer expired. */
void sriovnic_core_timer(SriovnicCore *core);

/* The backend's link went up or down. */
void sriovnic_core_set_uplink_link(SriovnicCore *core, bool up);

/*
 * After a migration: sends a RARP self-announcement through the backend for
 * every address the card receives for (its VFs', its synthetic channels'),
 * on the port VLAN where one is set, except the PF's own MAC, which QEMU
 * announces. Returns the number of frames sent.
 */
unsigned sriovnic_core_announce(SriovnicCore *core);

/* SR-IOV control changed: this many VFs are now enabled. */
void sriovnic_core_set_active_vfs(SriovnicCore *core, uint16_t active_vfs);

/*
 * A config-space write to one of the card's functions is about to happen. Returns false
 * if the card itself issued it (its own DMA or MSI-X message reached its own
 * config space while it was working): the glue must then drop the write.
 * The refusal is counted on the function whose DMA it was.
 */
bool sriovnic_core_config_write_allowed(SriovnicCore *core);

#ifdef __cplusplus
}
#endif

#endif /* SRIOVNIC_CORE_H */
