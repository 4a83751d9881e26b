#!/usr/bin/env bash
# Builds qemu-system-x86_64 10.0.2 with sriovnic compiled in.
#
# The pristine source comes from Debian's orig tarball (scripts/fetch-qemu.sh).
# It is unpacked once under build/, the project's device sources and headers are
# linked into it (so edits here rebuild incrementally), a few small edits hook
# them into QEMU's Kconfig/meson/trace machinery, and a trimmed x86_64-softmmu
# build is configured with ccache. A second run with nothing changed only runs
# ninja's up-to-date check.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tarball=$("$SRIOVNIC_ROOT/scripts/fetch-qemu.sh")
stamp=$QEMU_SRC/.sriovnic-unpacked

if [ ! -f "$stamp" ]; then
    log "unpacking QEMU $QEMU_VERSION into $QEMU_SRC"
    rm -rf "$QEMU_SRC"
    mkdir -p "$SRIOVNIC_BUILD"
    tmp=$(mktemp -d "$SRIOVNIC_BUILD/unpack.XXXXXX")
    tar -xf "$tarball" -C "$tmp"
    mv "$tmp"/qemu-* "$QEMU_SRC"
    rmdir "$tmp"
    touch "$stamp"
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

# Hook our directory into QEMU's build. Each edit is applied once; grep makes
# the script idempotent.
edit_once() {
    local file=$1 marker=$2 sed_expr=$3
    grep -qF -- "$marker" "$QEMU_SRC/$file" && return 0
    sed -i "$sed_expr" "$QEMU_SRC/$file"
    grep -qF -- "$marker" "$QEMU_SRC/$file" || die "could not hook into $file"
}
edit_once hw/net/Kconfig "source sriovnic/Kconfig" '$a source sriovnic/Kconfig'
edit_once hw/net/meson.build "subdir('sriovnic')" "\$a subdir('sriovnic')"
edit_once meson.build "'hw/net/sriovnic/qemu'," "s|^    'hw/net',\$|    'hw/net',\n    'hw/net/sriovnic/qemu',|"
# The +ds tarball has no edk2 blobs; QEMU would try to unpack them whenever
# bzip2 is installed. Only unpack them when blobs are to be installed.
edit_once meson.build "unpack_edk2_blobs = bzip2.found() and get_option('install_blobs')" \
    "s|unpack_edk2_blobs = bzip2.found()\$|unpack_edk2_blobs = bzip2.found() and get_option('install_blobs')|"

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

log "building qemu-system-x86_64"
ninja -C "$QEMU_BUILD" qemu-system-x86_64 >"$QEMU_BUILD/ninja.log" 2>&1 ||
    { grep -E 'error|Error' -A5 "$QEMU_BUILD/ninja.log" | head -60; die "QEMU build failed (log: $QEMU_BUILD/ninja.log)"; }
# QEMU's build uses its own warning set without -Werror; hold our glue to
# -Wall -Wextra -Werror anyway.
/usr/bin/python3 "$SRIOVNIC_ROOT/scripts/qemu/check-glue-warnings.py" "$QEMU_BUILD" ||
    die "warnings in sriovnic's QEMU glue (see above)"
log "built $QEMU_BIN"
