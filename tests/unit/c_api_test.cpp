// SPDX-License-Identifier: GPL-2.0-or-later
// The extern "C" interface as the QEMU glue uses it.
#include "sriovnic-core.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace {

struct Recorder {
    std::vector<std::pair<uint16_t, uint16_t>> msix;
    bool intx = false;
    std::vector<std::pair<uint32_t, uint32_t>> errors; // bits, offset
};

const SriovnicPlatformOps ops = {
    [](void *opaque, uint16_t fn, uint16_t vector) {
        static_cast<Recorder *>(opaque)->msix.emplace_back(fn, vector);
    },
    [](void *opaque, bool asserted) { static_cast<Recorder *>(opaque)->intx = asserted; },
    [](void *, uint16_t, uint64_t, void *, size_t) { return false; },
    [](void *, uint16_t, uint64_t, const void *, size_t) { return false; },
    [](void *, const uint8_t *, size_t) {},
    [](void *) {},
    [](void *) { return uint64_t(0); },
    [](void *, uint64_t) {},
    [](void *opaque, uint16_t, uint32_t bits, uint32_t offset) {
        static_cast<Recorder *>(opaque)->errors.emplace_back(bits, offset);
    },
    nullptr, // the other trace events: a host may leave them out
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr, // vf_serial
    nullptr, // trace_fault
};

SriovnicCoreConfig config(uint16_t vfs)
{
    SriovnicCoreConfig cfg{};
    cfg.total_vfs = vfs;
    cfg.max_vfs = 255;
    cfg.pf_queue_pairs = 4;
    cfg.vf_queue_pairs = 2;
    return cfg;
}

TEST(CApi, RefusesBadConfigWithMessage)
{
    char err[128] = "";
    Recorder rec;
    SriovnicCoreConfig cfg = config(300);
    EXPECT_FALSE(sriovnic_core_check_config(&cfg, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "property 'vfs' must be between 0 and 255 (got 300)");
    EXPECT_EQ(sriovnic_core_new(&cfg, &ops, &rec, err, sizeof(err)), nullptr);

    cfg = config(4);
    cfg.vendor_id = 0xffff;
    EXPECT_FALSE(sriovnic_core_check_config(&cfg, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "property 'vendor-id' must not be 0xffff (no device answers with it)");
    cfg = config(300);

    char tiny[9];
    EXPECT_FALSE(sriovnic_core_check_config(&cfg, tiny, sizeof(tiny)));
    EXPECT_EQ(std::string(tiny), "property");
}

TEST(CApi, RegistersInterruptsAndMigrationState)
{
    char err[128] = "";
    Recorder rec;
    SriovnicCoreConfig cfg = config(4);
    SriovnicCore *core = sriovnic_core_new(&cfg, &ops, &rec, err, sizeof(err));
    ASSERT_NE(core, nullptr) << err;

    EXPECT_EQ(sriovnic_core_msix_vectors(core, SRIOVNIC_FN_PF), 5);
    EXPECT_EQ(sriovnic_core_msix_vectors(core, SRIOVNIC_FN_VF(3)), 3);
    EXPECT_EQ(sriovnic_core_msix_vectors(core, SRIOVNIC_FN_VF(4)), 0);
    EXPECT_EQ(sriovnic_core_read(core, SRIOVNIC_FN_VF(3), SRIOVNIC_REG_FUNC, 4), 4u);

    sriovnic_core_write(core, SRIOVNIC_FN_PF, SRIOVNIC_REG_MISC_VECTOR, 4,
                        SRIOVNIC_VECTOR_VALID | 4);
    sriovnic_core_write(core, SRIOVNIC_FN_PF, SRIOVNIC_REG_INT_ENABLE_SET, 4, SRIOVNIC_INT_ALL);
    sriovnic_core_write(core, SRIOVNIC_FN_PF, SRIOVNIC_REG_INT_CAUSE_SET, 4,
                        SRIOVNIC_INT_SOFTWARE);
    ASSERT_EQ(rec.msix.size(), 1u);
    EXPECT_EQ(rec.msix[0].second, 4);
    EXPECT_TRUE(rec.intx);

    sriovnic_core_set_active_vfs(core, 2);
    EXPECT_EQ(sriovnic_core_read(core, SRIOVNIC_FN_PF, SRIOVNIC_REG_PF_ACTIVE_VFS, 4), 2u);

    SriovnicFnRegs *regs = sriovnic_core_fn_regs(core, SRIOVNIC_FN_VF(1));
    ASSERT_NE(regs, nullptr);
    regs->scratch = 0xabcd;
    EXPECT_TRUE(sriovnic_core_post_load(core, SRIOVNIC_FN_VF(1), err, sizeof(err)));
    EXPECT_EQ(sriovnic_core_read(core, SRIOVNIC_FN_VF(1), SRIOVNIC_REG_SCRATCH, 4), 0xabcdu);
    regs->int_enable = 0x100;
    EXPECT_FALSE(sriovnic_core_post_load(core, SRIOVNIC_FN_VF(1), err, sizeof(err)));
    EXPECT_NE(std::string(err).find("int_enable"), std::string::npos);
    EXPECT_EQ(sriovnic_core_fn_regs(core, 99), nullptr);

    sriovnic_core_reset_function(core, SRIOVNIC_FN_VF(1));
    EXPECT_EQ(regs->scratch, 0u);

    // Errors reach the host's trace hook; the hooks it left out are skipped.
    sriovnic_core_write(core, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_ID, 4, 0);
    sriovnic_core_write(core, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_CTRL, 4, SRIOVNIC_CTRL_ENABLE);
    sriovnic_core_write(core, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_ID, 2, 0);
    ASSERT_EQ(rec.errors.size(), 2u);
    EXPECT_EQ(rec.errors[0], std::make_pair(SRIOVNIC_ERR_RO_WRITE, SRIOVNIC_REG_ID));
    EXPECT_EQ(rec.errors[1].first, SRIOVNIC_ERR_BAD_ACCESS);
    sriovnic_core_free(core);
}

} // namespace

struct SynthRecorder {
    std::vector<std::tuple<uint16_t, unsigned, unsigned, unsigned>> transitions;
};

// A channel's own event sink (its device's, in QEMU).
void record_transition(void *opaque, const SriovnicSynthTransition *t)
{
    static_cast<SynthRecorder *>(opaque)->transitions.emplace_back(t->fn, t->old_state,
                                                                   t->new_state, t->cause);
}

uint16_t attach(SriovnicCore *core, const SriovnicSynthConfig *cfg, SynthRecorder *rec,
                char (&err)[128])
{
    return sriovnic_core_synth_attach(core, cfg, record_transition, rec, err, sizeof(err));
}

SriovnicPlatformOps synth_ops()
{
    SriovnicPlatformOps o = ops;
    o.trace_error = nullptr;
    o.vf_serial = [](void *, uint16_t vf) { return SRIOVNIC_SYNTH_SERIAL(0, 3, vf + 1); };
    o.raise_msix = [](void *, uint16_t, uint16_t) {};
    o.set_intx = [](void *, bool) {};
    return o;
}

TEST(CApi, SynthChannelHostOperations)
{
    char err[128] = "";
    SynthRecorder rec;
    const SriovnicPlatformOps sops = synth_ops();
    SriovnicCoreConfig cfg = config(2);
    SriovnicCore *core = sriovnic_core_new(&cfg, &sops, &rec, err, sizeof(err));
    ASSERT_NE(core, nullptr) << err;

    SriovnicSynthConfig sc{};
    sc.paired_vf = 2;
    sc.mac[0] = 0x52;
    sc.mac[5] = 0x09;
    sc.features = SRIOVNIC_SYNTH_F_ALL;
    sc.revoke_timeout_ms = 100;
    sc.max_mtu = 9000;
    sc.sriov_allowed = true;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "'vf' must be between 0 and 1 (got 2)");
    sc.paired_vf = 70000; // the property's width, not the core's
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "'vf' must be between 0 and 1 (got 70000)");
    sc.paired_vf = SRIOVNIC_SYNTH_VF_UNSET;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err),
              "property 'vf' is required: the index of the card's VF to pair with, 0 to 1");
    sc.paired_vf = 1;
    sc.max_mtu = 1000;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "'max-mtu' must be between 1500 and 9000 (got 1000)");
    sc.max_mtu = 70000;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "'max-mtu' must be between 1500 and 9000 (got 70000)");
    sc.max_mtu = 9000;
    sc.features = SRIOVNIC_SYNTH_F_ALL & ~SRIOVNIC_SYNTH_F_CSUM_TX;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "property 'tso' needs 'csum' (segmentation fills in checksums): "
                                "set tso=off or csum=on");
    sc.features = SRIOVNIC_SYNTH_F_ALL;
    const uint16_t fn = attach(core, &sc, &rec, err);
    ASSERT_EQ(fn, 3) << err;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0) << "VF 1 is taken";

    EXPECT_EQ(sriovnic_core_msix_vectors(core, fn), 2);
    EXPECT_EQ(sriovnic_core_read(core, fn, SRIOVNIC_REG_FUNC, 4), SRIOVNIC_SYNTH_FUNC_VALUE);
    EXPECT_FALSE(sriovnic_core_synth_offer(core, fn, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "VF 1 is not enabled");
    EXPECT_FALSE(sriovnic_core_synth_offer(core, 1, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "function 1 is not a synthetic channel");

    sriovnic_core_set_active_vfs(core, 2); // VF 1 appears: offered automatically
    SriovnicSynthInfo info{};
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_TRUE(info.vf_present);
    EXPECT_FALSE(info.vf_up);
    EXPECT_EQ(info.offer_serial, SRIOVNIC_SYNTH_SERIAL(0, 3, 2)) << "the glue's serial";
    ASSERT_EQ(rec.transitions.size(), 1u);
    EXPECT_EQ(rec.transitions[0], std::make_tuple(fn, 0u, 1u, unsigned(SRIOVNIC_SYNTH_CAUSE_OFFER)));

    // A policy change is one transaction: checked whole, then applied.
    SriovnicSynthPolicy policy{};
    policy.has_max_mtu = true;
    policy.max_mtu = 12000;
    policy.has_sriov_allowed = true;
    policy.sriov_allowed = false;
    EXPECT_FALSE(sriovnic_core_synth_set_policy(core, fn, &policy, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "'max-mtu' must be between 1500 and 9000 (got 12000)");
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_OFFERED) << "a refused change changes nothing";
    EXPECT_TRUE(info.sriov_allowed);
    policy.max_mtu = 9000;
    policy.has_offloads = true;
    policy.offloads = SRIOVNIC_SYNTH_F_CSUM_TX;
    EXPECT_TRUE(sriovnic_core_synth_set_policy(core, fn, &policy, err, sizeof(err))) << err;
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_SYNTHETIC) << "an offer is withdrawn at once";
    EXPECT_EQ(info.last_revoke_reason, SRIOVNIC_SYNTH_REVOKE_POLICY);
    EXPECT_EQ(info.offloads, uint32_t(SRIOVNIC_SYNTH_F_CSUM_TX));
    EXPECT_FALSE(info.sriov_allowed);
    SriovnicSynthRevoke revoke{};
    revoke.reason = SRIOVNIC_SYNTH_REVOKE_ADMIN;
    EXPECT_FALSE(sriovnic_core_synth_revoke(core, fn, &revoke, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "no VF is offered");
    revoke.has_timeout_ms = true;
    revoke.timeout_ms = 0;
    EXPECT_FALSE(sriovnic_core_synth_revoke(core, fn, &revoke, err, sizeof(err)));
    EXPECT_EQ(std::string(err), "'timeout-ms' must be between 1 and 600000 (got 0)");
    revoke.surprise = true;
    revoke.timeout_ms = 10;
    EXPECT_FALSE(sriovnic_core_synth_revoke(core, fn, &revoke, err, sizeof(err)));
    EXPECT_EQ(std::string(err),
              "'timeout-ms' does not apply to a surprise revoke (which does not wait)");

    SriovnicSynthRegs *regs = sriovnic_core_synth_regs(core, fn);
    ASSERT_NE(regs, nullptr);
    EXPECT_EQ(sriovnic_core_synth_regs(core, 2), nullptr);
    regs->dp_state = SRIOVNIC_SYNTH_DP_VF;
    EXPECT_FALSE(sriovnic_core_post_load(core, fn, err, sizeof(err)));
    EXPECT_NE(std::string(err).find("data path VF names VF 0, but the channel pairs with VF 1"),
              std::string::npos) << err;
    regs->dp_state = SRIOVNIC_SYNTH_DP_SYNTHETIC;
    EXPECT_TRUE(sriovnic_core_post_load(core, fn, err, sizeof(err)));
    sriovnic_core_free(core);
}

struct TransitionRecorder {
    uint64_t now = 5'000;
    std::vector<SriovnicSynthTransition> seen;
};

TEST(CApi, SynthTransitionsReasonsAndFunctionSnapshots)
{
    char err[128] = "";
    TransitionRecorder rec;
    SriovnicPlatformOps o = synth_ops();
    o.now_ns = [](void *opaque) { return static_cast<TransitionRecorder *>(opaque)->now; };
    SriovnicCoreConfig cfg = config(2);
    SriovnicCore *core = sriovnic_core_new(&cfg, &o, &rec, err, sizeof(err));
    ASSERT_NE(core, nullptr) << err;
    SriovnicSynthConfig sc{};
    sc.paired_vf = 1;
    sc.mac[0] = 0x52;
    sc.mac[5] = 0x09;
    sc.features = SRIOVNIC_SYNTH_F_ALL;
    sc.revoke_timeout_ms = 100;
    sc.max_mtu = 1500;
    sc.sriov_allowed = true;
    const uint16_t fn = sriovnic_core_synth_attach(
        core, &sc,
        [](void *opaque, const SriovnicSynthTransition *t) {
            static_cast<TransitionRecorder *>(opaque)->seen.push_back(*t);
        },
        &rec, err, sizeof(err));
    ASSERT_EQ(fn, 3) << err;

    SriovnicSynthReasons why{};
    EXPECT_FALSE(sriovnic_core_synth_reasons(core, 1, &why)) << "a VF is no channel";
    ASSERT_TRUE(sriovnic_core_synth_reasons(core, fn, &why));
    ASSERT_EQ(why.count, 2u);
    EXPECT_EQ(why.reason[0].code, SRIOVNIC_SYNTH_WHY_DRIVER_NOT_READY);
    EXPECT_EQ(why.reason[1].code, SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED);
    EXPECT_EQ(std::string(why.reason[1].text),
              "VF 1 is not enabled by the guest's PF driver (SR-IOV NumVFs)");

    SriovnicSynthInfo info{};
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_FALSE(info.has_switched);
    EXPECT_EQ(info.dev_features, uint32_t(SRIOVNIC_SYNTH_F_ALL));

    sriovnic_core_set_active_vfs(core, 2); // offered
    rec.now += 2'000;
    const SriovnicSynthRevoke surprise = {SRIOVNIC_SYNTH_REVOKE_ADMIN, true, false, 0};
    ASSERT_TRUE(sriovnic_core_synth_revoke(core, fn, &surprise, err, sizeof(err)));
    ASSERT_EQ(rec.seen.size(), 2u);
    EXPECT_EQ(rec.seen[0].cause, SRIOVNIC_SYNTH_CAUSE_OFFER);
    EXPECT_FALSE(rec.seen[0].has_previous);
    EXPECT_EQ(rec.seen[1].vf, 1u);
    EXPECT_EQ(rec.seen[1].cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
    EXPECT_EQ(rec.seen[1].revoke_reason, SRIOVNIC_SYNTH_REVOKE_ADMIN);
    EXPECT_TRUE(rec.seen[1].has_previous);
    EXPECT_EQ(rec.seen[1].since_previous_ns, 2'000u);
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_TRUE(info.has_switched);
    EXPECT_EQ(info.last_switch_ns, 7'000u);
    EXPECT_TRUE(info.last_revoke_surprise);
    ASSERT_TRUE(sriovnic_core_synth_reasons(core, fn, &why));
    ASSERT_EQ(why.count, 3u);
    EXPECT_EQ(why.reason[2].code, SRIOVNIC_SYNTH_WHY_REVOKED);

    EXPECT_EQ(sriovnic_core_total_vfs(core), 2u);
    EXPECT_EQ(sriovnic_core_active_vfs(core), 2u);
    SriovnicFnInfo fi{};
    EXPECT_FALSE(sriovnic_core_fn_info(core, 3, &fi)) << "channels have their own snapshot";
    ASSERT_TRUE(sriovnic_core_fn_info(core, SRIOVNIC_FN_PF, &fi));
    EXPECT_TRUE(fi.present);
    EXPECT_FALSE(fi.driver_enabled);
    ASSERT_TRUE(sriovnic_core_fn_info(core, SRIOVNIC_FN_VF(1), &fi));
    EXPECT_TRUE(fi.present);
    EXPECT_TRUE(fi.mac_pinned);
    EXPECT_EQ(fi.mac[0], 0x52);
    EXPECT_EQ(fi.mac[5], 0x09);
    EXPECT_TRUE(fi.spoofchk) << "the default administration";
    EXPECT_FALSE(fi.trust);
    EXPECT_EQ(fi.link_state, SRIOVNIC_VFA_LINK_AUTO);
    sriovnic_core_set_active_vfs(core, 0);
    ASSERT_TRUE(sriovnic_core_fn_info(core, SRIOVNIC_FN_VF(1), &fi));
    EXPECT_FALSE(fi.present);
    sriovnic_core_free(core);
}

TEST(CApi, SynthMigrationCallsReachTheChannel)
{
    char err[128] = "";
    SynthRecorder rec;
    const SriovnicPlatformOps sops = synth_ops();
    SriovnicCoreConfig cfg = config(2);
    SriovnicCore *core = sriovnic_core_new(&cfg, &sops, &rec, err, sizeof(err));
    ASSERT_NE(core, nullptr) << err;
    SriovnicSynthConfig sc{};
    sc.paired_vf = 0;
    sc.mac[0] = 0x52;
    sc.mac[5] = 0x09;
    sc.features = SRIOVNIC_SYNTH_F_ALL;
    sc.revoke_timeout_ms = 100;
    sc.max_mtu = 1500;
    sc.sriov_allowed = true;
    sc.on_migration = SRIOVNIC_SYNTH_ON_MIGRATION_COUNT;
    EXPECT_EQ(attach(core, &sc, &rec, err), 0);
    EXPECT_EQ(std::string(err), "'on-migration' must be 'revoke' or 'keep'");
    sc.on_migration = SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE;
    const uint16_t fn = attach(core, &sc, &rec, err);
    ASSERT_EQ(fn, 3) << err;

    // A destination: the VFs its PF's load enables are not offered before the VM runs.
    sriovnic_core_synth_incoming(core, fn);
    sriovnic_core_set_active_vfs(core, 2);
    SriovnicSynthInfo info{};
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(info.migration, SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN);
    EXPECT_TRUE(sriovnic_core_synth_vm_running(core, fn, true));
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_SYNTHETIC) << "offered at the guest's first transmit";
    EXPECT_EQ(info.migration, SRIOVNIC_SYNTH_MIGRATION_RESUMING);
    sriovnic_core_synth_migration_end(core, fn, false);
    sriovnic_core_synth_migration_begin(core, fn, true);
    EXPECT_TRUE(sriovnic_core_synth_migration_end(core, fn, false)) << "still due: offered";
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_OFFERED);

    // A source: an offer is withdrawn at setup, and offered again when the migration fails.
    sriovnic_core_synth_migration_begin(core, fn, true);
    EXPECT_FALSE(sriovnic_core_synth_holds_migration(core, fn)) << "nothing to wait for";
    sriovnic_core_synth_pre_save(core, fn);
    EXPECT_EQ(sriovnic_core_synth_regs(core, fn)->revoke_reason, 0u);
    EXPECT_TRUE(sriovnic_core_synth_migration_end(core, fn, false));
    ASSERT_TRUE(sriovnic_core_synth_query(core, fn, &info));
    EXPECT_EQ(info.state, SRIOVNIC_SYNTH_DP_OFFERED);

    // A function that is no channel: nothing happens.
    sriovnic_core_synth_migration_begin(core, 1, true);
    sriovnic_core_synth_incoming(core, 1);
    sriovnic_core_synth_pre_save(core, 1);
    EXPECT_FALSE(sriovnic_core_synth_holds_migration(core, 1));
    EXPECT_FALSE(sriovnic_core_synth_migration_end(core, 1, false));
    EXPECT_FALSE(sriovnic_core_synth_vm_running(core, 1, true));
    sriovnic_core_free(core);
}
