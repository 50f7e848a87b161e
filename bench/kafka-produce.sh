#!/bin/bash
# Benchmark on a real Apache Kafka: kprod against kcat -P, Kafka's Java
# producer perf tool and Kafka's Java console producer, each producing N
# records of ~100 bytes to a fresh topic of PARTS partitions on a
# single-node Kafka of the run's own (the same as make kafka), all with
# acks=all and idempotence (kprod's defaults and the Java producer's;
# kcat is told).
#
#   bench/kafka-produce.sh [N_RECORDS] [RUNS]      defaults: 1000000 and 3
#
# Prints a markdown section (median msgs/s, the client's CPU seconds per
# million records, the broker's own CPU alongside, ratios, the commands) and
# writes it to bench/out/kafka-produce.md. Needs `make all testtools` and
# the Kafka jars (make deps).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/kafka.bash

N=${1:-1000000}
RUNS=${2:-3}
PARTS=${PARTS:-8}
KPROD=${KPROD:-bin/kprod}
TOOLS=(kprod kcat java-perf java-console)
for f in "$KPROD" tests/bin/mktopic /usr/bin/time; do
	[ -x "$f" ] || { echo "kafka-produce.sh: $f missing (make all testtools)" >&2; exit 2; }
done

tmp=$(mktemp -d)
cleanup() {
	kafka_bench_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
kafka_bench_start

# N records of 100 bytes and a newline, made once.
input=$tmp/records
awk -v n="$N" 'BEGIN {
	pad = sprintf("%91s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= n; i++) printf "%08d %s\n", i, pad
}' >"$input"

CP="java -cp KAFKA_JARS"
declare -A CMD=(
	[kprod]="$KPROD -b \$B -t \$T < records"
	[kcat]="kcat -P -b \$B -t \$T -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true < records"
	[java-perf]="$CP org.apache.kafka.tools.ProducerPerformance --bootstrap-server \$B --topic \$T --num-records $N --record-size 100 --throughput -1"
	[java-console]="$CP org.apache.kafka.tools.ConsoleProducer --bootstrap-server \$B --topic \$T < records"
)

# Runs tool $1 once on a fresh topic; appends "msgs/s client-cpu/M broker-cpu/M" to $tmp/$1.
run_one() {
	local tool=$1 T="bench_${1}_$2_$RANDOM" b0 b1
	tests/bin/mktopic -b "$B" "$T" "$PARTS"
	b0=$(broker_cpu)
	case $tool in
	kprod) /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$KPROD" -b "$B" -t "$T" <"$input" ;;
	kcat) /usr/bin/time -f '%e %U %S' -o "$tmp/time" kcat -P -b "$B" -t "$T" \
		-X partitioner=murmur2_random -X acks=all -X enable.idempotence=true <"$input" ;;
	java-perf) /usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c '. tests/kafka/lib.bash; kafka_java "$@"' _ \
		org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$B" --topic "$T" \
		--num-records "$N" --record-size 100 --throughput -1 >"$tmp/perf.out" ;;
	java-console) /usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c '. tests/kafka/lib.bash; kafka_java "$@"' _ \
		org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$B" --topic "$T" <"$input" ;;
	esac
	b1=$(broker_cpu)
	local got
	got=$(topic_count "$T" "$PARTS")
	if [ "$got" != "$N" ]; then
		echo "kafka-produce.sh: $tool delivered $got of $N records" >&2
		exit 1
	fi
	read -r wall user sys <"$tmp/time"
	awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v b="$(awk -v a="$b0" -v c="$b1" 'BEGIN { print c - a }')" -v tool="$tool" 'BEGIN {
		printf "%s run: %.2f s wall, %.2f s cpu, broker %.2f s cpu\n", tool, w, u + s, b > "/dev/stderr"
		printf "%.0f %.3f %.3f\n", n / (w > 0 ? w : 0.01), (u + s) * 1000000 / n, b * 1000000 / n
	}' >>"$tmp/$tool"
}

# Each round runs every tool once, in a rotating order.
for i in $(seq "$RUNS"); do
	for k in $(seq 0 $((${#TOOLS[@]} - 1))); do
		run_one "${TOOLS[$(((i + k) % ${#TOOLS[@]}))]}" "$i"
	done
done

declare -A RATE CPU BCPU
for t in "${TOOLS[@]}"; do
	RATE[$t]=$(cut -d' ' -f1 "$tmp/$t" | median)
	CPU[$t]=$(cut -d' ' -f2 "$tmp/$t" | median)
	BCPU[$t]=$(cut -d' ' -f3 "$tmp/$t" | median)
done
mkdir -p bench/out
{
	echo "## Producers on Apache Kafka $KAFKA_VERSION: kprod, kcat -P, Kafka's Java perf tool and console producer"
	echo
	echo "$N records of 100 bytes, $RUNS rounds (every tool once a round, in a rotating order),"
	echo "a fresh $PARTS-partition topic each run on a single-node Kafka (KRaft, tests/kafka/cluster)"
	echo "on loopback sharing the $(nproc) cores; acks=all and idempotence for all. Wall time and"
	echo "the client's CPU (user+system) include start-up: a JVM's for the Java tools. The broker's"
	echo "CPU is the Kafka process's during the same run. Medians; every run's count is checked."
	echo
	echo "| tool | msgs/s | client CPU s per million | broker CPU s per million | msgs/s vs kprod |"
	echo "|---|---:|---:|---:|---:|"
	for t in "${TOOLS[@]}"; do
		awk -v t="$t" -v r="${RATE[$t]}" -v c="${CPU[$t]}" -v b="${BCPU[$t]}" -v k="${RATE[kprod]}" \
			'BEGIN { printf "| %s | %.0f | %.3f | %.3f | %.2fx |\n", t, r, c, b, r / k }'
	done
	echo
	awk -v a="${RATE[kprod]}" -v b="${RATE[kcat]}" -v c="${CPU[kprod]}" -v d="${CPU[kcat]}" -v e="${RATE[java-console]}" \
		'BEGIN { printf "kprod / kcat: **%.2fx** the messages/s at **%.2fx** the CPU per message; kprod / Java console producer: **%.2fx** the messages/s.\n", a / b, c / d, a / e }'
	echo
	echo "Commands (\$T a fresh topic, KAFKA_JARS the classpath tests/kafka/fetch writes):"
	echo
	for t in "${TOOLS[@]}"; do
		echo "    ${CMD[$t]}"
	done
} | tee bench/out/kafka-produce.md
