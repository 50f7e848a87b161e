#!/usr/bin/env bats
# make kafka: a real single-node Apache Kafka in the foreground (tests/kafka/run).

load helpers

teardown() {
	if [ -n "${MAKE_PID:-}" ] && kill -0 "$MAKE_PID" 2>/dev/null; then
		kill -TERM "$MAKE_PID" 2>/dev/null
		timeout 30 tail --pid="$MAKE_PID" -f /dev/null || kill -KILL "$MAKE_PID"
	fi
	[ -z "${HOLD_PID:-}" ] || kill "$HOLD_PID" 2>/dev/null
	return 0
}

# Starts `make -s kafka` in the background with the given environment
# (TMPDIR is the test's, so its temporary data folder can be found) and
# waits for its bootstrap line; sets MAKE_PID and B.
start_make_kafka() {
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	env TMPDIR="$BATS_TEST_TMPDIR/tmp" "$@" make -s -C "$ROOT" kafka \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	MAKE_PID=$!
	bootstrap_or_gone() { grep -q '^bootstrap: ' "$BATS_TEST_TMPDIR/out" || pid_gone "$MAKE_PID"; }
	wait_until --every 0.1 120 bootstrap_or_gone || true # checked below
	# On a failure, what make kafka said shows with the test's output.
	grep -q '^bootstrap: ' "$BATS_TEST_TMPDIR/out" || cat "$BATS_TEST_TMPDIR/err" >&2
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp '^bootstrap: 127\.0\.0\.1:[0-9]+$'
	B=${output#bootstrap: }
}

# Sends SIGTERM to make (which passes it on) and waits for everything to end.
stop_make_kafka() {
	kill -TERM "$MAKE_PID"
	run timeout 60 tail --pid="$MAKE_PID" -f /dev/null
	assert_success
	MAKE_PID=
}

@test "make kafka prints its bootstrap line once the broker serves clients, and SIGTERM removes its data" {
	start_make_kafka KAFKA_PORT=0
	# The data folder exists while the broker runs.
	run ls "$BATS_TEST_TMPDIR/tmp"
	assert_output --regexp '^kafka\.[A-Za-z0-9]+$'
	data=$BATS_TEST_TMPDIR/tmp/$output
	pid=$(cat "$data/1/pid")
	# kcat produces and consumes at once: the line meant ready.
	printf 'one\ntwo\n' | timeout 20 kcat -b "$B" -P -t hello
	run timeout 20 kcat -b "$B" -C -t hello -o beginning -e -q
	assert_output $'one\ntwo'
	stop_make_kafka
	run kill -0 "$pid"
	assert_failure
	assert_dir_not_exist "$data"
	run ls -A "$BATS_TEST_TMPDIR/tmp"
	assert_output ''
	# Only errors reach stderr: none on a clean start and stop.
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
}

@test "make kafka keeps its data in KAFKA_DATA and serves it again after a restart" {
	data=$BATS_TEST_TMPDIR/data
	start_make_kafka KAFKA_PORT=0 KAFKA_DATA="$data"
	echo kept | timeout 20 kcat -b "$B" -P -t persist
	stop_make_kafka
	assert_file_exist "$data/1/server.properties"
	first=$B
	start_make_kafka KAFKA_DATA="$data"
	# The folder remembers its port.
	assert_equal "$B" "$first"
	run timeout 20 kcat -b "$B" -C -t persist -o beginning -e -q
	assert_output kept
	stop_make_kafka
}

@test "make kafka says so and exits 1 when its port is taken" {
	port=$(free_port)
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" 3>&- &
	HOLD_PID=$!
	wait_port "$port"
	run timeout 60 env KAFKA_PORT="$port" make -s -C "$ROOT" kafka
	assert_failure
	assert_output --partial "kafka: port $port on 127.0.0.1 is taken; stop what listens there or pick another (KAFKA_PORT=0 picks a free one)"
	refute_output --partial bootstrap
	# tests/kafka/run itself: status 1.
	run timeout 60 env KAFKA_PORT="$port" "$ROOT/tests/kafka/run"
	assert_failure 1
	assert_output "kafka: port $port on 127.0.0.1 is taken; stop what listens there or pick another (KAFKA_PORT=0 picks a free one)"
}

@test "make kafka's script says what to do when Java is missing" {
	# A PATH with every command of /usr/bin but java.
	mkdir "$BATS_TEST_TMPDIR/path"
	for f in /usr/bin/*; do
		[ "${f##*/}" = java ] || ln -s "$f" "$BATS_TEST_TMPDIR/path/"
	done
	run timeout 30 env PATH="$BATS_TEST_TMPDIR/path" KAFKA_PORT=0 "$ROOT/tests/kafka/run"
	assert_failure 1
	assert_output "kafka: java not found: install Java 17 (make deps installs Debian's default-jre-headless)"
}

@test "DEMO_BROKER=kafka make demo runs the whole pipeline on a real Apache Kafka and removes it" {
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	run timeout 180 env -u KAFKA_BROKERS TMPDIR="$BATS_TEST_TMPDIR/tmp" DEMO_BROKER=kafka DEMO_PORT=0 DEMO_SECONDS=2 \
		make -s -C "$ROOT" demo
	assert_success
	assert_line --regexp '^demo: Apache Kafka [0-9.]+ at 127\.0\.0\.1:[0-9]+, topic test-topic$'
	assert_line 'demo: exit statuses: ws-to-kafka 0, kcons 0, jq 0'
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	run grep -c '^  "movie": ' <<<"$output"
	assert_output "$n"
	# The broker's temporary data folder is gone with it.
	run bash -c "ls -d '$BATS_TEST_TMPDIR'/tmp/kafka.* 2>/dev/null"
	assert_output ''
}
