#!/bin/bash
# Benchmark on a real Apache Kafka: kcons against kcat -C and Kafka's Java
# console consumer, reading a topic of N records of ~100 bytes (written by
# kcat) to its end, and the start-up of each on a 5-message topic. On a
# single-node Kafka of the run's own (the same as make kafka).
#
#   bench/kafka-consume.sh [N_RECORDS] [RUNS]      defaults: 1000000 and 3
#
# Writes bench/out/kafka-consume.md. Needs `make all testtools`, the Kafka
# jars (make deps) and hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/kafka.bash

N=${1:-1000000}
RUNS=${2:-3}
PARTS=${PARTS:-8}
KCONS=${KCONS:-bin/kcons}
TOOLS=(kcons kcat java-console)
for f in "$KCONS" tests/bin/mktopic /usr/bin/time; do
	[ -x "$f" ] || { echo "kafka-consume.sh: $f missing (make all testtools)" >&2; exit 2; }
done

tmp=$(mktemp -d)
cleanup() {
	kafka_bench_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
kafka_bench_start

tests/bin/mktopic -b "$B" big "$PARTS"
tests/bin/mktopic -b "$B" small 1
awk -v n="$N" 'BEGIN { pad = sprintf("%88s", ""); gsub(/ /, "x", pad);
	for (i = 1; i <= n; i++) printf "%010d %s\n", i, pad }' | kcat -b "$B" -P -t big
seq 1 5 | kcat -b "$B" -P -t small
[ "$(topic_count big "$PARTS")" = "$N" ] || { echo "kafka-consume.sh: the topic does not hold $N records" >&2; exit 1; }

JAVA_CONSUMER="org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server $B --from-beginning"
declare -A CMD=(
	[kcons]="$KCONS -b \$B -e big"
	[kcat]="kcat -b \$B -C -e -q -t big"
	[java-console]="java -cp KAFKA_JARS org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server \$B --from-beginning --topic big --max-messages $N"
)

# Runs tool $1 once, its output counted by wc -l; appends "msgs/s client-cpu/M broker-cpu/M".
run_one() {
	local tool=$1 b0 b1 count
	b0=$(broker_cpu)
	case $tool in
	kcons) count=$(/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$KCONS" -b "$B" -e big | wc -l) ;;
	kcat) count=$(/usr/bin/time -f '%e %U %S' -o "$tmp/time" kcat -b "$B" -C -e -q -t big | wc -l) ;;
	java-console)
		# It has no "exit at the end": it stops after --max-messages.
		# shellcheck disable=SC2086
		count=$(/usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c '. tests/kafka/lib.bash; kafka_java "$@"' _ \
			$JAVA_CONSUMER --topic big --max-messages "$N" 2>/dev/null | wc -l)
		;;
	esac
	b1=$(broker_cpu)
	if [ "$count" != "$N" ]; then
		echo "kafka-consume.sh: $tool read $count of $N records" >&2
		exit 1
	fi
	read -r wall user sys <"$tmp/time"
	awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v b0="$b0" -v b1="$b1" -v tool="$tool" 'BEGIN {
		printf "%s run: %.2f s wall, %.2f s cpu, broker %.2f s cpu\n", tool, w, u + s, b1 - b0 > "/dev/stderr"
		printf "%.0f %.3f %.3f\n", n / (w > 0 ? w : 0.01), (u + s) * 1000000 / n, (b1 - b0) * 1000000 / n
	}' >>"$tmp/$tool"
}

for i in $(seq "$RUNS"); do
	for k in $(seq 0 $((${#TOOLS[@]} - 1))); do
		run_one "${TOOLS[$(((i + k) % ${#TOOLS[@]}))]}"
	done
done

# Start-up: the 5-message topic, read to its end.
cp=$(kafka_classpath)
hyperfine -N -w 2 -r "${SMALL_RUNS:-10}" --export-json "$tmp/small.json" \
	"$KCONS -b $B -e small" "kcat -b $B -C -e -q -t small" \
	"java $KAFKA_TOOL_OPTS -Dlog4j2.configurationFile=tests/kafka/log4j2-tools.properties -cp $cp $JAVA_CONSUMER --topic small --max-messages 5" \
	>/dev/null 2>&1
read -r ks cs js < <(jq -r '[.results[].median * 1000 | floor] | @tsv' "$tmp/small.json")
declare -A SMALL=([kcons]=$ks [kcat]=$cs [java-console]=$js)

declare -A RATE CPU BCPU
for t in "${TOOLS[@]}"; do
	RATE[$t]=$(cut -d' ' -f1 "$tmp/$t" | median)
	CPU[$t]=$(cut -d' ' -f2 "$tmp/$t" | median)
	BCPU[$t]=$(cut -d' ' -f3 "$tmp/$t" | median)
done
mkdir -p bench/out
{
	echo "## Consumers on Apache Kafka $KAFKA_VERSION: kcons, kcat -C, Kafka's Java console consumer"
	echo
	echo "$N records of ~100 bytes (written by kcat) in a $PARTS-partition topic on a single-node"
	echo "Kafka of the run's own on loopback sharing the $(nproc) cores, read from the beginning to"
	echo "the end into \`wc -l\` (which checks the count); $RUNS rounds in a rotating order, medians."
	echo "Wall and client CPU include start-up (a JVM's for the Java consumer, which stops after"
	echo "--max-messages: it has no exit at the end). The 5-message column: start to exit on a"
	echo "1-partition topic of 5 messages, median of ${SMALL_RUNS:-10} (hyperfine)."
	echo
	echo "| tool | msgs/s | client CPU s per million | broker CPU s per million | msgs/s vs kcons | 5-message topic |"
	echo "|---|---:|---:|---:|---:|---:|"
	for t in "${TOOLS[@]}"; do
		awk -v t="$t" -v r="${RATE[$t]}" -v c="${CPU[$t]}" -v b="${BCPU[$t]}" -v k="${RATE[kcons]}" -v s="${SMALL[$t]}" \
			'BEGIN { printf "| %s | %.0f | %.3f | %.3f | %.2fx | %d ms |\n", t, r, c, b, r / k, s }'
	done
	echo
	echo "Commands (KAFKA_JARS the classpath tests/kafka/fetch writes; 'small' for the 5-message topic):"
	echo
	for t in "${TOOLS[@]}"; do
		echo "    ${CMD[$t]} | wc -l"
	done
} | tee bench/out/kafka-consume.md
