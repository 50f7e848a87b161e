#!/bin/bash
# A new pipeline's first second on Apache Kafka (issue 19), as a client
# sees it: a fresh topic (created just before, tests/bin/mktopic), a fresh
# front door on it (wsrecv --ack --ack-from R | kprod --reports R, every
# other setting at its default), and one Python websockets client
# (bench/first-second.py): one message alone, then 10,000 messages/s for
# one second, each timed from its send to the ack that covers it.
# Two ways to start: the client connects as soon as wsrecv listens
# ("at once", what a script that does not look at /healthz does), or once
# /healthz says ready ("when ready", what a load balancer does); and, as the
# floor of the client and the machine, the same client against write acks
# (wsrecv --ack | kprod: acknowledged once written into the pipe). Starts its
# own single-node Kafka; writes bench/out/kafka-first-second.md.
#   bench/kafka-first-second.sh [RUNS] [PARTITIONS...]     (defaults 3, 4 32)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
# shellcheck source=bench/kafka.bash
. bench/kafka.bash
RUNS=${1:-3}
shift || true
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(4 32)
for b in bin/wsrecv bin/kprod tests/bin/mktopic; do
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
	echo "$(timeout 120 /usr/bin/python3 bench/first-second.py "ws://127.0.0.1:$port/") ready_ms=$ready_ms"
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
	pids=()
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
	echo "\`bench/kafka-first-second.sh $RUNS ${PARTS[*]}\`: a topic created just before, a fresh"
	echo "\`wsrecv --ack --ack-from R | kprod --reports R\` on it, one Python websockets client:"
	echo "one message alone, then 10,000 messages/s for 1 s, each timed from its send to its ack."
	echo "\"at once\": the client connects as soon as wsrecv listens; \"when ready\": once /healthz"
	echo "answers 200 (ready: the time from starting the pipeline to that answer)."
	echo
	echo "| partitions | client starts | run | ready after | lone first message | first second p50 / p99 / max |"
	echo "|---:|---|---:|---:|---:|---:|"
	for parts in "${PARTS[@]}"; do
		for run in $(seq "$RUNS"); do
			for start in now ready write; do
				line=$(run_one "$start" "$parts")
				echo "$line" >>"$tmp/lines.$parts.$start"
				printf '| %s | %s | %s | %s | %s ms | %s / %s / %s ms |\n' "$parts" \
					"$(label "$start")" "$run" \
					"$([ "$start" = ready ] && echo "$(field ready_ms <<<"$line") ms" || echo -)" \
					"$(field lone_ms <<<"$line")" "$(field p50_ms <<<"$line")" \
					"$(field p99_ms <<<"$line")" "$(field max_ms <<<"$line")"
			done
		done
	done
	echo
	echo "Medians of the runs:"
	echo
	for parts in "${PARTS[@]}"; do
		for start in now ready write; do
			f=$tmp/lines.$parts.$start
			printf -- '- %s partitions, %s: lone first message %s ms, first second p99 %s ms\n' "$parts" \
				"$(label "$start")" \
				"$(field lone_ms <"$f" | median)" "$(field p99_ms <"$f" | median)"
		done
	done
} | tee bench/out/kafka-first-second.md
