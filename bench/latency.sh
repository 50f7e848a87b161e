#!/bin/bash
# End-to-end latency of the whole pipeline, from a WebSocket client's send
# to the line leaving kcons:
#
#   bench/bin/wsload -r RATE  ->  wsrecv | kprod -t T  ->  test broker  ->  kcons T | bench/bin/latsink
#
# wsload stamps each message with its send time (CLOCK_MONOTONIC); latsink
# reads kcons's output and reports p50, p99 and max. Runs at 1,000 and
# 10,000 messages/s, RUNS times each, for each setting below, and prints
# the medians as a markdown section (also written to bench/out/latency.md).
#   bench/latency.sh [SECONDS] [RUNS]      (defaults: 10 and 3)
#   LAT_BROKER=kafka bench/latency.sh      the same on a real Apache Kafka of
#                                          its own, kcons with default settings
#                                          (bench/kafka-latency.sh)
#
# The test broker answers a fetch that finds no data only after the whole
# fetch.wait.max.ms (a real broker answers as soon as data arrives), so
# kcons runs with -X fetch.wait.max.ms=1 here; without it every record
# would wait for the next fetch, up to 500 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
SECS=${1:-10}
RUNS=${2:-3}
KCONS_ARGS="-X fetch.wait.max.ms=1"
[ "${LAT_BROKER:-test}" != kafka ] || KCONS_ARGS=""
# The settings compared: kprod's default linger.ms (5), and linger.ms=1.
SETTINGS=("" "-X linger.ms=1")
for b in bin/wsrecv bin/kprod bin/kcons bench/bin/wsload bench/bin/latsink tests/bin/mockbroker; do
	[ -x "$b" ] || { echo "latency.sh: $b missing: run make all testtools" >&2; exit 2; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "${LAT_BROKER:-test}" != kafka ] || kafka_bench_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "${LAT_BROKER:-test}" = kafka ]; then
	. bench/kafka.bash
	kafka_bench_start
	BROKER_NAME="Apache Kafka $KAFKA_VERSION (single node, tests/kafka/cluster)"
	OUT=bench/out/kafka-latency.md
	mktopic() { tests/bin/mktopic -b "$B" "$1" 1; }
else
	bench_broker_start
	pids+=("$bpid")
	BROKER_NAME="the test broker"
	OUT=bench/out/latency.md
	mktopic() { broker_cmd "topic $1 1"; }
fi

# One run at $1 messages/s with kprod options $2: prints "p50 p99 max" in ms.
run_one() {
	local rate=$1 n=$(($1 * SECS)) topic="lat$RANDOM$RANDOM" KPROD_ARGS=$2
	mktopic "$topic"
	rm -f "$tmp/ws2k" "$tmp/ws.err" "$tmp/sink"
	mkfifo "$tmp/ws2k"
	bin/wsrecv -p 0 >"$tmp/ws2k" 2>"$tmp/ws.err" &
	local ws=$!
	# shellcheck disable=SC2086
	bin/kprod -q -b "$B" -t "$topic" $KPROD_ARGS <"$tmp/ws2k" &
	local kp=$!
	# shellcheck disable=SC2086
	bin/kcons -q -b "$B" -o end $KCONS_ARGS "$topic" | bench/bin/latsink -n "$n" -w $((rate / 2)) >"$tmp/sink" &
	local sink=$!
	local port
	port=$(listening_port "$tmp/ws.err")
	sleep 1.5 # kcons has its partition and sits at the end
	bench/bin/wsload -c 1 -n "$n" -s 100 -r "$rate" -p "$port" >/dev/null
	timeout 30 tail --pid="$sink" -f /dev/null || true
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
	pkill -TERM -f "bin/kcons -q -b $B -o end" 2>/dev/null || true
	wait "$sink" 2>/dev/null || true
	sed -n 's/.*count=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) max_ms=\([0-9.]*\).*/\2 \3 \4 \1/p' "$tmp/sink"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A P50 P99 MAX
for s in "${!SETTINGS[@]}"; do
	for rate in 1000 10000; do
		: >"$tmp/runs"
		for i in $(seq "$RUNS"); do
			echo "latency: kprod ${SETTINGS[$s]:-defaults}, $rate messages/s, run $i of $RUNS..." >&2
			r=$(run_one "$rate" "${SETTINGS[$s]}")
			[ -n "$r" ] || { echo "latency.sh: run at $rate/s produced no figures" >&2; exit 1; }
			echo "$r" >>"$tmp/runs"
		done
		P50[$s,$rate]=$(cut -d' ' -f1 "$tmp/runs" | median)
		P99[$s,$rate]=$(cut -d' ' -f2 "$tmp/runs" | median)
		MAX[$s,$rate]=$(cut -d' ' -f3 "$tmp/runs" | median)
	done
done

{
	echo "## End-to-end latency: WebSocket send to the line leaving kcons, on $BROKER_NAME"
	echo
	echo "One client sending 100-byte messages at a fixed rate for ${SECS} s through"
	echo "\`wsrecv | kprod -t T\` to $BROKER_NAME and \`kcons T\` (1-partition topic), median of"
	echo "$RUNS runs; the first half second of each run is not counted."
	if [ -n "$KCONS_ARGS" ]; then
		echo "kcons runs with \`$KCONS_ARGS\`: the test broker holds an empty fetch for all of"
		echo "fetch.wait.max.ms even when data arrives meanwhile (a real broker answers at once),"
		echo "so with the default 500 ms the median would be about 250 ms here."
	else
		echo "kcons runs with its default settings (fetch.wait.max.ms 500: the broker answers a"
		echo "waiting fetch as soon as data arrives)."
	fi
	echo
	echo "| kprod settings | messages/s | p50 (ms) | p99 (ms) | max (ms) |"
	echo "|---|---:|---:|---:|---:|"
	for s in "${!SETTINGS[@]}"; do
		for rate in 1000 10000; do
			echo "| ${SETTINGS[$s]:-defaults (linger.ms=5)} | $rate | ${P50[$s,$rate]} | ${P99[$s,$rate]} | ${MAX[$s,$rate]} |"
		done
	done
	echo
	echo "Command: \`${LAT_BROKER:+LAT_BROKER=$LAT_BROKER }bench/latency.sh $SECS $RUNS\`, which runs"
	echo
	echo '```'
	echo "bin/wsrecv -p 0 | bin/kprod -q -b B -t T [-X linger.ms=1]"
	echo "bin/kcons -q -b B -o end $KCONS_ARGS T | bench/bin/latsink -n N -w RATE/2"
	echo "bench/bin/wsload -c 1 -n N -s 100 -r RATE -p PORT"
	echo '```'
} | tee "$tmp/report"
mkdir -p bench/out
cp "$tmp/report" "$OUT"
