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
#     (N messages of 100 bytes; the clock stops at the last ack); also
#     through the lossless envelope, wsrecv -J | kprod -J, with Kafka acks,
#     and plain with four fixed headers on every record (kprod -H), which
#     separates what the envelope costs from what librdkafka's headers do;
#   - ack latency p50 and p99 at 10,000 messages/s for SECS seconds, the
#     first WARM seconds (3) acknowledged but not timed, and reported apart,
#     as their longest wait. On Apache Kafka every partition of the fresh
#     topic first takes one record: a topic just created is refused for up
#     to a second (bench/kafka-fresh-topic.sh), which is the broker's start,
#     not the pipeline's.
# Prints a markdown section (also written to bench/out/acks.md).
#   bench/acks.sh [N] [SECS] [RUNS]      (defaults: 1000000, 10, 3)
#   ACKS_BROKER=kafka bench/acks.sh      the same on a real Apache Kafka of its
#                                        own (bench/kafka-acks.sh), into
#                                        bench/out/kafka-acks.md
# PARTS (64; 8 on Kafka, as in kafka-produce.sh): the topic's partitions in
# the throughput runs (the test broker keeps 5 MB a partition). LAT_PARTS
# ("4 32"): the topic layouts of the latency runs with Kafka acks.
# WSRECV_BEFORE=path, KPROD_BEFORE=path (either or both): two throughput
# modes more, alternating with the others: the plain and the envelope's front
# door with that wsrecv and that kprod (e.g. ones built before a change; the
# one not given is bin/'s).
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
KAFKA=$([ "${ACKS_BROKER:-test}" = kafka ] && echo 1 || echo 0)
PARTS=${PARTS:-$([ "$KAFKA" = 1 ] && echo 8 || echo 64)}
LAT_PARTS=${LAT_PARTS:-4 32}
WARM=${WARM:-3}
mkdir -p bench/out
tmp=$(mktemp -d)
run_pids=() # the run's test broker, wsrecv and kprod
cleanup() {
	for p in "${run_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "$KAFKA" = 0 ] || kafka_bench_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$KAFKA" = 1 ]; then
	# shellcheck source=bench/kafka.bash
	. bench/kafka.bash
	kafka_bench_start
	BROKER_NAME="a single-node Apache Kafka $KAFKA_VERSION of its own (tests/kafka/cluster)"
	OUT=bench/out/kafka-acks.md
else
	BROKER_NAME="the test broker, a fresh one each run"
	OUT=bench/out/acks.md
fi

# Starts what a run produces to: a fresh topic of $1 partitions on the
# Kafka, or a test broker of its own (one that kept every earlier run's
# records answers more slowly). Sets B and topic.
run_broker() {
	topic="acks$RANDOM$RANDOM"
	if [ "$KAFKA" = 1 ]; then
		tests/bin/mktopic -b "$B" "$topic" "$1"
		# Apache Kafka refuses a new topic's records for up to a second
		# (bench/kafka-fresh-topic.sh): one record to every partition,
		# delivered, before the pipeline starts.
		local p
		for p in $(seq 0 $(($1 - 1))); do
			printf '{"partition":%d,"payload":"warm"}\n' "$p"
		done | timeout 60 bin/kprod -q -J -b "$B" -t "$topic"
		return
	fi
	bench_broker_start -t "$topic:$1"
	run_pids=("$bpid")
}

# One run: mode $1 (write, kafka, json: kafka with -J, or headers: kafka
# with four -H headers), $2 connections, $3 partitions,
# wsload options $4; prints wsload's summary line.
run_one() {
	local mode=$1 conns=$2 parts=$3 opts=$4 ws_opts=() kp_opts=()
	run_pids=()
	run_broker "$parts"
	rm -f "$tmp/ws2k" "$tmp/reports" "$tmp/ws.err"
	mkfifo "$tmp/ws2k" "$tmp/reports"
	if [ "$mode" != write ]; then
		ws_opts=(--ack-from "$tmp/reports")
		kp_opts=(--reports "$tmp/reports")
	fi
	local ws_bin=bin/wsrecv kp_bin=bin/kprod
	if [ "$mode" = before ] || [ "$mode" = before_plain ]; then
		ws_bin=${WSRECV_BEFORE:-bin/wsrecv}
		kp_bin=${KPROD_BEFORE:-bin/kprod}
	fi
	if [ "$mode" = json ] || [ "$mode" = before ]; then
		ws_opts+=(-J)
		kp_opts+=(-J)
	fi
	# The sizes of the headers wsrecv -J writes (connection, sequence
	# number, peer, path).
	[ "$mode" != headers ] || kp_opts+=(-H conn=1 -H seq=1000000 -H peer=127.0.0.1:40001 -H path=/chat)
	"$ws_bin" -p 0 --ack "${ws_opts[@]}" >"$tmp/ws2k" 2>"$tmp/ws.err" &
	local ws=$!
	"$kp_bin" -q -b "$B" -t "$topic" "${kp_opts[@]}" <"$tmp/ws2k" &
	local kp=$!
	run_pids+=("$ws" "$kp")
	local port
	port=$(listening_port "$tmp/ws.err")
	# shellcheck disable=SC2086
	bench/bin/wsload -A -c "$conns" -s 100 -p "$port" $opts
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
	[ "$KAFKA" = 1 ] || { kill -TERM "${run_pids[0]}" 2>/dev/null || true; wait "${run_pids[0]}" 2>/dev/null || true; }
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

# The modes alternate within each round, so that the machine's other load
# falls on both alike.
first_lat=${LAT_PARTS%% *}
modes=(write kafka json headers)
BEFORE=${WSRECV_BEFORE:-}${KPROD_BEFORE:-}
[ -z "$BEFORE" ] || modes+=(before_plain before)
for i in $(seq "$RUNS"); do
	for conns in 1 100; do
		for mode in "${modes[@]}"; do
			echo "acks: $mode acks, $conns connections, run $i of $RUNS..." >&2
			run_one "$mode" "$conns" "$PARTS" "-n $N" >>"$tmp/tput.$mode.$conns"
			# The envelope's latency is not measured: its throughput is.
			[ "$mode" = write ] || [ "$mode" = kafka ] || continue
			# Write acks do not wait on Kafka: one layout is enough.
			for parts in $([ "$mode" = kafka ] && echo "$LAT_PARTS" || echo "$first_lat"); do
				run_one "$mode" "$conns" "$parts" "-n $((10000 * SECS)) -r 10000 -w $WARM" \
					>>"$tmp/lat.$mode.$conns.$parts"
			done
		done
	done
done
declare -A RATE P50 P99
for conns in 1 100; do
	for mode in "${modes[@]}"; do
		RATE[$mode,$conns]=$(field rate <"$tmp/tput.$mode.$conns" | median)
	done
	for f in "$tmp"/lat.*."$conns".*; do
		k=${f#"$tmp"/lat.}
		P50[$k]=$(field ack_p50_ms <"$f" | median)
		P99[$k]=$(field ack_p99_ms <"$f" | median)
	done
done

{
	if [ "$KAFKA" = 1 ]; then
		echo "## Acknowledgements from Kafka: what they cost, on Apache Kafka $KAFKA_VERSION"
	else
		echo "## Acknowledgements from Kafka: what they cost"
	fi
	echo
	echo "The front door as \`wsrecv --ack | kprod\` (write acks: a message is acknowledged once"
	echo "written into the pipe to kprod) against \`wsrecv --ack --ack-from R | kprod --reports R\`"
	echo "(Kafka acks: acknowledged once Kafka stored it, acks=all), every other setting at its"
	echo "default (kprod's linger.ms 5), on $BROKER_NAME. \`bench/bin/wsload -A\` sends"
	echo "100-byte messages and times each from its send to the ack covering it. Throughput:"
	echo "$N messages as fast as acks allow, the clock stopping at the last ack, to a"
	echo "$PARTS-partition topic. Latency: 10,000 messages/s for $SECS s, to topics of ${LAT_PARTS// / and }"
	echo "partitions; the messages of the first $WARM s (the start of traffic on the topic) are"
	echo "acknowledged but not timed: their longest wait is listed with each run below."
	echo "Kafka acks through the envelope: \`wsrecv --ack -J --ack-from R | kprod -J --reports R\`;"
	echo "with headers: the plain front door, kprod given four fixed headers of the sizes wsrecv -J"
	echo "writes (\`-H conn=1 -H seq=1000000 -H peer=127.0.0.1:40001 -H path=/chat\`)."
	echo "Medians of $RUNS runs, the modes alternating."
	echo
	head="| connections | write acks, msgs/s | Kafka acks, msgs/s | Kafka / write | Kafka acks -J, msgs/s | -J / plain | Kafka acks with headers, msgs/s | headers / plain | write acks p50 / p99 |"
	rule="|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for parts in $LAT_PARTS; do
		head+=" Kafka acks p50 / p99, $parts partitions |"
		rule+="---:|"
	done
	echo "$head"
	echo "$rule"
	for conns in 1 100; do
		w=${RATE[write,$conns]} k=${RATE[kafka,$conns]} j=${RATE[json,$conns]} h=${RATE[headers,$conns]}
		line=$(printf '| %d | %.0f | %.0f | %sx | %.0f | %sx | %.0f | %sx | %s / %s ms |' "$conns" "$w" "$k" \
			"$(awk -v k="$k" -v w="$w" 'BEGIN { printf "%.2f", k / w }')" "$j" \
			"$(awk -v k="$k" -v j="$j" 'BEGIN { printf "%.2f", j / k }')" "$h" \
			"$(awk -v k="$k" -v h="$h" 'BEGIN { printf "%.2f", h / k }')" \
			"${P50[write.$conns.$first_lat]}" "${P99[write.$conns.$first_lat]}")
		for parts in $LAT_PARTS; do
			line+=" ${P50[kafka.$conns.$parts]} / ${P99[kafka.$conns.$parts]} ms |"
		done
		echo "$line"
	done
	if [ -n "$BEFORE" ]; then
		echo
		echo "Before (wsrecv ${WSRECV_BEFORE:-bin/wsrecv}, kprod ${KPROD_BEFORE:-bin/kprod}), Kafka acks,"
		echo "alternating with the rest:"
		for conns in 1 100; do
			awk -v c="$conns" -v bp="${RATE[before_plain,$conns]}" -v b="${RATE[before,$conns]}" \
				-v j="${RATE[json,$conns]}" -v k="${RATE[kafka,$conns]}" \
				'BEGIN { printf "- %d connection(s): plain %.0f msgs/s, -J %.0f, -J / plain %.2fx (now: %.0f, %.0f, %.2fx)\n", c, bp, b, b / bp, k, j, j / k }'
		done
	fi
	echo
	echo "Kafka acks, p50 / p99 of each run (the medians above hide how runs differ), and the"
	echo "longest wait in the first $WARM s:"
	echo
	for parts in $LAT_PARTS; do
		for conns in 1 100; do
			echo "- $parts partitions, $conns connection(s):" \
				"$(sed -n 's/.* ack_p50_ms=\([0-9.]*\) ack_p99_ms=\([0-9.]*\) .* warm_max_ms=\([0-9.]*\).*/\1 \/ \2 ms (first '"$WARM"' s: up to \3 ms)/p' "$tmp/lat.kafka.$conns.$parts" | paste -sd ';' | sed 's/;/; /g')"
		done
	done
	echo
	if [ "$KAFKA" = 1 ]; then
		echo "Command: \`ACKS_BROKER=kafka bench/acks.sh $N $SECS $RUNS\` (bench/kafka-acks.sh)."
	else
		echo "Command: \`bench/acks.sh $N $SECS $RUNS\`."
	fi
} | tee "$OUT"
