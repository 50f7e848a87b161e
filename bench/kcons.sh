#!/bin/bash
# kcons against kcat -C: throughput on a large topic and start-up time on a
# tiny one. Starts its own test broker; writes bench/out/kcons.md.
#   bench/kcons.sh [N_RECORDS] [RUNS]        (defaults 1000000 and 5)
set -eu
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${2:-5}
PARTS=${PARTS:-64}
KCONS=${KCONS:-bin/kcons}
[ -x "$KCONS" ] && [ -x tests/bin/mockbroker ] || { echo "kcons.sh: run make all testtools first" >&2; exit 2; }
mkdir -p bench/out
# shellcheck source=bench/lib.bash
. bench/lib.bash
tmp=$(mktemp -d)
bpid=
cleanup() {
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The broker keeps at most 5 MB per partition: 64 partitions hold the run.
bench_broker_start -t big:$PARTS -t small:1

# N records of about 100 bytes.
awk -v n="$N" 'BEGIN { pad = sprintf("%88s", ""); gsub(/ /, "x", pad);
	for (i = 1; i <= n; i++) printf "%010d %s\n", i, pad }' >"$tmp/records"
# kcat writes the data, so the figures do not depend on our producer.
fill="kcat -b $B -P -t big"
$fill <"$tmp/records"
seq 1 5 | kcat -b "$B" -P -t small

cmd_kcons="$KCONS -b $B -e big"
cmd_kcat="kcat -b $B -C -e -q -t big"
# Runs "$@" | wc -l under /usr/bin/time; prints "wall user sys count".
measure() {
	local count
	count=$( { /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" | wc -l; } 2>/dev/null)
	echo "$(cat "$tmp/time") $count"
}
: >"$tmp/kcons.runs"
: >"$tmp/kcat.runs"
for r in $(seq "$RUNS"); do
	measure $cmd_kcons >>"$tmp/kcons.runs"
	measure $cmd_kcat >>"$tmp/kcat.runs"
done
# The broker may have dropped the oldest data of a full partition: what
# counts is that both tools read the same number of messages every run.
M=$(awk 'NR == 1 { print $4 }' "$tmp/kcat.runs")
for f in kcons kcat; do
	awk -v n="$M" '$4 != n { print FILENAME ": run " NR " read " $4 ", kcat read " n > "/dev/stderr"; bad = 1 }
		END { exit bad }' "$tmp/$f.runs" || exit 1
done
[ "$M" -eq "$N" ] || echo "kcons.sh: the broker kept $M of $N records" >&2
N=$M

# Median of column $2 of file $1.
median() { sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
cpu_median() { awk '{ print $2 + $3 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
kw=$(median "$tmp/kcons.runs" 1); cw=$(median "$tmp/kcat.runs" 1)
kc=$(cpu_median "$tmp/kcons.runs"); cc=$(cpu_median "$tmp/kcat.runs")
krate=$(awk -v n="$N" -v w="$kw" 'BEGIN { printf "%.0f", n / w }')
crate=$(awk -v n="$N" -v w="$cw" 'BEGIN { printf "%.0f", n / w }')
ratio=$(awk -v a="$krate" -v b="$crate" 'BEGIN { printf "%.2f", a / b }')
kcpm=$(awk -v n="$N" -v c="$kc" 'BEGIN { printf "%.3f", c * 1e6 / n }')
ccpm=$(awk -v n="$N" -v c="$cc" 'BEGIN { printf "%.3f", c * 1e6 / n }')

# Start-up: five messages, 20 runs each.
hyperfine -N -w 3 -r 20 --export-json "$tmp/small.json" \
	"$KCONS -b $B -e small" "kcat -b $B -C -e -q -t small" >/dev/null 2>&1
read -r ks cs < <(jq -r '[.results[].median * 1000 | floor] | @tsv' "$tmp/small.json")

{
	echo "## kcons vs kcat -C"
	echo
	echo "$N records of ~100 bytes in a topic of $PARTS partitions on the test broker;"
	echo "median of $RUNS alternating runs; $(nproc) cores, librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?'), kcat $(kcat -V 2>&1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1)."
	echo
	echo "| | wall s | msgs/s | CPU s per million | 5-message topic, median of 20 |"
	echo "|---|---|---|---|---|"
	echo "| kcons | $kw | $krate | $kcpm | $ks ms |"
	echo "| kcat -C | $cw | $crate | $ccpm | $cs ms |"
	echo "| ratio | | **${ratio}x** | | |"
	echo
	echo "Commands (each piped to \`wc -l\`, which checks the count):"
	echo
	echo '```'
	echo "${cmd_kcons/$B/BROKER} | wc -l"
	echo "${cmd_kcat/$B/BROKER} | wc -l"
	echo "hyperfine -N -r 20 '$KCONS -b BROKER -e small' 'kcat -b BROKER -C -e -q -t small'"
	echo '```'
} | tee bench/out/kcons.md
