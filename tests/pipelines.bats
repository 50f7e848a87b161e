#!/usr/bin/env bats
# pipelines/: the ready scripts people copy into production.

load helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	[ -z "${SUP_PID:-}" ] || front_door_kill "$SUP_PID"
	return 0
}

# Sends the lines of a file through a Node ws client and waits for the acks.
ws_send() {
	timeout 30 env NODE_PATH=/usr/share/nodejs node "$ROOT/pipelines/demo/send.js" --ack --timeout 25 "$@"
}

@test "ws-to-kafka forwards WebSocket messages to the topic and stops cleanly on SIGTERM" {
	t=$(new_topic 1)
	port=$(free_port)
	"$ROOT/pipelines/ws-to-kafka" -t "$t" -b "$BROKERS" -- -p "$port" --ack \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	SUP_PID=$!
	wait_port "$port" || { cat "$BATS_TEST_TMPDIR/err"; false; }
	make_records 100 "$BATS_TEST_TMPDIR/in"
	run ws_send "ws://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/in"
	assert_success
	kill -TERM "$SUP_PID"
	run timeout 20 tail --pid="$SUP_PID" -f /dev/null
	assert_success
	run wait "$SUP_PID"
	assert_success
	SUP_PID=
	run timeout 20 kcons -b "$BROKERS" -e "$t"
	assert_output "$(cat "$BATS_TEST_TMPDIR/in")"
	run cat "$BATS_TEST_TMPDIR/err"
	# --ack makes it an ack from Kafka: kprod reports to wsrecv over a FIFO.
	assert_line --regexp "^ws-to-kafka: starting: wsrecv -p $port --ack --ack-from (/[^ ]+)/reports \\| kprod -t $t -b $BROKERS --keep-empty --reports \\1/reports\$"
	assert_line --partial "ws-to-kafka: stopped (wsrecv 0, kprod 0)"
}

@test "ws-to-kafka restarts the pipeline when kprod dies and names the failed stage" {
	t=$(new_topic 1)
	port=$(free_port)
	"$ROOT/pipelines/ws-to-kafka" -t "$t" -b "$BROKERS" -- -p "$port" --ack \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	SUP_PID=$!
	wait_port "$port"
	front_door_signal "$SUP_PID" KILL kprod
	# wsrecv learns of it at its next write: this message is never acknowledged.
	echo '{"before":"restart"}' >"$BATS_TEST_TMPDIR/lost"
	run ws_send "ws://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/lost"
	assert_failure
	# A new pipeline serves the same port after the backoff.
	run timeout 15 bash -c "until [ \$(grep -c 'ws-to-kafka: starting' '$BATS_TEST_TMPDIR/err') -ge 2 ]; do sleep 0.1; done"
	assert_success
	wait_port "$port"
	echo '{"after":"restart"}' >"$BATS_TEST_TMPDIR/in"
	run ws_send "ws://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/in"
	assert_success
	kill -TERM "$SUP_PID"
	timeout 20 tail --pid="$SUP_PID" -f /dev/null
	SUP_PID=
	run cat "$BATS_TEST_TMPDIR/err"
	assert_line "ws-to-kafka: kprod exited 137"
	assert_line "ws-to-kafka: restarting in 1s"
	run timeout 20 kcons -b "$BROKERS" -e "$t"
	assert_output '{"after":"restart"}'
}

@test "ws-to-kafka gives up after -r restarts with the failing stage's exit status" {
	# wsrecv cannot bind an address this host does not have (TEST-NET-3):
	# exit 1 at once, a failure every time.
	run timeout 30 env BIN="$BIN" bash -c "'$ROOT/pipelines/ws-to-kafka' -t x -b '$BROKERS' -r 1 -- -a 203.0.113.1 -p 0 2>&1"
	assert_failure 1
	assert_line "ws-to-kafka: wsrecv exited 1"
	assert_line "ws-to-kafka: restarting in 1s"
	assert_line "ws-to-kafka: giving up after 1 restarts"
}

@test "ws-to-kafka does not restart a stage that refuses its options: it exits 2 at once, naming it" {
	local port
	port=$(free_port)
	run timeout 30 env BIN="$BIN" bash -c "'$ROOT/pipelines/ws-to-kafka' -t x -b '$BROKERS' -- -p $port --no-such-option 2>&1"
	assert_failure 2
	assert_line "ws-to-kafka: wsrecv exited 2"
	assert_line "ws-to-kafka: not restarting: wsrecv was given options it refuses"
	refute_line --partial "restarting in"
	# kprod's own options pass through: --value-schema without -s value=avro.
	run timeout 30 env BIN="$BIN" bash -c "'$ROOT/pipelines/ws-to-kafka' -t x -b '$BROKERS' --value-schema /dev/null -- -p $port 2>&1"
	assert_failure 2
	assert_line "kprod: --value-schema: the value is not Avro (add -s value=avro)"
	assert_line "ws-to-kafka: kprod exited 2"
	# An option the script does not know is refused before anything starts.
	run timeout 30 env BIN="$BIN" "$ROOT/pipelines/ws-to-kafka" -t x --no-such-option
	assert_failure 2
	assert_output --partial "usage: ws-to-kafka -t TOPIC"
}

@test "the cron job appends exactly the new messages on its second run" {
	t=$(new_topic 2)
	out=$BATS_TEST_TMPDIR/events.jsonl
	printf '{"n":%d}\n' 1 2 3 4 5 | kcat -b "$BROKERS" -P -t "$t"
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g1 -t "$t" -o "$out" $(group_opts)
	assert_success
	run sort "$out"
	assert_output "$(printf '{"n":%d}\n' 1 2 3 4 5)"
	printf '{"n":%d}\n' 6 7 8 | kcat -b "$BROKERS" -P -t "$t"
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g1 -t "$t" -o "$out" $(group_opts)
	assert_success
	run sort "$out"
	assert_output "$(printf '{"n":%d}\n' 1 2 3 4 5 6 7 8)"
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g1 -t "$t" -o "$out" $(group_opts)
	assert_success
	run wc -l <"$out"
	assert_output 8
}

@test "the cron job killed half-way loses no message: the next run appends the rest" {
	heavy_test
	t=$(new_topic 4)
	out=$BATS_TEST_TMPDIR/events.jsonl
	seq -f '{"n":%.0f}' 1 50000 | kcat -b "$BROKERS" -P -t "$t"
	setsid "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g2 -t "$t" -o "$out" $(group_opts) 3>&- &
	job=$!
	sleep 0.3
	kill -KILL -- "-$job" 2>/dev/null || true
	wait "$job" || true
	run timeout 60 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g2 -t "$t" -o "$out" $(group_opts)
	assert_success
	run bash -c "sort -u '$out' | wc -l"
	assert_output 50000
	run bash -c "sort -u '$out' | cmp - <(seq -f '{\"n\":%.0f}' 1 50000 | sort)"
	assert_success
}

@test "the cron job does nothing while another run holds its lock" {
	t=$(new_topic 1)
	out=$BATS_TEST_TMPDIR/events.jsonl
	echo one | kcat -b "$BROKERS" -P -t "$t"
	exec 8>>"$out.lock"
	flock 8
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g g3 -t "$t" -o "$out"
	exec 8>&-
	assert_success
	assert_output "kafka-to-file: another run holds $out.lock; nothing to do"
	assert_file_not_exist "$out"
}

@test "kafka-copy copies a topic keeping keys, values and partitions" {
	src=$(new_topic 4)
	dst=$(new_topic 4)
	for i in $(seq 200); do printf 'key%d:value %d\n' "$i" "$i"; done |
		kcat -b "$BROKERS" -P -t "$src" -K : -X partitioner=murmur2_random
	run timeout 60 "$ROOT/pipelines/kafka-copy" -b "$BROKERS" -s "$src" -d "$dst"
	assert_success
	want=$(timeout 20 kcat -b "$BROKERS" -C -t "$src" -e -q -f '%p %k %s\n' | sort)
	run bash -c "timeout 20 kcat -b '$BROKERS' -C -t '$dst' -e -q -f '%p %k %s\n' | sort"
	assert_output "$want"
	run bash -c "wc -l <<<'$want'"
	assert_output 200
}

@test "kafka-route sends each JSON record to its field's topic and the rest to the default" {
	movies=$(new_topic 1)
	actors=$(new_topic 1)
	other=$(new_topic 1)
	cat >"$BATS_TEST_TMPDIR/in" <<-'IN'
	{"type":"movie","title":"The Matrix"}
	{"type":"actor","name":"Keanu Reeves"}
	{"type":"movie","title":"Speed"}
	{"type":"series","title":"Severance"}
	not json at all
	{"title":"no type"}
	IN
	run timeout 60 "$ROOT/pipelines/kafka-route" -b "$BROKERS" -f type -r "movie=$movies" -r "actor=$actors" -d "$other" <"$BATS_TEST_TMPDIR/in"
	assert_success
	run timeout 20 kcons -b "$BROKERS" -e "$movies"
	assert_output "$(printf '%s\n' '{"type":"movie","title":"The Matrix"}' '{"type":"movie","title":"Speed"}')"
	run timeout 20 kcons -b "$BROKERS" -e "$actors"
	assert_output '{"type":"actor","name":"Keanu Reeves"}'
	run timeout 20 kcons -b "$BROKERS" -e "$other"
	assert_output "$(printf '%s\n' '{"type":"series","title":"Severance"}' 'not json at all' '{"title":"no type"}')"
}

@test "every pipeline script prints its usage and exits 2 when called wrongly" {
	for s in ws-to-kafka kafka-to-file kafka-copy kafka-route; do
		run "$ROOT/pipelines/$s"
		assert_failure 2
		assert_output --partial "usage: $s "
	done
}
