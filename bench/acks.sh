#!/bin/bash
# What an ack from Kafka costs: the front door with write acks (wsrecv --ack:
# a message is acknowledged once written into the pipe) against Kafka acks
# (wsrecv --ack --ack-from R | kprod --reports R: acknowledged once Kafka
# stored it, acks=all), both with every other setting at its default:
#
#   bench/bin/wsload -A -c CONNS  ->  wsrecv --ack [--ack-from R] | kprod [--reports R]  ->  test broker
#
# wsload times every message from its send to the ack that covers it. Two
# measures, at 1 and 100 connections, RUNS times each, medians:
#   - messages acknowledged per second, sending as fast as acks allow
#     (N messages of 100 bytes; the clock stops at the last ack);
#   - ack latency p50 and p99 at 10,000 messages/s for SECS seconds.
# Prints a markdown section (also written to bench/out/acks.md).
#   bench/acks.sh [N] [SECS] [RUNS]      (defaults: 1000000, 10, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
N=${1:-1000000}
SECS=${2:-10}
RUNS=${3:-3}
for b in bin/wsrecv bin/kprod bench/bin/wsload tests/bin/mockbroker; do
	[ -x "$b" ] || { echo "acks.sh: $b missing: run make all testtools" >&2; exit 2; }
done
tmp=$(mktemp -d)
pids=()     # the test broker
run_pids=() # the run's wsrecv and kprod
cleanup() {
	for p in "${run_pids[@]}" "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

mkfifo "$tmp/ctl"
tests/bin/mockbroker -c "$tmp/ctl" >"$tmp/broker" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/broker" ] && break; sleep 0.05; done
B=$(head -n 1 "$tmp/broker")

# One run: mode $1 (write or kafka), $2 connections, wsload options $3;
# prints wsload's summary line.
run_one() {
	local mode=$1 conns=$2 opts=$3 topic="acks$RANDOM$RANDOM" ws_opts=() kp_opts=()
	# Partitions enough that the test broker's 5 MB a partition holds a run.
	echo "topic $topic 64" >"$tmp/ctl" && sleep 0.2
	rm -f "$tmp/ws2k" "$tmp/reports" "$tmp/ws.err"
	mkfifo "$tmp/ws2k" "$tmp/reports"
	if [ "$mode" = kafka ]; then
		ws_opts=(--ack-from "$tmp/reports")
		kp_opts=(--reports "$tmp/reports")
	fi
	bin/wsrecv -p 0 --ack "${ws_opts[@]}" >"$tmp/ws2k" 2>"$tmp/ws.err" &
	local ws=$!
	bin/kprod -q -b "$B" -t "$topic" "${kp_opts[@]}" <"$tmp/ws2k" &
	local kp=$!
	run_pids=("$ws" "$kp")
	local port
	port=$(listening_port "$tmp/ws.err")
	# shellcheck disable=SC2086
	bench/bin/wsload -A -c "$conns" -s 100 -p "$port" $opts
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

declare -A RATE P50 P99
for mode in write kafka; do
	for conns in 1 100; do
		: >"$tmp/tput" && : >"$tmp/lat"
		for i in $(seq "$RUNS"); do
			echo "acks: $mode acks, $conns connections, run $i of $RUNS..." >&2
			run_one "$mode" "$conns" "-n $N" >>"$tmp/tput"
			run_one "$mode" "$conns" "-n $((10000 * SECS)) -r 10000" >>"$tmp/lat"
		done
		RATE[$mode,$conns]=$(field rate <"$tmp/tput" | median)
		P50[$mode,$conns]=$(field ack_p50_ms <"$tmp/lat" | median)
		P99[$mode,$conns]=$(field ack_p99_ms <"$tmp/lat" | median)
	done
done

{
	echo "## Acknowledgements from Kafka: what they cost"
	echo
	echo "The front door as \`wsrecv --ack | kprod\` (write acks: a message is acknowledged once"
	echo "written into the pipe to kprod) against \`wsrecv --ack --ack-from R | kprod --reports R\`"
	echo "(Kafka acks: acknowledged once Kafka stored it, acks=all), every other setting at its"
	echo "default (kprod's linger.ms 5), on the test broker. \`bench/bin/wsload -A\` sends"
	echo "100-byte messages and times each from its send to the ack covering it. Throughput:"
	echo "$N messages as fast as acks allow, the clock stopping at the last ack. Latency:"
	echo "10,000 messages/s for $SECS s. Medians of $RUNS runs."
	echo
	echo "| connections | write acks, msgs/s | Kafka acks, msgs/s | Kafka / write | write acks p50 / p99 | Kafka acks p50 / p99 at 10,000/s |"
	echo "|---:|---:|---:|---:|---:|---:|"
	for conns in 1 100; do
		w=${RATE[write,$conns]} k=${RATE[kafka,$conns]}
		printf '| %d | %.0f | %.0f | %sx | %s / %s ms | %s / %s ms |\n' "$conns" "$w" "$k" \
			"$(awk -v k="$k" -v w="$w" 'BEGIN { printf "%.2f", k / w }')" "${P50[write,$conns]}" \
			"${P99[write,$conns]}" "${P50[kafka,$conns]}" "${P99[kafka,$conns]}"
	done
	echo
	echo "Command: \`bench/acks.sh $N $SECS $RUNS\`."
} | tee bench/out/acks.md
