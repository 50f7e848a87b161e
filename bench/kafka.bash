# Sourced by the benchmarks on a real Apache Kafka (bench/kafka-*.sh): starts
# a single-node Kafka of the run's own (tests/kafka/cluster, the same as
# make kafka) and measures the broker's CPU. Sets B (bootstrap), KDIR, KPID;
# the caller's EXIT trap calls kafka_bench_stop. KAFKA_PROPS="name=value ..."
# adds broker properties; REQUEST_LOG=1 turns the broker's request log on
# (every request's times in its server.log, read by bench/request-log.py).
# shellcheck source=tests/kafka/lib.bash
. tests/kafka/lib.bash
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' tests/kafka/pom.xml)
# The Java tools with the JVM flags of Kafka's own scripts (kafka-run-class.sh).
export KAFKA_TOOL_OPTS="-Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent"

kafka_bench_start() {
	KDIR=$(mktemp -d "${TMPDIR:-/tmp}/bench-kafka.XXXXXX")
	[ "${REQUEST_LOG:-0}" = 0 ] || export KAFKA_JVM_OPTS="$KAFKA_JVM_OPTS -Dkafka.request.log.level=DEBUG"
	# shellcheck disable=SC2086 # one word a property
	B=$(tests/kafka/cluster start "$KDIR" 1 0 ${KAFKA_PROPS:-}) || return 1
	KPID=$(cat "$KDIR/1/pid")
	# The first idempotent producer of a fresh broker waits for its block of
	# producer ids: one record warms it up before anything is measured.
	echo warm | timeout 30 kcat -b "$B" -P -t _warmup -X enable.idempotence=true
}

kafka_bench_stop() {
	[ -z "${KDIR:-}" ] && return 0
	tests/kafka/cluster stop "$KDIR"
	rm -rf "$KDIR"
	KDIR=
}

# Prints where the broker keeps its data: the file system, and for a block
# device its read-ahead (a fault into a new partition's index files, which
# Kafka maps into memory sparse, reads ahead that much; bench/RESULTS.md).
kafka_data_disk() {
	local src fstype ra
	read -r src fstype < <(findmnt -no SOURCE,FSTYPE -T "$KDIR")
	ra=$(lsblk -dno RA "$src" 2>/dev/null | tr -d ' ') || ra=
	echo "$fstype${ra:+ on $src, read-ahead $ra KB}"
}

# Prints the broker's CPU time so far (user + system, seconds).
broker_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$KPID/stat"
}

# Prints the number of records in topic $1 of $2 partitions: the sum of the
# partitions' end offsets.
topic_count() {
	local args=() p
	for p in $(seq 0 $(($2 - 1))); do
		args+=(-t "$1:$p:-1")
	done
	timeout 60 kcat -b "$B" -Q "${args[@]}" | awk '{ n += $4 } END { print n + 0 }'
}

# Median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
