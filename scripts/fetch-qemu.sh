#!/usr/bin/env bash
# Fetches QEMU's orig tarball from Debian's bookworm-backports source archive
# once into the cache and checks its sha256. Prints the tarball's path.
set -euo pipefail
. "$(dirname "$0")/common.sh"

dl=$SRIOVNIC_CACHE/downloads
mkdir -p "$dl"
tarball=$dl/$QEMU_TARBALL

verify() { echo "$QEMU_SHA256  $1" | sha256sum --check --status; }

if [ -f "$tarball" ] && verify "$tarball"; then
    echo "$tarball"
    exit 0
fi

log "fetching $QEMU_TARBALL from Debian's source archive"
tmp=$(mktemp -d "$dl/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The .dsc of this version is gone from the archive, so apt-get exits non-zero
# after fetching the orig tarball; judge success by the tarball itself.
apt_log=$SRIOVNIC_LOGS/apt-source-qemu.log
mkdir -p "$SRIOVNIC_LOGS"
(cd "$tmp" && apt-get source --download-only "qemu=$QEMU_DEB_VERSION" >"$apt_log" 2>&1) || true
if [ ! -f "$tmp/$QEMU_TARBALL" ]; then
    tail -n 20 "$apt_log" >&2
    die "could not download $QEMU_TARBALL (output: $apt_log; are the deb-src bookworm-backports entries present? run scripts/setup-host.sh)"
fi
verify "$tmp/$QEMU_TARBALL" || die "$QEMU_TARBALL: sha256 mismatch, expected $QEMU_SHA256"
mv "$tmp/$QEMU_TARBALL" "$tarball"
echo "$tarball"
