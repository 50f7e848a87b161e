#!/bin/bash
# Where a new pipeline's first second goes once kprod is ready (issue 19):
# the broker's own answer time. A fresh topic (tests/bin/mktopic), a fresh
# `wsrecv --ack --ack-from R | kprod --reports R -d protocol,msg`, the client
# (bench/bin/wsload) connecting once /healthz says ready and sending 10,000
# messages at 10,000/s. librdkafka's protocol lines give every
# ProduceRequest's round trip (rtt: sent to answered, on loopback: the
# broker's time) and its msg lines which requests carry a partition's first
# batch (BaseSeq 0). Prints the rtt by 100 ms of the second, the first
# batches' rtt against the others', and the client's ack p50 / p99.
# The first topic of a broker just started (its JVM cold) and later topics
# of the same broker are reported apart. Starts its own single-node Kafka;
# writes bench/out/kafka-first-rtt.md.
#   bench/kafka-first-rtt.sh [RUNS] [PARTITIONS...]     (defaults 3, 4 32)
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
for b in bin/wsrecv bin/kprod tests/bin/mktopic bench/bin/wsload; do
	[ -x "$b" ] || { echo "kafka-first-rtt.sh: $b missing: run make all testtools" >&2; exit 2; }
done
command -v perl >/dev/null || { echo "kafka-first-rtt.sh: needs perl (timestamps)" >&2; exit 2; }
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

# Each line of stdin with the time it was read, in seconds.
stamp() { perl -MTime::HiRes=time -ne '$| = 1; printf "%.4f %s", time, $_'; }
now() { perl -MTime::HiRes=time -e 'printf "%.4f\n", time'; }
field() { sed -n "s/.* $1=\([0-9.-]*\).*/\1/p"; }

# One run on a fresh topic of $1 partitions: writes $tmp/trace.$2 (kprod's
# stamped log) and prints "START_TIME ack_p50 ack_p99".
run_one() {
	local parts=$1 topic="rtt$RANDOM$RANDOM" port start line
	tests/bin/mktopic -b "$B" "$topic" "$parts"
	rm -f "$tmp/ws2k" "$tmp/reports" "$tmp/ws.err"
	mkfifo "$tmp/ws2k" "$tmp/reports"
	bin/wsrecv -p 0 --ack --ack-from "$tmp/reports" >"$tmp/ws2k" 2>"$tmp/ws.err" &
	local ws=$!
	bin/kprod -q -b "$B" -t "$topic" --reports "$tmp/reports" -d protocol,msg \
		<"$tmp/ws2k" 2>&1 | stamp >"$tmp/trace.$2" &
	local kp=$!
	pids=("$ws" "$kp")
	port=$(listening_port "$tmp/ws.err")
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
		sleep 0.005
	done
	start=$(now)
	line=$(timeout 60 bench/bin/wsload -A -c 1 -n 10000 -r 10000 -s 100 -p "$port")
	kill -TERM "$ws" 2>/dev/null || true
	wait "$ws" "$kp" 2>/dev/null || true
	pids=()
	echo "$start $(field ack_p50_ms <<<"$line") $(field ack_p99_ms <<<"$line")"
}

# Reads a stamped trace; $1 the client's start. Prints "window n mean max"
# lines (window: tenth of a second from the start) and "first n mean max",
# "later n mean max" for requests with and without a partition's first batch.
rtts() {
	awk -v s="$1" '
	/Produce MessageSet with/ { if ($0 ~ /BaseSeq 0,/) first = 1 }
	/Sent ProduceRequest/ { c = $0; sub(/.*CorrId /, "", c); sub(/\).*/, "", c); isfirst[c] = first; first = 0 }
	/Received ProduceResponse/ {
		c = $0; sub(/.*CorrId /, "", c); sub(/,.*/, "", c)
		r = $0; sub(/.*rtt /, "", r); sub(/ms.*/, "", r); r += 0
		w = int(($1 - s) * 10); if (w < 0) w = 0; if (w > 10) w = 10
		n[w]++; sum[w] += r; if (r > mx[w]) mx[w] = r
		k = isfirst[c] ? "first" : "later"
		kn[k]++; ks[k] += r; if (r > km[k]) km[k] = r
	}
	END {
		for (w = 0; w <= 10; w++) if (n[w]) printf "window %d %d %.1f %.1f\n", w, n[w], sum[w] / n[w], mx[w]
		for (k in kn) printf "%s %d %.1f %.1f\n", k, kn[k], ks[k] / kn[k], km[k]
	}'
}

i=0
for parts in "${PARTS[@]}"; do
	for run in $(seq "$RUNS"); do
		i=$((i + 1))
		read -r start p50 p99 < <(run_one "$parts" "$i")
		# The broker's first topic is the one its JVM meets cold.
		kind=$([ "$i" = 1 ] && echo cold || echo warm)
		echo "$parts $kind $p50 $p99" >>"$tmp/acks"
		rtts "$start" <"$tmp/trace.$i" | sed "s/^/$parts $kind /" >>"$tmp/rtts"
	done
done

# Mean over the runs of "$parts $kind window W": mean rtt and max rtt.
{
	echo "## A new pipeline's first second on Apache Kafka $KAFKA_VERSION: the broker's answer time"
	echo
	echo "\`bench/kafka-first-rtt.sh $RUNS ${PARTS[*]}\`: a fresh topic, a fresh"
	echo "\`wsrecv --ack --ack-from R | kprod --reports R -d protocol,msg\`, bench/bin/wsload connecting once"
	echo "/healthz answers 200 and sending 10,000 messages at 10,000/s. rtt: librdkafka's round"
	echo "trip of each ProduceRequest (on loopback, the broker's time to answer). \"cold\": the first"
	echo "topic of a broker just started; \"warm\": later topics of the same broker. Means over the"
	echo "runs of each kind; the first partition batches are the requests carrying a partition's"
	echo "first records (BaseSeq 0)."
	echo
	echo "| partitions | broker | runs | acks p50 / p99 | rtt in 0-0.1 s | 0.1-0.2 s | 0.2-0.3 s | 0.3-0.4 s | 0.4-1 s | rtt, requests with a first batch | rtt, the others |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for parts in "${PARTS[@]}"; do
		for kind in cold warm; do
			runs=$(awk -v p="$parts" -v k="$kind" '$1 == p && $2 == k' "$tmp/acks" | wc -l)
			[ "$runs" -gt 0 ] || continue
			acks=$(awk -v p="$parts" -v k="$kind" '$1 == p && $2 == k { a += $3; b += $4; n++ }
				END { printf "%.1f / %.1f ms", a / n, b / n }' "$tmp/acks")
			cells=$(awk -v p="$parts" -v k="$kind" '
				$1 == p && $2 == k && $3 == "window" { w = $4 >= 4 ? 4 : $4; n[w] += $5; s[w] += $5 * $6; if ($7 > m[w]) m[w] = $7 }
				$1 == p && $2 == k && ($3 == "first" || $3 == "later") { n[$3] += $4; s[$3] += $4 * $5; if ($6 > m[$3]) m[$3] = $6 }
				END {
					split("0 1 2 3 4 first later", ks, " ")
					for (i = 1; i <= 7; i++) { x = ks[i]
						out = out (n[x] ? sprintf(" %.1f ms (max %.1f) |", s[x] / n[x], m[x]) : " - |") }
					print out
				}' "$tmp/rtts")
			echo "| $parts | $kind | $runs | $acks |$cells"
		done
	done
} | tee bench/out/kafka-first-rtt.md
