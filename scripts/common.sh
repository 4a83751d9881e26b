# Shared settings for the sriovnic helper scripts. Sourced, never run.
# shellcheck shell=bash

SRIOVNIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRIOVNIC_CACHE=${SRIOVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sriovnic}
SRIOVNIC_BUILD=${SRIOVNIC_BUILD:-$SRIOVNIC_ROOT/build}

QEMU_VERSION=10.0.2
QEMU_DEB_VERSION="1:10.0.2+ds-2+deb13u1~bpo12+1"
QEMU_TARBALL=qemu_10.0.2+ds.orig.tar.xz
QEMU_SHA256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

QEMU_SRC=$SRIOVNIC_BUILD/qemu-$QEMU_VERSION
QEMU_BUILD=$QEMU_SRC/build
QEMU_BIN=$QEMU_BUILD/qemu-system-x86_64

# Let ccache hit across clones in different directories.
export CCACHE_DIR=${CCACHE_DIR:-$SRIOVNIC_CACHE/ccache}
export CCACHE_BASEDIR=/
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

log() { printf '[sriovnic] %s\n' "$*" >&2; }

# Installs what is missing and builds QEMU with the device (both idempotent).
prepare_host_and_qemu() {
    "$SRIOVNIC_ROOT/scripts/setup-host.sh"
    "$SRIOVNIC_ROOT/scripts/build-qemu.sh"
}

# meson setup DIR ARGS..., or meson configure if DIR is already set up.
meson_dir() {
    local dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}
die() { printf '[sriovnic] error: %s\n' "$*" >&2; exit 1; }
