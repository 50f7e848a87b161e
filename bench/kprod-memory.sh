#!/bin/bash
# Benchmark: kprod's peak resident size with large records, lines and -J
# envelopes, on the test broker (which takes them slower than they are read).
#
#   bench/kprod-memory.sh [N_RECORDS] [SIZE]     defaults: 1500 and 900000
#   KPROD=path    the kprod to measure (default bin/kprod)
#   OPTS=...      extra kprod options, e.g. OPTS="--max-buffer 16M"
#   RTT=ms        round-trip time the test broker adds (default 50: a broker
#                 slower than the input, as a remote cluster is)
#
# Feeds N records of SIZE bytes (1.35 GB by default; lines, then the same
# payloads as envelopes {"payload":"..."}) from a file to kprod, checks that
# all were stored, and prints peak RSS (/usr/bin/time %M) and wall seconds
# for each. Takes twice the input's size in a temporary directory.
# Needs `make all testtools`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash

N=${1:-1500}
SIZE=${2:-900000}
KPROD=${KPROD:-bin/kprod}
OPTS=${OPTS:-}
RTT=${RTT:-50}

for f in "$KPROD" tests/bin/mockbroker /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/kprod-memory.sh: $f missing (make all testtools)" >&2; exit 2; }
done
command -v kcat >/dev/null || { echo "bench/kprod-memory.sh: kcat not found" >&2; exit 2; }

bench_tmp

bench_broker_start

broker_cmd "rtt all $RTT"

# One record of SIZE bytes, as a line and as an envelope (no newline).
head -c "$SIZE" /dev/zero | tr '\0' x >"$tmp/value"
{ printf '{"payload":"'; cat "$tmp/value"; printf '"}'; } >"$tmp/envelope"

# The inputs, N copies of each record and a newline, written once to files:
# read from a file, input comes faster than the broker takes it.
for name in value envelope; do
	for ((i = 0; i < N; i++)); do
		cat "$tmp/$name"
		echo
	done >"$tmp/$name.in"
done

# Measures kprod with mode options $2 on input file $1; prints a table row.
measure() {
	local name=$1 mode=$2 t=m$RANDOM
	broker_cmd "topic $t 1"
	# shellcheck disable=SC2086 # OPTS and mode are lists of options
	/usr/bin/time -f '%M %e' -o "$tmp/time" \
		"$KPROD" -b "$B" -t "$t" -q $mode $OPTS <"$tmp/$name.in"
	local stored
	stored=$(timeout 30 kcat -b "$B" -Q -t "$t:0:-1" | awk '{ print $4 }')
	[ "$stored" = "$N" ] || { echo "bench/kprod-memory.sh: $stored of $N stored" >&2; exit 1; }
	read -r kb secs <"$tmp/time"
	printf '| %s | %s | %d MiB | %s s |\n' "${mode:-lines}" "${OPTS:-(none)}" $((kb / 1024)) "$secs"
}

echo "$N records of $SIZE bytes ($((N * SIZE / 1000000)) MB), $KPROD, broker RTT $RTT ms:"
echo
echo "| input | options | peak RSS | wall |"
echo "|---|---|---|---|"
measure value ""
measure envelope -J
