#!/bin/bash
# What a record's headers cost the producer (issue 19): the same N values of
# about 100 bytes produced as batched lines, as -J envelopes that go out one
# rd_kafka_produceva() each (bare, with a timestamp, with a timestamp and the
# four headers wsrecv -J writes), as lines with one and four -H headers, and
# by kcat -P with and without the four headers. Separates what one call per
# record costs from what its headers cost, which librdkafka 2.0.2 allocates
# one by one. CPU of the producer's process only (its librdkafka threads
# included, the broker not). Starts its own test broker (or Kafka); every run to a
# fresh topic, counts checked; writes bench/out/headers.md.
#   bench/headers.sh [N_RECORDS] [RUNS]        (defaults 1000000 and 5)
#   HEADERS_BROKER=kafka  the same on a single-node Apache Kafka of its own
#                       (bench/kafka.bash), 8 partitions, into
#                       bench/out/kafka-headers.md (bench/kafka-headers.sh)
#   KPROD_BEFORE=path   a row more, alternating with the others: that
#                       kprod (e.g. one built before a change) on the
#                       wsrecv -J envelopes
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
N=${1:-1000000}
RUNS=${2:-5}
PARTS=${PARTS:-$([ "${HEADERS_BROKER:-}" = kafka ] && echo 8 || echo 64)}
KPROD=$(readlink -f "${KPROD:-bin/kprod}")
for f in "$KPROD" tests/bin/mockbroker /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/headers.sh: $f missing (make all testtools)" >&2; exit 2; }
done
command -v kcat >/dev/null || { echo "bench/headers.sh: needs kcat" >&2; exit 2; }

bench_tmp
NAME=headers
bench_any_broker "${HEADERS_BROKER:-test}"

# The values, and the same values in envelopes: bare, with a receive time,
# and as wsrecv -J writes a browser's message (time and four headers).
bench_values "$N" "$tmp/lines"
awk '{ printf "{\"key\":null,\"payload\":\"%s\"}\n", $0 }' "$tmp/lines" >"$tmp/bare"
awk '{ printf "{\"tstype\":\"create\",\"ts\":%.0f,\"key\":null,\"payload\":\"%s\"}\n",
	1764740000000 + int(NR / 100), $0 }' "$tmp/lines" >"$tmp/ts"
bench_wsenv "$tmp/lines" "$tmp/wsenv"

H1="-H conn=1"
H4=$(bench_headers "$N")
KCAT="kcat -P -b $B -t \$T -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true"
declare -A CMD LABEL
CMD[lines]="$KPROD -b $B -t \$T < lines"
LABEL[lines]="kprod, lines (rd_kafka_produce_batch, 1,024 a call)"
CMD[bare]="$KPROD -b $B -J -t \$T < bare"
LABEL[bare]="kprod -J, envelopes of only key null and payload (one rd_kafka_produceva each)"
CMD[ts]="$KPROD -b $B -J -t \$T < ts"
LABEL[ts]="kprod -J, the same with a timestamp"
CMD[h1]="$KPROD -b $B -t \$T $H1 < lines"
LABEL[h1]="kprod -H, lines with one header (one rd_kafka_produceva each)"
CMD[h4]="$KPROD -b $B -t \$T $H4 < lines"
LABEL[h4]="kprod -H, lines with four headers"
CMD[wsenv]="$KPROD -b $B -J -t \$T < wsenv"
LABEL[wsenv]="kprod -J, envelopes as wsrecv -J writes them (timestamp, four headers)"
CMD[kcat]="$KCAT < lines"
LABEL[kcat]="kcat -P, lines"
CMD[kcat4]="$KCAT $H4 < lines"
LABEL[kcat4]="kcat -P -H, lines with four headers"
NAMES=(lines bare ts h1 h4 wsenv kcat kcat4)
if [ -n "${KPROD_BEFORE:-}" ]; then
	CMD[before]="$(readlink -f "$KPROD_BEFORE") -b $B -J -t \$T < wsenv"
	LABEL[before]="kprod -J before (KPROD_BEFORE), envelopes as wsrecv -J writes them"
	NAMES+=(before)
fi

for r in $(seq "$RUNS"); do
	for name in "${NAMES[@]}"; do
		t="${name}_$r"
		new_topic "$t"
		cmd=${CMD[$name]}
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c "cd '$tmp' && ${cmd//\$T/$t}"
		got=$(delivered "$t")
		[ "$got" = "$N" ] || { echo "bench/headers.sh: $t got $got of $N records ($cmd)" >&2; exit 1; }
		awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$tmp/time" >>"$tmp/res.$name"
	done
done

median() { sort -g -k"$2","$2" "$tmp/res.$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
mkdir -p bench/out
{
	echo "## What a record's headers cost the producer${KAFKA_VERSION:+, on Apache Kafka $KAFKA_VERSION}"
	echo
	echo "\`${KPROD_BEFORE:+KPROD_BEFORE=... }bench/headers.sh $N $RUNS\`: $N values of about 100 bytes, each run to a fresh"
	echo "$PARTS-partition topic on $BROKER_NAME, counts checked; CPU of the producer's process"
	echo "(its librdkafka threads included, not the broker's); medians of $RUNS runs, the rows"
	echo "alternating; $(nproc) cores. The extra CPU is against kprod's lines."
	echo
	echo "| | msgs/s | CPU s per million | extra CPU µs per message |"
	echo "|---|---:|---:|---:|"
	base=$(median lines 2)
	for name in "${NAMES[@]}"; do
		awk -v l="${LABEL[$name]}" -v w="$(median "$name" 1)" -v c="$(median "$name" 2)" \
			-v b="$base" -v n="$N" \
			'BEGIN { printf "| %s | %.0f | %.3f | %+.2f |\n", l, n / w, c * 1e6 / n, (c - b) * 1e6 / n }'
	done
} | tee "$OUT"
