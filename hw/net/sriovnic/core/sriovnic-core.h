/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The C interface between sriovnic's C++ core and QEMU's C glue.
 *
 * QEMU's headers do not compile as C++ and the core includes none of them;
 * everything the glue needs from the core goes through these functions. The
 * core never calls QEMU directly: it calls back through SriovnicPlatformOps.
 */
#ifndef SRIOVNIC_CORE_H
#define SRIOVNIC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SriovnicCore SriovnicCore;

/* Function numbering used across this interface: 0 is the PF, n + 1 is VF n. */
#define SRIOVNIC_FN_PF 0u
#define SRIOVNIC_FN_VF(n) ((uint16_t)((n) + 1u))

typedef struct SriovnicCoreConfig {
    uint16_t total_vfs;       /* `vfs` property */
    uint16_t max_vfs;         /* routing IDs left on the PF's bus */
    uint8_t pf_queue_pairs;   /* `queues` property */
    uint8_t vf_queue_pairs;   /* `vf-queues` property */
    uint8_t mac[6];           /* `mac` property */
} SriovnicCoreConfig;

typedef struct SriovnicPlatformOps {
    /* Send MSI-X message `vector` of function `fn` (if that function has MSI-X on). */
    void (*raise_msix)(void *opaque, uint16_t fn, uint16_t vector);
    /* Drive the PF's INTx line (used by the glue only while MSI-X is off). */
    void (*set_intx)(void *opaque, bool asserted);
} SriovnicPlatformOps;

/*
 * The register state of one function, exactly as it is migrated. The glue
 * describes it field by field in VMState; after loading it must call
 * sriovnic_core_post_load(), which rejects values the hardware could never
 * have held.
 */
typedef struct SriovnicFnRegs {
    uint32_t ctrl;
    uint32_t status;
    uint32_t scratch;
    uint32_t int_cause;
    uint32_t int_enable;
    uint32_t misc_vector;
    uint32_t err_cause;
    uint32_t err_count;
    uint32_t err_addr;
} SriovnicFnRegs;

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

/* SR-IOV control changed: this many VFs are now enabled. */
void sriovnic_core_set_active_vfs(SriovnicCore *core, uint16_t active_vfs);

SriovnicFnRegs *sriovnic_core_fn_regs(SriovnicCore *core, uint16_t fn);

/*
 * Validates a function's registers after migration and rebuilds derived state.
 * Returns true, or false with the reason in `err`.
 */
bool sriovnic_core_post_load(SriovnicCore *core, uint16_t fn,
                             char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* SRIOVNIC_CORE_H */
