#!/usr/bin/env bash
# Prepares what guest-level tests boot: Debian's 6.12 kernel (downloaded once,
# unpacked without installing) and a busybox initramfs with iproute2, ethtool,
# lspci, iperf3 and the kernel modules the tests need. Everything lives under
# the cache; a second run only checks. Prints the directory holding
# vmlinuz, initramfs.cpio and kernel.version.
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-6.12}
case $series in
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
*) die "unknown kernel series '$series' (allowed: 6.12, 6.1)" ;;
esac

guest=$SRIOVNIC_CACHE/guest/linux-$series
init_src=$SRIOVNIC_ROOT/tests/guest/init
dhcp_src=$SRIOVNIC_ROOT/tests/guest/udhcpc.script
# Kernel modules the guest tests load (dependencies are added).
MODULES=(qemu_fw_cfg pci-pf-stub virtio_net e1000e igb igbvf 8021q macvlan)
TOOLS=(/usr/sbin/ip /usr/sbin/ethtool /usr/bin/lspci /usr/bin/setpci /usr/bin/iperf3)

recipe=$(cat "$0" "$init_src" "$dhcp_src" | sha256sum | cut -c1-16)
if [ -f "$guest/ready" ] && [ "$(cat "$guest/ready")" = "$recipe" ]; then
    echo "$guest"
    exit 0
fi

mkdir -p "$guest" "$SRIOVNIC_CACHE/downloads"
if [ ! -f "$guest/kernel.version" ]; then
    pkg=$(apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -V | tail -1)
    [ -n "$pkg" ] || die "no $pattern in the apt lists (run scripts/setup-host.sh)"
    log "downloading $pkg"
    (cd "$SRIOVNIC_CACHE/downloads" && run_logged "$SRIOVNIC_LOGS/apt-download-$pkg.log" apt-get download "$pkg") ||
        die "apt-get download $pkg failed"
    deb=$(ls -t "$SRIOVNIC_CACHE/downloads/${pkg}_"*.deb | head -1)
    rm -rf "$guest/kernel"
    dpkg-deb -x "$deb" "$guest/kernel"
    kver=${pkg#linux-image-}
    cp "$guest/kernel/boot/vmlinuz-$kver" "$guest/vmlinuz"
    echo "$kver" >"$guest/kernel.version"
fi
kver=$(cat "$guest/kernel.version")
moddir=$guest/kernel/lib/modules/$kver
# Debian's packages leave modules.dep to the installer.
[ -f "$moddir/modules.dep" ] || depmod -b "$guest/kernel" "$kver"

log "building the initramfs for $kver"
root=$(mktemp -d "$guest/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/share/misc,lib64,lib/x86_64-linux-gnu,proc,sys,dev,tmp,etc,run,root,opt/tools}
cp /bin/busybox "$root/bin/busybox"
cp "$init_src" "$root/init"
chmod 755 "$root/init"
for tool in "${TOOLS[@]}"; do
    cp "$tool" "$root/opt/tools/"  # ahead of busybox's applets on PATH
    for lib in $(ldd "$tool" | awk '/=> \//{print $3} /^\s*\/lib64/{print $1}'); do
        cp -L "$lib" "$root/lib/x86_64-linux-gnu/" 2>/dev/null || true
    done
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
cp /usr/share/misc/pci.ids "$root/usr/share/misc/"
mkdir -p "$root/etc/udhcpc"  # where Debian's busybox looks
install -m 755 "$dhcp_src" "$root/etc/udhcpc/default.script"

# Modules with their dependencies, decompressed so busybox's modprobe loads them.
declare -A wanted=()
add_module() {
    local path
    path=$(awk -F: -v m="$1" '{n=$1; sub(/.*\//,"",n); sub(/\.ko(\.xz)?$/,"",n); gsub(/-/,"_",n)} n==m {print $1; exit}' "$moddir/modules.dep")
    [ -n "$path" ] || die "module $1 not found in $kver"
    [ -n "${wanted[$path]:-}" ] && return 0
    wanted[$path]=1
    local dep
    for dep in $(awk -F: -v p="$path" '$1==p {print $2}' "$moddir/modules.dep"); do
        dep=${dep##*/}; dep=${dep%.xz}; dep=${dep%.ko}
        add_module "${dep//-/_}"
    done
}
for m in "${MODULES[@]}"; do add_module "${m//-/_}"; done
dst=$root/lib/modules/$kver
for path in "${!wanted[@]}"; do
    mkdir -p "$dst/$(dirname "$path")"
    case $path in
    *.xz) xz -dc "$moddir/$path" >"$dst/${path%.xz}" ;;  # 6.12 compresses them, 6.1 does not
    *) cp "$moddir/$path" "$dst/$path" ;;
    esac
done
cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$dst/" 2>/dev/null || true
depmod -b "$root" "$kver"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$guest/initramfs.cpio.tmp"
mv "$guest/initramfs.cpio.tmp" "$guest/initramfs.cpio"
echo "$recipe" >"$guest/ready"
echo "$guest"
