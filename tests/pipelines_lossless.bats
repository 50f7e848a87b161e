#!/usr/bin/env bats
# pipelines/ that lose nothing: live routing, a cron job that keeps what jq
# cannot handle, -X/-F/--failed passed through, tools found beside the
# scripts under cron's PATH, and a wrong broker address failing fast.

load helpers
load wsrecv_helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	exec 4>&- 2>/dev/null || true
	[ -n "${ROUTE_PID:-}" ] && kill -TERM "$ROUTE_PID" 2>/dev/null
	[ -n "${FD_PID:-}" ] && front_door_kill "$FD_PID"
	[ -z "${SMALL_DISK:-}" ] || umount "$SMALL_DISK" || true
	return 0
}

# Waits (at most 15 s) until topic $1 holds exactly the lines of $2.
wait_topic() {
	local got=
	topic_is() {
		got=$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$1" -f '%s\n')
		[ "$got" = "$2" ]
	}
	wait_until --every 0.25 15 topic_is "$1" "$2" && return 0
	echo "wait_topic: $1 holds '$got', not '$2'" >&2
	return 1
}

# A properties file naming the test brokers, for -F.
props_file() {
	printf '# the brokers, from a file\nbootstrap.servers=%s\n' "$BROKERS" >"$BATS_TEST_TMPDIR/props"
	echo "$BATS_TEST_TMPDIR/props"
}

@test "kafka-route hands each record on as it arrives: each is in Kafka while the input is still open" {
	local movies other
	movies=$(new_topic 1)
	other=$(new_topic 1)
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$ROOT/pipelines/kafka-route" -b "$BROKERS" -f type -r "movie=$movies" -d "$other" \
		<"$BATS_TEST_TMPDIR/in" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	ROUTE_PID=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	echo '{"type":"movie","title":"The Matrix"}' >&4
	wait_topic "$movies" '{"type":"movie","title":"The Matrix"}'
	echo 'not json' >&4
	wait_topic "$other" 'not json'
	echo '{"type":"movie","title":"Speed"}' >&4
	wait_topic "$movies" $'{"type":"movie","title":"The Matrix"}\n{"type":"movie","title":"Speed"}'
	kill -0 "$ROUTE_PID"
	exec 4>&-
	run timeout 30 tail --pid="$ROUTE_PID" -f /dev/null
	wait "$ROUTE_PID"
	ROUTE_PID=
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
}

@test "kafka-route passes -F and -X to kprod and --failed gathers what a topic refused, exit 1" {
	local t other big
	t=$(new_topic 1)
	other=$(new_topic 1)
	big=$(head -c 3000 /dev/zero | tr '\0' x)
	printf '{"type":"a","n":1}\n{"type":"a","big":"%s"}\n{"type":"b"}\n' "$big" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 60 env KAFKA_BROKERS=127.0.0.1:1 "$ROOT/pipelines/kafka-route" \
		-F "$(props_file)" -X message.max.bytes=2000 -f type -r "a=$t" -d "$other" \
		--failed "$BATS_TEST_TMPDIR/failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%s\n')" '{"type":"a","n":1}'
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$other" -f '%s\n')" '{"type":"b"}'
	run cat "$BATS_TEST_TMPDIR/failed.$t"
	assert_output "$(sed -n 2p "$BATS_TEST_TMPDIR/in")"
	[[ "$stderr" == *"kprod: record 2 not delivered: "*"too large for message.max.bytes (2000)"* ]]
}

@test "the cron job keeps the record jq fails on and those after it, reads no more, and a later run with a working filter writes them" {
	local t out=$BATS_TEST_TMPDIR/events.jsonl
	t=$(new_topic 1)
	printf '%s\n' '{"n":1}' '{"n":2}' 'not json' '{"n":4}' '{"n":5}' | produce "$t"
	# fromjson fails on record 3.
	run --separate-stderr timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g cron1 -t "$t" \
		-o "$out" -f '.payload | fromjson | .n' $(group_opts)
	assert_equal "$status" 1
	assert_equal "$(cat "$out")" $'1\n2'
	assert_equal "$(jq -r .payload "$out.spool")" $'not json\n{"n":4}\n{"n":5}'
	[[ "$stderr" == *"kafka-to-file: jq failed on record 3 of 5 in $out.spool: it and the 2 after it are kept there for the next run"* ]]
	# Failing again, it reads nothing more from Kafka: record 6 waits there.
	echo '{"n":6}' | produce "$t"
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g cron1 -t "$t" \
		-o "$out" -f '.payload | fromjson | .n' $(group_opts)
	assert_failure 1
	assert_equal "$(cat "$out")" $'1\n2'
	assert_equal "$(wc -l <"$out.spool")" 3
	# A filter that copes writes the kept records first, then the new one.
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g cron1 -t "$t" \
		-o "$out" -f '.payload | (try (fromjson | .n) catch "bad")' $(group_opts)
	assert_success
	assert_equal "$(cat "$out")" $'1\n2\nbad\n4\n5\n6'
	assert_equal "$(wc -c <"$out.spool")" 0
}

@test "the cron job keeps its spool when the jq filter does not compile" {
	local t out=$BATS_TEST_TMPDIR/events.jsonl
	t=$(new_topic 1)
	echo one | produce "$t"
	run --separate-stderr timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g cron2 -t "$t" \
		-o "$out" -f '.payload |||' $(group_opts)
	assert_equal "$status" 1
	[[ "$stderr" == *"kafka-to-file: the jq filter does not compile; $out.spool is kept for the next run"* ]]
	assert_equal "$(jq -r .payload "$out.spool")" one
	run timeout 30 "$ROOT/pipelines/kafka-to-file" -b "$BROKERS" -g cron2 -t "$t" -o "$out" $(group_opts)
	assert_success
	assert_equal "$(cat "$out")" one
}

@test "the pipelines find kprod and kcons beside them under cron's PATH, and take -F and -X" {
	local a b out=$BATS_TEST_TMPDIR/out.jsonl
	a=$(new_topic 1)
	b=$(new_topic 1)
	printf 'one\ntwo\n' | produce "$a"
	# No BIN, no KAFKA_BROKERS, PATH as cron sets it: the tools are ../bin.
	[ -x "$ROOT/bin/kprod" ] || skip "needs the release build in bin/"
	run timeout 60 env -i HOME="$HOME" PATH=/usr/bin:/bin "$ROOT/pipelines/kafka-copy" \
		-F "$(props_file)" -s "$a" -d "$b"
	assert_success
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$b" -f '%s\n')" $'one\ntwo'
	run timeout 60 env -i HOME="$HOME" PATH=/usr/bin:/bin "$ROOT/pipelines/kafka-to-file" \
		-X "bootstrap.servers=$BROKERS" -g cron3 -t "$a" -o "$out" $(group_opts)
	assert_success
	assert_equal "$(cat "$out")" $'one\ntwo'
	echo '{"type":"x"}' | timeout 60 env -i HOME="$HOME" PATH=/usr/bin:/bin "$ROOT/pipelines/kafka-route" \
		-X "bootstrap.servers=$BROKERS" -f type -r "x=$b" -d "$a"
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$b" -f '%s\n' | tail -n 1)" '{"type":"x"}'
}

@test "every pipeline fails within seconds with a clear message on a wrong broker address" {
	local s start
	for s in kafka-copy kafka-route kafka-to-file ws-to-kafka; do
		start=$SECONDS
		case $s in
		ws-to-kafka) run --separate-stderr timeout 30 "$ROOT/pipelines/ws-to-kafka" -b 127.0.0.1:1 -t a -- -p 0 --ack ;;
		kafka-copy) run --separate-stderr timeout 30 "$ROOT/pipelines/kafka-copy" -b 127.0.0.1:1 -s a -d b ;;
		kafka-route) run --separate-stderr timeout 30 "$ROOT/pipelines/kafka-route" -b 127.0.0.1:1 -f t -r x=y -d z <<<'{"t":"x"}' ;;
		kafka-to-file) run --separate-stderr timeout 30 "$ROOT/pipelines/kafka-to-file" -b 127.0.0.1:1 -g g -t a -o "$BATS_TEST_TMPDIR/o" ;;
		esac
		assert_equal "$status" 1
		(( SECONDS - start <= 12 ))
		[[ "$stderr" == *"cannot reach the brokers at 127.0.0.1:1"* ]]
	done
}

@test "kafka-copy refuses a destination with fewer partitions unless -k places records by key" {
	local a b
	a=$(new_topic 4)
	b=$(new_topic 2)
	echo one | produce "$a" -p 3
	run --separate-stderr timeout 60 "$ROOT/pipelines/kafka-copy" -b "$BROKERS" -s "$a" -d "$b"
	assert_equal "$status" 1
	assert_equal "$stderr" "kafka-copy: $b has 2 partitions, $a has 4: give -k to place records by key"
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$b" -f '%s\n' | wc -l)" 0
	run timeout 60 "$ROOT/pipelines/kafka-copy" -b "$BROKERS" -s "$a" -d "$b" -k
	assert_success
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$b" -f '%s\n')" one
}

@test "ws-to-kafka --failed on a full disk deletes nothing: the undelivered records stay whole in its folder, named, exit 1" {
	local t d kept
	d=$(small_disk)
	SMALL_DISK=$d
	t=$(new_topic 1)
	# Its folder in the test's, where the test can look.
	export TMPDIR=$BATS_TEST_TMPDIR
	# Every message too large for kprod to send: on any broker, each is
	# undelivered and goes to --failed, 3.3 MB for a 64 KiB disk.
	FD_OPTS=(--failed "$d/failed" -X message.max.bytes=1000)
	front_door_start "$t"
	run wsclient "ws://127.0.0.1:$FD_PORT/" --count 3000 --size 1100 --sent-file "$BATS_TEST_TMPDIR/sent"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/sent")" "sent 3000"
	PORT=$FD_PORT wait_healthz '.messages == 3000'
	kill -TERM "$FD_PID"
	run timeout 60 tail --pid="$FD_PID" -f /dev/null
	assert_success
	run wait "$FD_PID"
	assert_failure 1
	FD_PID=
	kept=$(echo "$BATS_TEST_TMPDIR"/ws-to-kafka.*/failed.1)
	run grep '^ws-to-kafka: ' "$BATS_TEST_TMPDIR/front.err"
	assert_line "ws-to-kafka: stopped (wsrecv 0, kprod 1)"
	assert_line "ws-to-kafka: $d/failed: write error: No space left on device"
	assert_line "ws-to-kafka: 3000 undelivered records are kept in $kept, not in $d/failed"
	# All of them, whole, once; the full file was cut back to what it held.
	run cut -d. -f1 "$kept"
	assert_output "$(seq -f 'm-1-%.0f' 1 3000)"
	assert_equal "$(grep -c -x -E 'm-1-[0-9]+\.+' "$kept")" 3000
	assert_equal "$(wc -c <"$kept")" $((3000 * 1101))
	assert_equal "$(stat -c %s "$d/failed")" 0
	run timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q
	assert_output ''
}
