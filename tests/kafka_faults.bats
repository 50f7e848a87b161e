#!/usr/bin/env bats
# Real faults on a real 3-node Apache Kafka cluster of the suite's own (each
# node a KRaft broker and controller; replication factor 3,
# min.insync.replicas=2; topics are not auto-created). Release pass only.
# Every count is checked with kcat, a reader independent of our tools.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	heavy_test
	kafka_start 3 0 auto.create.topics.enable=false
}

teardown_file() { kafka_stop; }

teardown() {
	[ -z "${FEED_PID:-}" ] || kill "$FEED_PID" 2>/dev/null
	[ -z "${KP_PID:-}" ] || kill -KILL "$KP_PID" 2>/dev/null
	[ -z "${KC_PID:-}" ] || pkill -KILL -P "$KC_PID" 2>/dev/null
	[ -z "${FD_PID:-}" ] || front_door_kill "$FD_PID"
	# Leave every node running for the next test.
	local i
	for i in 1 2 3; do
		kill -0 "$("$ROOT/tests/kafka/cluster" pid "$KAFKA_DIR" "$i" 2>/dev/null)" 2>/dev/null || kafka_restart "$i"
	done
	return 0
}

# Prints "partition key value" for every record of topic $1, read with kcat.
read_topic() {
	timeout 120 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -f '%p %k %s\n'
}

# Checks the records of topic $1 (read by kcat into $2) against sequence
# numbers 1..$3: each exactly once, each key on one partition, ascending
# within every partition.
check_exact() {
	local t=$1 out=$2 n=$3
	read_topic "$t" >"$out"
	run wc -l <"$out"
	assert_output "$n"
	run cmp <(cut -d' ' -f3 "$out" | sort -n) <(seq 1 "$n")
	assert_success
	run awk '{ if ($3 <= last[$1]) { print "out of order: " $0; exit 1 } last[$1] = $3 }' "$out"
	assert_success
	run bash -c "cut -d' ' -f1,2 '$out' | sort -u | cut -d' ' -f2 | sort | uniq -d"
	assert_output ''
}

@test "kill -9 of a partition's leader during a 200,000-record kprod run loses, duplicates and reorders nothing" {
	t=$(new_topic 3)
	dir=$BATS_TEST_TMPDIR
	awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "k%d:%d\n", i % 97, i }' >"$dir/in"
	leader=$(kafka_leader "$t" 0)
	# The input arrives in 20 slices, 0.2 s apart, so the kill lands mid-run.
	mkfifo "$dir/feed"
	(for s in $(seq 0 19); do
		sed -n "$((s * 10000 + 1)),$(((s + 1) * 10000))p" "$dir/in"
		echo "$s" >>"$dir/slices"
		sleep 0.2
	done >"$dir/feed") 3>&- &
	FEED_PID=$!
	kprod -b "$BROKERS" -t "$t" -K : -v <"$dir/feed" 2>"$dir/err" 3>&- &
	KP_PID=$!
	wait_lines "$dir/slices" 5 60
	echo "# killing node $leader (leader of $t [0]) after $(wc -l <"$dir/slices") of 20 slices" >&3
	kafka_kill "$leader"
	run timeout 180 tail --pid="$KP_PID" -f /dev/null
	assert_success
	run wait "$KP_PID"
	KP_PID=
	assert_success
	assert_regex "$(tail -n 1 "$dir/err")" '^kprod: 200000 records read, 200000 delivered, 0 failed'
	# Another node leads partition 0 now.
	[ "$(kafka_leader "$t" 0)" != "$leader" ]
	check_exact "$t" "$dir/out" 200000
	kafka_restart "$leader"
}

@test "a rolling restart of all three brokers under kprod's load loses, duplicates and reorders nothing" {
	t=$(new_topic 3)
	dir=$BATS_TEST_TMPDIR
	# Slices of 1,000 records, 0.1 s apart, until the restarts are done.
	mkfifo "$dir/feed"
	(i=0
	while [ ! -e "$dir/stop" ]; do
		awk -v a="$i" 'BEGIN { for (j = a + 1; j <= a + 1000; j++) printf "k%d:%d\n", j % 97, j }'
		i=$((i + 1000))
		echo "$i" >"$dir/count"
		sleep 0.1
	done >"$dir/feed") 3>&- &
	FEED_PID=$!
	kprod -b "$BROKERS" -t "$t" -K : -v <"$dir/feed" 2>"$dir/err" 3>&- &
	KP_PID=$!
	wait_for_file "$dir/count" 10
	# One broker at a time, as operators do: a clean stop (leadership moves
	# away), a start on the same data, and all replicas in sync again.
	for node in 1 2 3; do
		kafka_kill "$node" TERM
		kafka_restart "$node"
		"$ROOT/tests/kafka/cluster" wait-isr "$KAFKA_DIR" "$t"
	done
	touch "$dir/stop"
	wait "$FEED_PID"
	FEED_PID=
	n=$(cat "$dir/count")
	echo "# $n records produced during the rolling restart" >&3
	run timeout 120 tail --pid="$KP_PID" -f /dev/null
	assert_success
	run wait "$KP_PID"
	KP_PID=
	assert_success
	assert_regex "$(tail -n 1 "$dir/err")" "^kprod: $n records read, $n delivered, 0 failed"
	(( n >= 20000 ))
	check_exact "$t" "$dir/out" "$n"
}

# Prints the node id of group $1's coordinator, from Kafka's own tool.
coordinator() {
	kafka_java org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BROKERS" \
		--describe --group "$1" --state 2>/dev/null | sed -n "s/^$1 .*(\([0-9]*\)).*/\1/p"
}

@test "kcons -g while its group coordinator is killed and restarted: nothing missing, duplicates counted" {
	t=$(new_topic 3)
	g=g_$RANDOM$$
	dir=$BATS_TEST_TMPDIR
	seq 1 60000 | timeout 60 kcat -b "$BROKERS" -P -t "$t"
	# A slow reader (fast once $dir/drain exists) keeps kcons mid-stream.
	(timeout 300 kcons -b "$BROKERS" -g "$g" -e "$t" 2>"$dir/err1" |
		while IFS= read -r l; do
			echo "$l"
			[ -e "$dir/drain" ] || sleep 0.001
		done >"$dir/out1") 3>&- &
	KC_PID=$!
	wait_lines "$dir/out1" 1000 60
	node=$(coordinator "$g")
	[ -n "$node" ]
	echo "# killing node $node (coordinator of $g) after $(wc -l <"$dir/out1") records" >&3
	kafka_kill "$node"
	wait_lines "$dir/out1" 5000 60
	kafka_restart "$node"
	touch "$dir/drain"
	run timeout 200 tail --pid="$KC_PID" -f /dev/null
	assert_success
	wait "$KC_PID" || true
	KC_PID=
	# A second run of the group reads whatever the first could not commit.
	timeout 120 kcons -b "$BROKERS" -g "$g" -e "$t" >"$dir/out2" 2>"$dir/err2"
	total=$(cat "$dir/out1" "$dir/out2" | wc -l)
	uniq=$(sort -u "$dir/out1" "$dir/out2" | wc -l)
	echo "# $(wc -l <"$dir/out1") + $(wc -l <"$dir/out2") records read, $((total - uniq)) duplicates" >&3
	# Nothing missing: every record of the topic (as kcat reads it) came out.
	run cmp <(sort -u "$dir/out1" "$dir/out2" | sort -n) \
		<(timeout 60 kcat -b "$BROKERS" -C -t "$t" -o beginning -e -q | sort -n)
	assert_success
	assert_equal "$uniq" 60000
}

@test "kprod to an unknown topic on a cluster that does not create topics: every record in --failed, exit 1" {
	failed=$BATS_TEST_TMPDIR/failed
	printf 'a\nb\n' >"$BATS_TEST_TMPDIR/in"
	# librdkafka waits topic.metadata.propagation.max.ms (30 s) for the topic.
	run --separate-stderr timeout 90 kprod -b "$BROKERS" -t "nosuch_$RANDOM" --failed "$failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	[[ "$stderr" == *"kprod: records 1-2 not delivered: Broker: Unknown topic or partition"* ]]
	run cmp "$BATS_TEST_TMPDIR/in" "$failed"
	assert_success
}

@test "a broker killed while the front door takes traffic: every message a client saw acknowledged is in the topic" {
	t=$(new_topic 3)
	dir=$BATS_TEST_TMPDIR
	port=$(free_port)
	: >"$dir/acked"
	"$ROOT/pipelines/ws-to-kafka" -t "$t" -b "$BROKERS" -- -p "$port" --ack 2>"$dir/front.err" 3>&- &
	FD_PID=$!
	wait_port "$port"
	# Clients that keep each message until Kafka's ack (acks=all,
	# min.insync.replicas=2) and send again what was not acknowledged.
	timeout 300 /usr/bin/python3 "$ROOT/tests/clients/chaos.py" send "ws://127.0.0.1:$port/" k 5 4000 \
		--acked "$dir/acked" --rate 1000 --timeout 240 >"$dir/client" 2>&1 &
	local client=$!
	wait_lines "$dir/acked" 5000 60
	leader=$(kafka_leader "$t" 0)
	echo "# killing node $leader (leader of $t [0]) after $(wc -l <"$dir/acked") acks" >&3
	kafka_kill "$leader"
	wait "$client" || { cat "$dir/client" "$dir/front.err"; false; }
	echo "# $(cat "$dir/client")" >&3
	front_door_stop
	# kcat reads the topic: every acknowledged message is there, whole.
	timeout 120 kcat -b "$BROKERS" -C -t "$t" -o beginning -e -q >"$dir/topic"
	run /usr/bin/python3 "$ROOT/tests/clients/chaos.py" check "$dir/topic" "$dir/acked" k:5:4000
	echo "$output" | sed 's/^/# /' >&3
	assert_success
	assert_equal "$(wc -l <"$dir/acked")" 20000
	kafka_restart "$leader"
}
