// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target of the core: a card with VFs and a synthetic channel,
// on the unit tests' fake platform, driven by the input as a sequence of
// actions (the format is in docs/design-notes.md, "Fuzzing the core", and
// tests/fuzz/generate.py writes inputs in it). Whatever the input, the card
// must not crash, hit undefined behaviour or leak (ASan+UBSan), touch memory
// outside the guest's (the fake platform refuses it), signal a vector or
// send a frame that cannot exist, or break the synthetic channel's
// invariants (the ones tests/unit/chaos_test.cpp checks); a migrated state,
// corrupted or not, is either refused by post_load or carried on from.
#include "device.hpp"
#include "fake_platform.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace sriovnic::fuzz {
namespace {

constexpr uint16_t kVfs = 4;
constexpr size_t kRamSize = 64 * 1024;
// The card's BARs right after RAM, so that an address the input makes up
// may land in them: the card's DMA then comes back to the card.
constexpr uint64_t kBarsBase = kRamSize;
// The synthetic channel: the function after the VFs (sriovnic_fn_of_channel()).
constexpr uint16_t kSynth = kVfs + 1;
constexpr uint64_t kSynthBar = kBarsBase + SRIOVNIC_PF_REGS_SIZE + kVfs * SRIOVNIC_VF_REGS_SIZE;
constexpr size_t kMaxFrame = 16384;

// What the input asks for; one byte each, taken modulo kActionCount.
enum Action : uint8_t {
    kWrite,          // fn u8, offset u16, size u8, value u64
    kRead,           // fn u8, offset u16, size u8
    kFillMemory,     // addr u16, n u8, n bytes
    kPut,            // addr u16, width u8, value u64 (a descriptor or ring word)
    kUplinkFrame,    // len u16, n u8, n bytes (the frame: them, zero-padded to len)
    kTimer,          // ns u32: the clock moves on and the card's timer runs
    kReset,          // fn u8: function-level reset (QEMU's reset or an FLR)
    kVfEnable,       // how u8, n u16
    kHost,           // op u8, a u32, b u32: offer, revoke, policy, migration hooks, link
    kFault,          // vf u8, fault u8, duration u32 (0: the fault's default)
    kMigrate,        // n u8, then n times: state u8, at u16, xor u8
    kMailbox,        // vf u8, to_vf u8, 16 words u32
    kHostOwned,      // (nothing): from now on a host-owned card, its host PF agent answering
    kHostAdmin,      // op u8, vf u8, a u32, b u32: the host's settings, notices, plug/unplug
    kActionCount,
};

// Reads the input front to back, little-endian; zeros past its end.
class Input {
public:
    explicit Input(std::span<const uint8_t> data) : data_(data) {}
    bool empty() const { return pos_ >= data_.size(); }
    template <typename T> T get()
    {
        uint64_t v = 0;
        for (unsigned i = 0; i < sizeof(T); i++) {
            v |= uint64_t(pos_ < data_.size() ? data_[pos_++] : 0) << (8 * i);
        }
        return T(v);
    }
    std::span<const uint8_t> bytes(size_t n)
    {
        n = std::min(n, data_.size() - std::min(pos_, data_.size()));
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

private:
    std::span<const uint8_t> data_;
    size_t pos_ = 0;
};

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "sriovnic fuzz: invariant violated: %s\n", what);
    std::abort();
}

// SRIOVNIC_FUZZ_TRACE=1: say what each action did (to read a finding's input).
const bool kTrace = std::getenv("SRIOVNIC_FUZZ_TRACE") != nullptr;

void trace(const char *what, const std::optional<std::string> &problem = std::nullopt)
{
    if (kTrace) {
        std::fprintf(stderr, "%s%s%s\n", what, problem ? ": " : "", problem ? problem->c_str() : "");
    }
}

void require(bool cond, const char *what)
{
    if (!cond) {
        violated(what);
    }
}

SriovnicSynthConfig synth_config()
{
    SriovnicSynthConfig cfg{};
    cfg.paired_vf = 0;
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x00, 0x02, 0x00};
    std::copy(std::begin(mac), std::end(mac), cfg.mac);
    cfg.features = SRIOVNIC_SYNTH_F_ALL;
    cfg.revoke_timeout_ms = 5;
    cfg.max_mtu = 9000;
    cfg.offloads = SRIOVNIC_SYNTH_F_OFFLOADS;
    cfg.sriov_allowed = true;
    return cfg;
}

class Card {
public:
    Card()
    {
        device_ = new_device();
        platform_.bars.push_back({kBarsBase, SRIOVNIC_PF_REGS_SIZE, SRIOVNIC_FN_PF});
        for (uint16_t n = 0; n < kVfs; n++) {
            platform_.bars.push_back({kBarsBase + SRIOVNIC_PF_REGS_SIZE + n * SRIOVNIC_VF_REGS_SIZE,
                                      SRIOVNIC_VF_REGS_SIZE, SRIOVNIC_FN_VF(n)});
        }
        platform_.bars.push_back({kSynthBar, SRIOVNIC_SYNTH_REGS_SIZE, kSynth});
        // The card's DMA that comes back to it must not make it do anything.
        platform_.mmio.read = [this](uint16_t fn, uint64_t off, unsigned size) {
            const Outputs before = outputs();
            const uint64_t value = device_->read(fn, off, size);
            require(outputs() == before, "a DMA into a BAR ran the card's work");
            return value;
        };
        platform_.mmio.write = [this](uint16_t fn, uint64_t off, unsigned size, uint64_t v) {
            const Outputs before = outputs();
            device_->write(fn, off, size, v);
            require(outputs() == before, "a DMA into a BAR ran the card's work");
        };
    }

    void run(Input &in)
    {
        while (!in.empty()) {
            step(in);
            check_outputs();
            check_synth();
        }
    }

private:
    using Outputs = std::tuple<size_t, size_t, size_t>; // frames out, interrupts, DMA
    Outputs outputs() const
    {
        return {platform_.uplink.size(), platform_.msix.size(), platform_.dma_fns.size()};
    }

    std::unique_ptr<Device> new_device()
    {
        SriovnicCoreConfig cfg = test::card_config(kVfs, 2, 2, {0x52, 0x54, 0, 0, 0, 1});
        cfg.host_owned = host_owned_;
        auto d = std::make_unique<Device>(cfg, platform_);
        d->subscribe(platform_);
        std::string err;
        if (d->attach_synth(synth_config(), {}, err) != kSynth) {
            violated(("the synthetic channel did not attach: " + err).c_str());
        }
        return d;
    }

    // The PF, the VFs, the channel and one function past it.
    static uint16_t function(uint8_t b) { return uint16_t(b % (kSynth + 2)); }

    // Sizes 1, 2, 4, 8; bit 2 moves the access past the window's end.
    static unsigned size(uint8_t b) { return 1u << (b & 3); }
    static uint64_t offset(uint16_t off, uint8_t size_byte)
    {
        return off + ((size_byte & 4) ? uint64_t(SRIOVNIC_PF_REGS_SIZE) : 0);
    }

    void step(Input &in)
    {
        static constexpr const char *kNames[kActionCount] = {
            "write", "read", "fill memory", "put", "uplink frame", "timer", "reset",
            "VF enable", "host", "fault", "migrate", "mailbox", "host-owned card", "host admin"};
        const uint8_t action = in.get<uint8_t>() % kActionCount;
        trace(kNames[action]);
        switch (action) {
        case kWrite: {
            const uint16_t fn = function(in.get<uint8_t>());
            const uint16_t off = in.get<uint16_t>();
            const uint8_t sz = in.get<uint8_t>();
            device_->write(fn, offset(off, sz), size(sz), in.get<uint64_t>());
            break;
        }
        case kRead: {
            const uint16_t fn = function(in.get<uint8_t>());
            const uint16_t off = in.get<uint16_t>();
            const uint8_t sz = in.get<uint8_t>();
            (void)device_->read(fn, offset(off, sz), size(sz));
            break;
        }
        case kFillMemory: {
            const size_t at = in.get<uint16_t>() % kRamSize;
            const auto bytes = in.bytes(in.get<uint8_t>());
            const size_t n = std::min(bytes.size(), kRamSize - at);
            std::copy_n(bytes.begin(), n, platform_.ram.begin() + ptrdiff_t(at));
            break;
        }
        case kPut: {
            const size_t at = in.get<uint16_t>() % kRamSize;
            const unsigned width = 1u << (in.get<uint8_t>() & 3);
            const uint64_t v = in.get<uint64_t>();
            for (unsigned i = 0; i < width && at + i < kRamSize; i++) {
                platform_.ram[at + i] = uint8_t(v >> (8 * i));
            }
            break;
        }
        case kUplinkFrame: {
            const size_t len = in.get<uint16_t>() % (kMaxFrame + 1);
            const auto bytes = in.bytes(in.get<uint8_t>());
            std::vector<uint8_t> frame(bytes.begin(), bytes.begin() + ptrdiff_t(std::min(len, bytes.size())));
            frame.resize(len);
            (void)device_->uplink_receive(frame);
            break;
        }
        case kTimer:
            platform_.now += in.get<uint32_t>();
            device_->on_timer();
            break;
        case kReset:
            device_->reset_function(function(in.get<uint8_t>()));
            break;
        case kVfEnable: {
            const uint8_t how = in.get<uint8_t>();
            const uint16_t n = in.get<uint16_t>();
            if (how & 1) {
                device_->set_active_vfs(uint16_t(n % (kVfs + 1)));
            } else if (device_->config_write_allowed()) {
                // As the glue does: the core first says whether VF Enable may be set.
                if (device_->request_vf_enable(n)) {
                    device_->set_active_vfs(n);
                }
            }
            break;
        }
        case kHost: host(in.get<uint8_t>(), in.get<uint32_t>(), in.get<uint32_t>()); break;
        case kFault: {
            const uint8_t vf = in.get<uint8_t>();
            const uint8_t fault = in.get<uint8_t>();
            const uint32_t duration = in.get<uint32_t>();
            trace("  fault", device_->inject_fault({uint32_t(vf % (kVfs + 2)),
                                                   uint32_t(fault % (SRIOVNIC_INJECT_COUNT + 1)),
                                                   duration != 0, duration}));
            break;
        }
        case kMigrate: migrate(in); break;
        case kMailbox: mailbox(in); break;
        case kHostOwned:
            // The guest's card so far goes away; the host's takes its place.
            host_owned_ = true;
            device_ = new_device();
            break;
        case kHostAdmin: {
            const uint8_t op = in.get<uint8_t>();
            const uint8_t vf = in.get<uint8_t>();
            host_admin(op, vf, in.get<uint32_t>(), in.get<uint32_t>());
            break;
        }
        default: break;
        }
    }

    void host(uint8_t op, uint32_t a, uint32_t b)
    {
        switch (op % 12) {
        case 0: trace("  offer", device_->synth_offer(kSynth)); break;
        case 1: {
            SriovnicSynthRevoke r{};
            r.reason = a % 8;
            r.surprise = (a >> 8) & 1;
            r.has_timeout_ms = (a >> 9) & 1;
            r.timeout_ms = b;
            trace("  revoke", device_->synth_revoke(kSynth, r));
            break;
        }
        case 2: {
            // Any subset of the fields, values in range or not.
            SriovnicSynthPolicy p{};
            p.has_sriov_allowed = a & 1;
            p.sriov_allowed = (a >> 1) & 1;
            p.has_max_mtu = (a >> 2) & 1;
            p.max_mtu = b;
            p.has_offloads = (a >> 3) & 1;
            p.offloads = b >> 16;
            p.has_port_policies = (a >> 4) & 1;
            p.port_policies = a >> 8;
            trace("  policy", device_->synth_set_policy(kSynth, p));
            break;
        }
        case 3: device_->synth_migration_begin(kSynth, a & 1); break;
        case 4: (void)device_->synth_migration_end(kSynth, a & 1); break;
        case 5: (void)device_->synth_vm_running(kSynth, a & 1); break;
        case 6: (void)device_->synth_holds_migration(kSynth); break;
        case 7: device_->synth_incoming(kSynth); break;
        case 8: device_->set_uplink_link(a & 1); break;
        case 9: (void)device_->announce(); break;
        case 10: device_->synth_pre_save(kSynth); break;
        default: (void)device_->synth_reasons(kSynth); (void)device_->fn_info(uint16_t(a % (kSynth + 2))); break;
        }
    }

    // The host's administration of its card's VFs (refused on a guest-owned
    // card, and for VFs the card lacks): any subset of the settings, values
    // in range or not; the agent's limit and notices; plug and unplug.
    void host_admin(uint8_t op, uint8_t vf_byte, uint32_t a, uint32_t b)
    {
        const uint32_t vf = vf_byte % (kVfs + 2);
        switch (op % 5) {
        case 0: {
            SriovnicVfSettings st{};
            st.has_mac = a & 1;
            // The MAC from b (bytes 0..3) and a's top half (4..5): a's low
            // bits say which settings are given.
            for (unsigned i = 0; i < 6; i++) {
                st.mac[i] = uint8_t((uint64_t(a >> 16) << 32 | b) >> (8 * i));
            }
            st.has_vlan = (a >> 1) & 1;
            st.vlan = uint16_t(b);
            st.has_qos = (a >> 2) & 1;
            st.qos = uint8_t(b >> 16);
            st.has_spoofchk = (a >> 3) & 1;
            st.spoofchk = (a >> 4) & 1;
            st.has_trust = (a >> 5) & 1;
            st.trust = (a >> 6) & 1;
            st.has_link_state = (a >> 7) & 1;
            st.link_state = uint8_t(b >> 24);
            st.has_max_tx_rate = (a >> 8) & 1;
            st.max_tx_rate = b;
            st.has_mtu_limit = (a >> 9) & 1;
            st.mtu_limit = b >> 8;
            trace("  set VF", device_->host_set_vf(vf, st));
            break;
        }
        case 1: trace("  MTU limit", device_->host_set_vf_mtu_limit(uint16_t(vf), a)); break;
        case 2: trace("  notice", device_->host_notify_vf_reset(uint16_t(vf))); break;
        case 3: trace("  plug", device_->plug_standalone_vf(vf)); break;
        default: device_->unplug_standalone_vf(uint16_t(vf)); break;
        }
    }

    // One message through a VF's mailbox: the VF's side sends to the PF or
    // the PF's side to the VF, as their drivers would (ack, words, send).
    void mailbox(Input &in)
    {
        const uint16_t vf = uint16_t(in.get<uint8_t>() % kVfs);
        const bool to_vf = in.get<uint8_t>() & 1;
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        uint32_t words[SRIOVNIC_MBX_WORDS];
        for (uint32_t &w : words) {
            w = in.get<uint32_t>();
        }
        if (to_vf) {
            device_->write(fn, SRIOVNIC_REG_MBX_CTRL, 4, SRIOVNIC_MBX_CTRL_ACK);
            for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
                device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_PF_MBX_PF_MSG(vf, i), 4, words[i]);
            }
            device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), 4,
                           SRIOVNIC_MBX_CTRL_SEND);
        } else {
            device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), 4,
                           SRIOVNIC_MBX_CTRL_ACK);
            for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
                device_->write(fn, SRIOVNIC_REG_MBX_VF_MSG(i), 4, words[i]);
            }
            device_->write(fn, SRIOVNIC_REG_MBX_CTRL, 4, SRIOVNIC_MBX_CTRL_SEND);
        }
    }

    // Migrates what the card holds to a new card, as the glue's VMState
    // does, after flipping the bytes the input names (a corrupt stream): the
    // destination refuses it in post_load, or carries on from it.
    void migrate(Input &in)
    {
        device_->synth_pre_save(kSynth);
        auto dest = new_device();
        dest->set_active_vfs(device_->active_vfs());
        dest->pf_admin_regs() = device_->pf_admin_regs();
        for (uint16_t fn = 0; fn <= kVfs; fn++) {
            *dest->fn_regs(fn) = *device_->fn_regs(fn);
            if (fn != SRIOVNIC_FN_PF) {
                *dest->vf_admin_regs(uint16_t(fn - 1)) = *device_->vf_admin_regs(uint16_t(fn - 1));
                *dest->vf_mailbox_regs(uint16_t(fn - 1)) = *device_->vf_mailbox_regs(uint16_t(fn - 1));
                if (host_owned_) {
                    *dest->vf_host_regs(uint16_t(fn - 1)) = *device_->vf_host_regs(uint16_t(fn - 1));
                }
            }
        }
        *dest->synth_regs(kSynth) = *device_->synth_regs(kSynth);
        for (unsigned n = in.get<uint8_t>() % 8; n > 0; n--) {
            const uint8_t which = in.get<uint8_t>();
            const uint16_t at = in.get<uint16_t>();
            const uint8_t flip = in.get<uint8_t>();
            const uint16_t fn = uint16_t(which / 5 % (kVfs + 1));
            const uint16_t vf = uint16_t(fn % kVfs);
            std::span<uint8_t> state;
            switch (which % 5) {
            case 0: state = as_bytes(dest->pf_admin_regs()); break;
            case 1: state = as_bytes(*dest->fn_regs(fn)); break;
            case 2: state = as_bytes(*dest->vf_admin_regs(vf)); break;
            case 3:
                // A host-owned card's agent state travels with the mailbox's.
                state = host_owned_ && (which & 0x80) ? as_bytes(*dest->vf_host_regs(vf))
                                                      : as_bytes(*dest->vf_mailbox_regs(vf));
                break;
            default: state = as_bytes(*dest->synth_regs(kSynth)); break;
            }
            state[at % state.size()] ^= flip;
        }
        bool accepted = true;
        for (uint16_t fn = 0; fn <= kVfs; fn++) {
            accepted = accepted && !dest->post_load(fn);
        }
        accepted = accepted && !dest->post_load(kSynth);
        trace(accepted ? "  migration: accepted" : "  migration: refused");
        if (accepted) {
            (void)dest->synth_vm_running(kSynth, true);
            device_ = std::move(dest);
        }
    }

    template <typename T> static std::span<uint8_t> as_bytes(T &state)
    {
        return {reinterpret_cast<uint8_t *>(&state), sizeof(state)};
    }

    void check_outputs()
    {
        for (const auto &[fn, vector] : platform_.msix) {
            require(fn <= kSynth, "an interrupt from a function that does not exist");
            require(vector < device_->msix_vectors(fn), "an interrupt beyond the function's vectors");
        }
        for (const auto &frame : platform_.uplink) {
            require(frame.size() >= 14, "a frame shorter than an Ethernet header");
            require(frame.size() <= SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD,
                    "a frame longer than the largest MTU allows");
        }
        platform_.msix.clear();
        platform_.uplink.clear();
        platform_.dma_fns.clear();
        platform_.traces.clear();
    }

    // What must hold of the channel whatever the guest and host did.
    void check_synth()
    {
        const SriovnicSynthRegs &r = *device_->synth_regs(kSynth);
        require(r.dp_state <= 3, "data-path state out of range");
        if (r.dp_state == SRIOVNIC_SYNTH_DP_SYNTHETIC) {
            require(r.dp_vf == 0 && r.dp_serial == 0, "a synthetic data path names a VF");
        }
        require(r.num_events <= SRIOVNIC_SYNTH_MAX_WAITING_EVENTS, "too many waiting events");
        for (const SriovnicSynthQueueRegs &q : r.queues) {
            require(!q.enable || q.avail_pos == q.used_pos, "a ring entry taken and not used");
        }
        const SriovnicSynthInfo info = device_->synth_info(kSynth).value();
        require(!(info.rx_via_vf && !info.vf_up), "receive through a VF that is down");
        const bool offered = info.state == SRIOVNIC_SYNTH_DP_OFFERED || info.state == SRIOVNIC_SYNTH_DP_VF;
        require(!(info.port_policies && offered), "a VF offered under a port policy it cannot enforce");
        require(!(info.migration == SRIOVNIC_SYNTH_MIGRATION_OUTGOING && offered),
                "a VF offered during an outgoing migration");
        const SriovnicSynthReasons why = device_->synth_reasons(kSynth).value();
        const bool on_vf = info.state == SRIOVNIC_SYNTH_DP_VF && info.rx_via_vf;
        require((why.count == 0) == on_vf, "'why not SR-IOV' silent while not on the VF, or not silent on it");
        for (unsigned i = 0; i < why.count; i++) {
            require(why.reason[i].code < unsigned(SRIOVNIC_SYNTH_WHY_COUNT), "a reason code out of range");
            require(why.reason[i].text[0] != '\0', "a reason without text");
        }
    }

    test::FakePlatform platform_{kRamSize};
    bool host_owned_ = false;
    std::unique_ptr<Device> device_;
};

} // namespace
} // namespace sriovnic::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sriovnic::fuzz::Input in({data, size});
    sriovnic::fuzz::Card card;
    card.run(in);
    return 0;
}
