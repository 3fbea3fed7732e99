#!/bin/sh
# Run the suite on another date: the whole clock moved by Debian's libfaketime (package faketime),
# for this process and every one it starts (test workers, servers, Chromium).
#   tests/faketime/run.sh +365d            a year ahead
#   tests/faketime/run.sh -365d            a year back
#   tests/faketime/run.sh "@$(date -u +%F) 15:59:30"   half a minute before midnight in Shanghai
# Further arguments go to pytest (default: -n 2 -q).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 FAKETIME [pytest args]" >&2; exit 2; }
spec=$1
shift
[ $# -ge 1 ] || set -- -n 2 -q
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$lib" ] || { echo "$lib is missing: apt-get install faketime" >&2; exit 2; }
cd "$root"
# The monotonic clock stays real (timeouts and waits keep working); see sitecustomize.py and
# chromium beside this script.
exec env TZ=UTC FAKETIME="$spec" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$lib" \
    PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" \
    FAKETIME_REAL_CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}" CHROMIUM_PATH="$here/chromium" \
    "${PYTEST:-.venv/bin/pytest}" "$@"
