#!/usr/bin/env bash
# Installs what sriovnic needs on a Debian 12 host: apt sources for deb-src and
# bookworm-backports, build and test packages. Idempotent: with everything in
# place it only checks and returns.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || SUDO=sudo
SUDO=${SUDO:-}

SOURCES=/etc/apt/sources.list.d/sriovnic.sources
want_sources='Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'

need_update=0
if [ ! -f "$SOURCES" ] || [ "$(cat "$SOURCES")" != "$want_sources" ]; then
    log "adding deb-src and bookworm-backports apt sources ($SOURCES)"
    printf '%s\n' "$want_sources" | $SUDO tee "$SOURCES" >/dev/null
    need_update=1
fi
policy=$(apt-cache policy meson 2>/dev/null || true)
if [[ $policy != *bookworm-backports* ]]; then
    need_update=1
fi

# Packages from bookworm proper.
PACKAGES=(
    build-essential g++ ninja-build pkg-config ccache git bzip2 xz-utils
    python3 python3-venv python3-pycotap python3-setuptools flex bison
    libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev zlib1g-dev
    libgtest-dev libgmock-dev libbenchmark-dev cmake
    seabios ipxe-qemu
    busybox-static cpio kmod pciutils iproute2 ethtool iperf3
    dwarves libelf-dev bc
    g++-s390x-linux-gnu qemu-user-static
    clang libclang-rt-14-dev llvm
)
# Packages that must come from bookworm-backports.
BACKPORTS=(meson qemu-system-data)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
bp_missing=()
meson_ok=0
if command -v meson >/dev/null && dpkg --compare-versions "$(meson --version)" ge 1.5; then
    meson_ok=1
fi
[ $meson_ok = 1 ] || bp_missing+=(meson)
if ! dpkg-query -W -f='${Version}' qemu-system-data 2>/dev/null | grep -q '^1:10\.'; then
    bp_missing+=(qemu-system-data)
fi

if [ ${#missing[@]} -gt 0 ] || [ ${#bp_missing[@]} -gt 0 ]; then
    need_update=1
fi
if [ $need_update = 1 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    run_logged "$SRIOVNIC_LOGS/apt-install.log" \
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#bp_missing[@]} -gt 0 ]; then
    log "installing from bookworm-backports: ${bp_missing[*]}"
    run_logged "$SRIOVNIC_LOGS/apt-install-backports.log" \
        $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bp_missing[@]}"
fi
log "host packages ok"
