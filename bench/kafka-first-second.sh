#!/bin/bash
# A new pipeline's first second on Apache Kafka (issue 19), as a client
# sees it: a fresh topic (created just before, tests/bin/mktopic), a fresh
# front door on it (wsrecv --ack --ack-from R | kprod --reports R, every
# other setting at its default), and one Python websockets client
# (bench/first-second.py): one message alone, then 10,000 messages/s for
# SECS seconds (5), each timed from its send to the ack that covers it: the
# first second's against those after the third ("the rest"), same run.
# Two ways to start: the client connects as soon as wsrecv listens
# ("at once", what a script that does not look at /healthz does), or once
# /healthz says ready ("when ready", what a load balancer does); and, as the
# floor of the client and the machine, the same client against write acks
# (wsrecv --ack | kprod: acknowledged once written into the pipe). Starts its
# own single-node Kafka; writes bench/out/kafka-first-second.md.
#   bench/kafka-first-second.sh [RUNS] [PARTITIONS...]     (defaults 3, 4 32)
#   SECS=N                                                 seconds of traffic (5)
#   CLIENT=wsload      the client is bench/bin/wsload (C, one thread, epoll)
#                      instead of Python's: three connections one after the
#                      other, the lone message, the first second (10,000
#                      messages at 10,000/s), and the rest (30,000 more, the
#                      first 2 s not timed: those after the third second)
#   REQUEST_LOG=1      the broker's request log on, and a column more: its
#                      produce requests to the run's topic, how many spent
#                      over 20 ms on its handler thread (the append to its
#                      log) and which request to their partition they were
#                      (bench/request-log.py)
#   KAFKA_PROPS="name=value ..."   broker properties (e.g. to try one)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
# shellcheck source=bench/kafka.bash
. bench/kafka.bash
RUNS=${1:-3}
SECS=${SECS:-5}
CLIENT=${CLIENT:-python}
shift || true
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(4 32)
for b in bin/wsrecv bin/kprod tests/bin/mktopic $([ "$CLIENT" = wsload ] && echo bench/bin/wsload); do
	[ -x "$b" ] || { echo "kafka-first-second.sh: $b missing: run make all testtools" >&2; exit 2; }
done
mkdir -p bench/out
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	kafka_bench_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
kafka_bench_start

# The client's line for the front door on port $1, in first-second.py's
# fields.
client() {
	if [ "$CLIENT" != wsload ]; then
		timeout 120 /usr/bin/python3 bench/first-second.py --secs "$SECS" "ws://127.0.0.1:$1/"
		return
	fi
	local lone first rest
	lone=$(timeout 60 bench/bin/wsload -A -c 1 -n 1 -s 100 -p "$1")
	first=$(timeout 60 bench/bin/wsload -A -c 1 -n 10000 -r 10000 -s 100 -p "$1")
	rest=$(timeout 60 bench/bin/wsload -A -c 1 -n 30000 -r 10000 -w 2 -s 100 -p "$1")
	echo "lone_ms=$(field ack_max_ms <<<"$lone") n=10000 p50_ms=$(field ack_p50_ms <<<"$first")" \
		"p99_ms=$(field ack_p99_ms <<<"$first") max_ms=$(field ack_max_ms <<<"$first")" \
		"rest_p50_ms=$(field ack_p50_ms <<<"$rest") rest_p99_ms=$(field ack_p99_ms <<<"$rest")"
}

# One run: start $1 (now, ready or write) on a fresh topic of $2 partitions;
# prints the client's line, and the ms from starting the pipeline to ready.
run_one() {
	local start=$1 parts=$2 topic="first$RANDOM$RANDOM" port t0 ready_ms=-
	tests/bin/mktopic -b "$B" "$topic" "$parts"
	rm -f "$tmp/ws2k" "$tmp/reports" "$tmp/ws.err"
	mkfifo "$tmp/ws2k" "$tmp/reports"
	local ws_opts=(--ack-from "$tmp/reports") kp_opts=(--reports "$tmp/reports")
	[ "$start" != write ] || ws_opts=() kp_opts=()
	t0=$(date +%s%N)
	bin/wsrecv -p 0 --ack "${ws_opts[@]}" >"$tmp/ws2k" 2>"$tmp/ws.err" &
	local ws=$!
	bin/kprod -q -b "$B" -t "$topic" "${kp_opts[@]}" <"$tmp/ws2k" &
	local kp=$!
	pids=("$ws" "$kp")
	port=$(listening_port "$tmp/ws.err")
	if [ "$start" = ready ]; then
		until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
			sleep 0.005
		done
		ready_ms=$((($(date +%s%N) - t0) / 1000000))
	fi
	local line
	line="$(client "$port") ready_ms=$ready_ms"
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
	pids=()
	[ "${REQUEST_LOG:-0}" = 0 ] || line="$line $(/usr/bin/python3 bench/request-log.py "$KDIR/1/logs/server.log" "$topic")"
	echo "$line"
}

label() {
	case $1 in
	now) echo "at once" ;;
	ready) echo "when ready" ;;
	write) echo "write acks (the floor)" ;;
	esac
}
field() { sed -n "s/.* $1=\([0-9.-]*\).*/\1/p; s/^$1=\([0-9.-]*\) .*/\1/p"; }

{
	echo "## A new pipeline's first second on Apache Kafka $KAFKA_VERSION, as a client sees it"
	echo
	if [ "$CLIENT" = wsload ]; then
		echo "\`CLIENT=wsload bench/kafka-first-second.sh $RUNS ${PARTS[*]}\`: a topic created just before, a"
		echo "fresh \`wsrecv --ack --ack-from R | kprod --reports R\` on it, bench/bin/wsload as the"
		echo "client (C, one thread), three connections one after the other: one message alone, then"
		echo "10,000 messages at 10,000/s (the first second), then 30,000 more at the same rate of"
		echo "which those after their first 2 s are timed (the rest), each from its send to its ack."
	else
		echo "\`bench/kafka-first-second.sh $RUNS ${PARTS[*]}\`: a topic created just before, a fresh"
		echo "\`wsrecv --ack --ack-from R | kprod --reports R\` on it, one Python websockets client:"
		echo "one message alone, then 10,000 messages/s for $SECS s, each timed from its send to its ack:"
		echo "those of the first second, and the rest (sent after the third second) of the same run."
	fi
	echo "\"at once\": the client connects as soon as wsrecv listens; \"when ready\": once /healthz"
	echo "answers 200 (ready: the time from starting the pipeline to that answer)."
	echo "Kafka's data: $(kafka_data_disk)."
	[ -z "${KAFKA_PROPS:-}" ] || echo "The broker with \`$KAFKA_PROPS\`."
	broker_col= broker_sep=
	if [ "${REQUEST_LOG:-0}" != 0 ]; then
		echo "REQUEST_LOG=1: the broker's request log on; \"broker\" gives its produce requests to the"
		echo "run's topic, those of them over 20 ms on its handler thread (the append to its log) with"
		echo "their sum and which request to their partition they were (n:count; bench/request-log.py)."
		broker_col=" broker: requests, over 20 ms (sum), which |" broker_sep="---|"
	fi
	echo
	echo "| partitions | client starts | run | ready after | lone first message | first second p50 / p99 / max | the rest p50 / p99 |$broker_col"
	echo "|---:|---|---:|---:|---:|---:|---:|$broker_sep"
	for parts in "${PARTS[@]}"; do
		for run in $(seq "$RUNS"); do
			for start in now ready write; do
				line=$(run_one "$start" "$parts")
				echo "$line" >>"$tmp/lines.$parts.$start"
				broker=
				[ -z "$broker_col" ] || broker=" $(field produce_requests <<<"$line"), $(field slow <<<"$line") ($(field slow_sum_ms <<<"$line") ms), $(sed -n 's/.* slow_nth=\([0-9:,-]*\).*/\1/p' <<<"$line") |"
				printf '| %s | %s | %s | %s | %s ms | %s / %s / %s ms | %s / %s ms |%s\n' "$parts" \
					"$(label "$start")" "$run" \
					"$([ "$start" = ready ] && echo "$(field ready_ms <<<"$line") ms" || echo -)" \
					"$(field lone_ms <<<"$line")" "$(field p50_ms <<<"$line")" \
					"$(field p99_ms <<<"$line")" "$(field max_ms <<<"$line")" \
					"$(field rest_p50_ms <<<"$line")" "$(field rest_p99_ms <<<"$line")" "$broker"
			done
		done
	done
	echo
	echo "Medians of the runs:"
	echo
	for parts in "${PARTS[@]}"; do
		for start in now ready write; do
			f=$tmp/lines.$parts.$start
			printf -- '- %s partitions, %s: lone first message %s ms, first second p99 %s ms, the rest p99 %s ms\n' "$parts" \
				"$(label "$start")" \
				"$(field lone_ms <"$f" | median)" "$(field p99_ms <"$f" | median)" "$(field rest_p99_ms <"$f" | median)"
		done
	done
} | tee "bench/out/kafka-first-second$([ "$CLIENT" = wsload ] && echo -wsload).md"
