#!/bin/bash
# Benchmark: kprod against kcat -P, producing the same file of ~100-byte
# records to the test broker with the same delivery guarantees (acks=all,
# idempotence, murmur2_random).
#
#   bench/kprod.sh [N_RECORDS] [RUNS]      defaults: 1000000 and 5
#
# Prints a markdown section (median msgs/s and CPU seconds per million
# records for both tools, the ratio, the exact commands) and writes it to
# bench/out/kprod.md. Needs `make all testtools`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash

N=${1:-1000000}
RUNS=${2:-5}
KPROD=${KPROD:-bin/kprod}
PARTS=${PARTS:-32}
OUT=bench/out/kprod.md

for f in "$KPROD" tests/bin/mockbroker /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/kprod.sh: $f missing (make all testtools)" >&2; exit 2; }
done
command -v kcat >/dev/null || { echo "bench/kprod.sh: kcat not found" >&2; exit 2; }

bench_tmp

# The test broker, on a port of its own.
bench_broker_start

# N records of 100 bytes and a newline, made once.
input=$tmp/records
awk -v n="$N" 'BEGIN {
	pad = sprintf("%91s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= n; i++) printf "%08d %s\n", i, pad
}' >"$input"

KPROD_CMD="$KPROD -b \$B -t \$T < records"
KCAT_CMD="kcat -P -b \$B -t \$T -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true < records"

# Runs tool $1 once on a fresh topic; appends "msgs/s cpu-s-per-million" to $tmp/$1.
run_one() {
	local tool=$1 t="bench_${1}_$2_$RANDOM"
	broker_cmd "topic $t $PARTS"
	case $tool in
	kprod) /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$KPROD" -b "$B" -t "$t" <"$input" ;;
	kcat) /usr/bin/time -f '%e %U %S' -o "$tmp/time" kcat -P -b "$B" -t "$t" \
		-X partitioner=murmur2_random -X acks=all -X enable.idempotence=true <"$input" ;;
	esac
	local got
	got=$(delivered "$t")
	if [ "$got" != "$N" ]; then
		echo "bench/kprod.sh: $tool delivered $got of $N records" >&2
		exit 1
	fi
	read -r wall user sys <"$tmp/time"
	awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v tool="$tool" 'BEGIN {
		printf "%s run: %.2f s wall, %.2f s cpu\n", tool, w, u + s > "/dev/stderr"
		printf "%.0f %.3f\n", n / (w > 0 ? w : 0.01), (u + s) * 1000000 / n
	}' >>"$tmp/$tool"
}

for i in $(seq "$RUNS"); do
	if [ $((i % 2)) -eq 1 ]; then
		run_one kprod "$i"
		run_one kcat "$i"
	else
		run_one kcat "$i"
		run_one kprod "$i"
	fi
done

# Median of column $2 of file $1.
median() {
	sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

kp_rate=$(median "$tmp/kprod" 1)
kp_cpu=$(median "$tmp/kprod" 2)
kc_rate=$(median "$tmp/kcat" 1)
kc_cpu=$(median "$tmp/kcat" 2)
mkdir -p bench/out
{
	echo "## kprod vs kcat -P"
	echo
	echo "$N records of 100 bytes, $RUNS runs each (alternating), test broker with a"
	echo "$PARTS-partition topic on loopback, $(nproc) cores, librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?')."
	echo
	echo "| tool | median msgs/s | median CPU s per million msgs |"
	echo "|---|---:|---:|"
	printf '| kprod | %.0f | %.3f |\n' "$kp_rate" "$kp_cpu"
	printf '| kcat -P | %.0f | %.3f |\n' "$kc_rate" "$kc_cpu"
	awk -v a="$kp_rate" -v b="$kc_rate" -v c="$kp_cpu" -v d="$kc_cpu" \
		'BEGIN { printf "| **kprod / kcat** | **%.2fx** | **%.2fx** |\n", a / b, c / d }'
	echo
	echo "Commands (each run on a fresh topic \$T):"
	echo
	echo "    $KPROD_CMD"
	echo "    $KCAT_CMD"
} | tee "$OUT"
