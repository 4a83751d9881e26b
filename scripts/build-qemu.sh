#!/usr/bin/env bash
# Builds qemu-system-x86_64 10.0.2 with sriovnic compiled in.
#
# The pristine source comes from Debian's orig tarball (scripts/fetch-qemu.sh).
# It is unpacked once under build/ and changed only by the patch files in
# scripts/qemu/patches/ (applied once; a stamp records the patch set, and a
# changed set is re-applied to pristine copies of the files it touches), which
# hook the device into QEMU's Kconfig/meson/trace/QAPI machinery. The
# project's device sources and headers are linked into the tree (so edits here
# rebuild incrementally), its QAPI schema module is copied into qapi/ when it
# changed, and a trimmed x86_64-softmmu build is configured with ccache.
# A second run with nothing changed only checks the stamps and runs ninja's
# up-to-date check.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tarball=$("$SRIOVNIC_ROOT/scripts/fetch-qemu.sh")
stamp=$QEMU_SRC/.sriovnic-unpacked
# What the tree was patched with: the patch set's hash, then the sha256 of
# every file the patches touched, as they were after patching.
patch_stamp=$QEMU_SRC/.sriovnic-patches
patches=("$SRIOVNIC_ROOT"/scripts/qemu/patches/*.patch)
[ -f "${patches[0]}" ] || die "no patches in scripts/qemu/patches"
command -v patch >/dev/null || die "patch(1) is missing (Debian package patch; run scripts/setup-host.sh)"
patch_hash=$(cd "$SRIOVNIC_ROOT/scripts/qemu/patches" && sha256sum -- *.patch | sha256sum | cut -d' ' -f1)
tmp=
trap 'rm -rf "$tmp"' EXIT

# The files the patches change, as paths inside QEMU's tree (-p1).
patched_files() {
    grep -h '^+++ ' "$@" | grep -v '^+++ /dev/null' | sed 's|^+++ [^/]*/||; s|\t.*||' | sort -u
}

# Applies every patch in order to the pristine tree in $1 and records them
# in its stamp; fails on any hunk that does not apply exactly.
apply_patches() {
    local dir=$1 p
    for p in "${patches[@]}"; do
        patch -d "$dir" -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch \
            --reject-file=- --silent <"$p" >&2 ||
            die "${p#"$SRIOVNIC_ROOT"/} does not apply to QEMU $QEMU_VERSION's pristine source"
    done
    (cd "$dir" && { echo "$patch_hash"; patched_files "${patches[@]}" | xargs -d '\n' sha256sum --; }) \
        >"$dir/.sriovnic-patches.new"
    mv "$dir/.sriovnic-patches.new" "$dir/.sriovnic-patches"
}

# True if the tree carries exactly the current patch set: same patches, and
# the files they touched still as patching left them.
patches_applied() {
    [ "$(head -1 "$patch_stamp" 2>/dev/null)" = "$patch_hash" ] &&
        (cd "$QEMU_SRC" && tail -n +2 "$patch_stamp" | sha256sum --check --status --strict)
}

if [ ! -f "$stamp" ]; then
    log "unpacking QEMU $QEMU_VERSION into $QEMU_SRC"
    rm -rf "$QEMU_SRC"
    mkdir -p "$SRIOVNIC_BUILD"
    tmp=$(mktemp -d "$SRIOVNIC_BUILD/unpack.XXXXXX")
    tar -xf "$tarball" -C "$tmp"
    apply_patches "$tmp/qemu-$QEMU_VERSION"
    mv "$tmp/qemu-$QEMU_VERSION" "$QEMU_SRC"
    touch "$stamp"
elif ! patches_applied; then
    # The patch set changed, or the tree predates the patches (it was edited
    # with sed by earlier versions of this script, or by hand). Take every
    # file the old or the new patches touch from the cached tarball, patch
    # those copies, and replace only the files whose content differs, so
    # unchanged files keep their timestamps and nothing is rebuilt for them.
    # (The sed-edited tree of earlier versions has exactly the content these
    # patches produce, so it is left as it is.)
    log "patching QEMU's tree (patch set changed)"
    files=$({ patched_files "${patches[@]}"; tail -n +2 "$patch_stamp" 2>/dev/null | cut -c67- || true; } | sort -u)
    tmp=$(mktemp -d "$SRIOVNIC_BUILD/repatch.XXXXXX")
    mapfile -t members < <(sed "s|^|qemu-$QEMU_VERSION/|" <<<"$files")
    # A file only a patch created is not in the tarball; tar says so and
    # extracts the rest.
    tar -xf "$tarball" -C "$tmp" "${members[@]}" 2>/dev/null || true
    mkdir -p "$tmp/qemu-$QEMU_VERSION"
    apply_patches "$tmp/qemu-$QEMU_VERSION"
    while read -r f; do
        if [ ! -e "$tmp/qemu-$QEMU_VERSION/$f" ]; then
            rm -f "$QEMU_SRC/$f"
        elif ! cmp -s "$tmp/qemu-$QEMU_VERSION/$f" "$QEMU_SRC/$f"; then
            mkdir -p "$(dirname "$QEMU_SRC/$f")"
            cp "$tmp/qemu-$QEMU_VERSION/$f" "$QEMU_SRC/$f"
        fi
    done <<<"$files"
    mv "$tmp/qemu-$QEMU_VERSION/.sriovnic-patches" "$patch_stamp"
fi

# Link the project's sources into QEMU's tree.
link() {
    local target=$1 name=$2
    if [ "$(readlink "$name" 2>/dev/null)" != "$target" ]; then
        rm -rf "$name"
        ln -s "$target" "$name"
    fi
}
link "$SRIOVNIC_ROOT/hw/net/sriovnic" "$QEMU_SRC/hw/net/sriovnic"
link "$SRIOVNIC_ROOT/include/sriovnic" "$QEMU_SRC/include/sriovnic"
link "$SRIOVNIC_ROOT/scripts/qemu/sriovnic.mak" \
     "$QEMU_SRC/configs/devices/x86_64-softmmu/sriovnic.mak"
# The device's QAPI schema module: QAPI builds a module only from qapi/, where
# the patches include it (qapi/meson.build reads it when configuring). A copy,
# renewed only when the source changed, so its timestamp tells ninja when to
# regenerate. Not a link: older versions of this script (an older commit
# checked out) patch qapi/sriovnic.json in place with cp, which would write
# through a link into the checkout, or stop at a dangling one.
schema=$QEMU_SRC/qapi/sriovnic.json
if ! cmp -s "$SRIOVNIC_ROOT/hw/net/sriovnic/qapi/sriovnic.json" "$schema"; then
    rm -f "$schema"
    cp "$SRIOVNIC_ROOT/hw/net/sriovnic/qapi/sriovnic.json" "$schema"
fi

configure_args=(
    --target-list=x86_64-softmmu
    --without-default-features
    --without-default-devices
    --with-devices-x86_64=sriovnic
    --enable-tcg --enable-slirp --enable-trace-backends=log
    --disable-docs --disable-werror
    --python=/usr/bin/python3
    --disable-download --disable-install-blobs
    "--cc=ccache gcc" "--cxx=ccache g++" "--host-cc=gcc"
)
if [ "${SRIOVNIC_QEMU_FUZZ:-0}" = 1 ]; then
    # libFuzzer needs clang; the core gets the same instrumentation
    # (hw/net/sriovnic/meson.build).
    configure_args=("${configure_args[@]/#--cc=*/--cc=ccache clang}")
    configure_args=("${configure_args[@]/#--cxx=*/--cxx=ccache clang++}")
    configure_args=("${configure_args[@]/#--host-cc=*/--host-cc=clang}")
    configure_args+=(--enable-fuzzing --enable-asan --enable-ubsan)
elif [ "${SRIOVNIC_QEMU_SANITIZE:-0}" = 1 ]; then
    configure_args+=(--enable-asan --enable-ubsan)
fi
# A change of flags or of the device set means a fresh configure.
want_args="${configure_args[*]} $(sha256sum <"$SRIOVNIC_ROOT/scripts/qemu/sriovnic.mak")"
if [ ! -f "$QEMU_BUILD/build.ninja" ] || [ "$(cat "$QEMU_BUILD/.sriovnic-configure-args" 2>/dev/null)" != "$want_args" ]; then
    log "configuring QEMU"
    rm -rf "$QEMU_BUILD"
    mkdir -p "$QEMU_BUILD"
    (cd "$QEMU_BUILD" && ../configure "${configure_args[@]}" >configure.log 2>&1) ||
        { tail -30 "$QEMU_BUILD/configure.log"; die "QEMU configure failed (log: $QEMU_BUILD/configure.log)"; }
    echo "$want_args" >"$QEMU_BUILD/.sriovnic-configure-args"
fi

# Runtime firmware from Debian's packages, where a binary run from the build
# tree looks for it.
# Debian ships the BIOS and option ROMs in seabios and ipxe-qemu, and the
# links to them from /usr/share/qemu in qemu-system-x86, which we do not need.
firmware=$QEMU_BUILD/qemu-bundle/usr/local/share/qemu
[ -L "$firmware" ] && rm -f "$firmware"
mkdir -p "$firmware"
for f in /usr/share/qemu/* /usr/share/seabios/* /usr/lib/ipxe/qemu/*; do
    [ -e "$firmware/${f##*/}" ] || [ -L "$firmware/${f##*/}" ] || ln -s "$f" "$firmware/${f##*/}"
done

log "building $QEMU_TARGET"
run_logged "$QEMU_BUILD/ninja.log" ninja -C "$QEMU_BUILD" "$QEMU_TARGET" ||
    die "QEMU build failed (see above)"
# QEMU's build uses its own warning set without -Werror; hold our glue to
# -Wall -Wextra -Werror anyway.
# (gcc's builds only: clang, in the fuzzing build, does not take QEMU's
# -iquote headers for system headers, and the gcc build checks the same code.)
if [ "${SRIOVNIC_QEMU_FUZZ:-0}" != 1 ]; then
    /usr/bin/python3 "$SRIOVNIC_ROOT/scripts/qemu/check-glue-warnings.py" "$QEMU_BUILD" ||
        die "warnings in sriovnic's QEMU glue (see above)"
fi
log "built $QEMU_BIN"
