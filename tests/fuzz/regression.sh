#!/bin/sh
# regression.sh OUT FUZZER ARGS...: runs the fuzzer with OUT emptied first, so
# that every regression run starts from the committed corpus alone.
out=$1
shift
rm -rf "$out"
mkdir -p "$out/new"
exec "$@"
