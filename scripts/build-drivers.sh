#!/usr/bin/env bash
# Builds the sriovnic guest drivers against Debian's headers for the guest
# kernel and makes the initramfs the tests boot: the base image from
# scripts/guest-assets.sh with the modules appended as a second cpio archive.
# Prints the directory holding vmlinuz and initramfs.cpio.
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-6.12}
guest=$("$SRIOVNIC_ROOT/scripts/guest-assets.sh" "$series")
kver=$(cat "$guest/kernel.version")
headers=$SRIOVNIC_CACHE/guest/headers-$kver

if [ ! -f "$headers/ready" ]; then
    log "downloading kernel headers for $kver"
    rm -rf "$headers"
    mkdir -p "$headers" "$SRIOVNIC_CACHE/downloads"
    common=${kver%-amd64}
    common=${common%-cloud}
    kbuild_ver=$(echo "$kver" | sed -E 's/^([0-9]+\.[0-9]+)(\.[0-9]+)?(-[0-9]+)?.*$/\1\2/')
    pkgs=("linux-headers-$kver" "linux-headers-$common-common")
    case $series in
    6.12) pkgs+=("linux-kbuild-$common") ;;
    6.1) pkgs+=("linux-kbuild-${kbuild_ver%.*}") ;;
    esac
    (cd "$SRIOVNIC_CACHE/downloads" &&
        run_logged "$SRIOVNIC_LOGS/apt-download-headers-$kver.log" apt-get download "${pkgs[@]}") ||
        die "apt-get download ${pkgs[*]} failed"
    for p in "${pkgs[@]}"; do
        deb=$(ls -t "$SRIOVNIC_CACHE/downloads/${p}_"*.deb | head -1)
        dpkg-deb -x "$deb" "$headers"
    done
    # The headers' Makefile includes the common tree by absolute path.
    sed -i "s|include /usr/src/|include $headers/usr/src/|" \
        "$headers/usr/src/linux-headers-$kver/Makefile"
    touch "$headers/ready"
fi
kdir=$headers/usr/src/linux-headers-$kver

out=$SRIOVNIC_BUILD/guest-$series
src=$out/drivers
mkdir -p "$src"
# Build from a copy so the checkout stays free of kbuild's output.
cp -a "$SRIOVNIC_ROOT/guest-drivers/linux/." "$src/"
log "building guest drivers for $kver"
make -s -C "$kdir" M="$src" SRIOVNIC_INCLUDE="$SRIOVNIC_ROOT/include" modules >"$out/kbuild.log" 2>&1 ||
    { cat "$out/kbuild.log"; die "guest driver build failed"; }
if grep -E 'warning:' "$out/kbuild.log"; then
    die "warnings in the guest drivers"
fi

root=$out/root
rm -rf "$root"
mkdir -p "$root/lib/modules/sriovnic" "$root/opt/tools"
cp "$src"/*.ko "$root/lib/modules/sriovnic/"
# Guest-side test tools, linked statically so the initramfs needs no more libraries.
for tool in "$SRIOVNIC_ROOT"/tests/guest/tools/*.c; do
    name=$(basename "$tool" .c)
    gcc -static -O2 -Wall -Wextra -Werror -I"$SRIOVNIC_ROOT/include" -o "$root/opt/tools/$name" "$tool" ||
        die "building $name failed"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out/modules.cpio"
cat "$guest/initramfs.cpio" "$out/modules.cpio" >"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
ln -sf "$guest/vmlinuz" "$out/vmlinuz"
cp "$guest/kernel.version" "$out/kernel.version"
echo "$out"
