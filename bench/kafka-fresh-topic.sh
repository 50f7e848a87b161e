#!/bin/bash
# Where a new pipeline's first second goes on Apache Kafka (issue 19): a
# producer's first records to a topic just created, against the same
# producer on a topic that has taken records before. kcat -P (librdkafka,
# idempotent as kprod) sends 1 or 200 records with librdkafka's msg and protocol
# debug; from its timestamps: the span from the first ProduceRequest to the
# last ProduceResponse, and how many partitions' batches the broker answered
# "Not leader for partition" (each waits retry.backoff.ms, then goes again). Starts its own single-node Kafka.
#   bench/kafka-fresh-topic.sh [PARTITIONS] [RUNS]     (defaults 32 and 3)
set -eu
cd "$(dirname "$0")/.."
. bench/kafka.bash
PARTS=${1:-32}
RUNS=${2:-3}
mkdir -p bench/out
exec > >(tee "bench/out/kafka-fresh-topic.md")
tmp=$(mktemp -d)
trap 'kafka_bench_stop; rm -rf "$tmp"' EXIT
kafka_bench_start

# Sends $3 records to topic $1 with retry.backoff.ms $2 and prints
# "SPAN_MS NOT_LEADER_ANSWERS".
measure() {
	seq 1 "$3" | timeout 60 kcat -P -b "$B" -t "$1" -X enable.idempotence=true \
		-X retry.backoff.ms="$2" -d msg,protocol 2>"$tmp/debug"
	awk -F'|' '/Sent ProduceRequest/ && !first { first = $2 }
		/Received ProduceResponse/ { last = $2 }
		/encountered error: Broker: Not leader/ { n++ }
		END { printf "%.0f %d\n", (last - first) * 1000, n }' "$tmp/debug"
}

echo "## A new pipeline's first records on Apache Kafka $KAFKA_VERSION: a topic just created"
echo
echo "\`bench/kafka-fresh-topic.sh $PARTS $RUNS\`: kcat -P (idempotent), librdkafka's msg,protocol debug."
echo
echo "| topic ($PARTS partitions) | retry.backoff.ms | records | first ProduceRequest to last ProduceResponse | batches answered Not leader |"
echo "|---|---|---|---|---|"
for run in $(seq "$RUNS"); do
	for backoff in 100 10; do
		for n in 1 200; do
			t=fresh_${run}_${backoff}_$n
			tests/bin/mktopic -b "$B" "$t" "$PARTS"
			read -r span errs < <(measure "$t" "$backoff" "$n")
			echo "| just created | $backoff | $n | $span ms | $errs |"
			read -r span errs < <(measure "$t" "$backoff" "$n")
			echo "| the same, once it took records | $backoff | $n | $span ms | $errs |"
		done
	done
done
