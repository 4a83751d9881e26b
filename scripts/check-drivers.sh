#!/usr/bin/env bash
# Checks the guest drivers with the kernel's own tools: checkpatch.pl
# --strict from Debian's linux-source-6.12 over every source file, and
# sparse with endian checks (make C=2 CF=-D__CHECK_ENDIAN__) against the
# 6.1 and 6.12 headers scripts/build-drivers.sh uses. Fails on any finding
# not listed below with its reason. Installs what it needs (sparse via apt,
# linux-source-6.12 fetched with apt-get download into $SRIOVNIC_CACHE);
# idempotent.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || SUDO=sudo
SUDO=${SUDO:-}
drivers=$SRIOVNIC_ROOT/guest-drivers/linux

# checkpatch message types a file may leave, each with its reason.
declare -A CHECKPATCH_ACCEPT=(
    # Out-of-tree modules for 6.1 and 6.12: compat.h is the one place that
    # tests the kernel version, where no feature macro tells.
    [./common/compat.h]=LINUX_VERSION_CODE
)

export DEBIAN_FRONTEND=noninteractive
if ! command -v sparse >/dev/null; then
    log "installing sparse"
    $SUDO apt-get install -y -qq --no-install-recommends sparse >/dev/null ||
        { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends sparse >/dev/null; } ||
        die "apt-get install sparse failed"
fi

tools=$SRIOVNIC_CACHE/checkpatch-6.12
if [ ! -f "$tools/ready" ]; then
    log "fetching checkpatch.pl from Debian's linux-source-6.12"
    rm -rf "$tools"
    mkdir -p "$tools" "$SRIOVNIC_CACHE/downloads"
    deb=$(ls -t "$SRIOVNIC_CACHE/downloads"/linux-source-6.12_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        (cd "$SRIOVNIC_CACHE/downloads" && apt-get download linux-source-6.12 >/dev/null 2>&1) ||
            die "apt-get download linux-source-6.12 failed (needs bookworm-backports: scripts/setup-host.sh)"
        deb=$(ls -t "$SRIOVNIC_CACHE/downloads"/linux-source-6.12_*.deb | head -1)
    fi
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tools" --wildcards './usr/src/linux-source-6.12.tar.*'
    tarball=$(ls "$tools"/usr/src/linux-source-6.12.tar.*)
    tar -xf "$tarball" -C "$tools" --strip-components=1 \
        linux-source-6.12/scripts/checkpatch.pl linux-source-6.12/scripts/spelling.txt \
        linux-source-6.12/scripts/const_structs.checkpatch
    rm -rf "$tools/usr"
    touch "$tools/ready"
fi

status=0
log "checkpatch.pl --strict over guest-drivers/linux"
report=""
while read -r file; do
    accept=${CHECKPATCH_ACCEPT[$file]:-}
    out=$(cd "$drivers" && perl "$tools/scripts/checkpatch.pl" --strict --no-tree --terse \
        --show-types ${accept:+--ignore "$accept"} -f "$file" 2>&1 |
        grep -E '^\./.*: (ERROR|WARNING|CHECK):' || true)
    [ -z "$out" ] || report+="$out"$'\n'
done < <(cd "$drivers" && find . -name '*.[ch]' | LC_ALL=C sort)
report=${report%$'\n'}
for dir in common pf vf synth; do
    printf '[sriovnic]   %-7s %s findings\n' "$dir" "$(grep -c "^\./$dir/" <<<"$report" || true)" >&2
done
if [ -n "$report" ]; then
    printf '%s\n' "$report" >&2
    log "checkpatch: $(wc -l <<<"$report") findings"
    status=1
fi

for series in 6.1 6.12; do
    log "sparse (C=2, __CHECK_ENDIAN__) against $series"
    guest=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" "$series")
    kver=$(cat "$guest/kernel.version")
    kdir=$SRIOVNIC_CACHE/guest/headers-$kver/usr/src/linux-headers-$kver
    src=$SRIOVNIC_BUILD/sparse-$series
    rm -rf "$src"
    mkdir -p "$src"
    cp -a "$drivers/." "$src/"
    make -C "$kdir" M="$src" SRIOVNIC_INCLUDE="$SRIOVNIC_ROOT/include" C=2 \
        CF=-D__CHECK_ENDIAN__ modules >"$src/sparse.log" 2>&1 ||
        { cat "$src/sparse.log" >&2; die "sparse build against $series failed"; }
    # kbuild prints a CHECK line per file it hands to sparse: none means no check.
    grep -q '^ *CHECK ' "$src/sparse.log" || die "sparse did not run against $series"
    findings=$(grep -E ': (warning|error):' "$src/sparse.log" || true)
    if [ -n "$findings" ]; then
        printf '%s\n' "$findings" >&2
        log "sparse against $series: $(wc -l <<<"$findings") findings"
        status=1
    else
        log "sparse against $series: 0 findings"
    fi
done
[ $status = 0 ] && log "guest drivers: checkpatch and sparse clean"
exit $status
