#!/usr/bin/env bats
# wsrecv | kprod -> Kafka -> kcons: the pipeline the tools were made for.

load helpers
load wsrecv_helpers

setup_file() {
	broker_start
}

teardown_file() {
	broker_stop
}

teardown() {
	wsrecv_cleanup
}

@test "wsrecv | kprod -> kcons: 10,000 messages from 10 clients all arrive, each client's in order" {
	[ -x "$BIN/kprod" ] && [ -x "$BIN/kcons" ]
	local t
	t=$(new_topic 1) # Kafka keeps order within a partition
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	kprod -b "$BROKERS" -t "$t" <"$BATS_TEST_TMPDIR/fifo" 2>"$BATS_TEST_TMPDIR/kprod.err" 3>&- &
	local kpid=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start
	run node_send "ws://127.0.0.1:$PORT/" 10 1000 p
	assert_success
	assert_output "done 10000"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	# wsrecv's exit ends kprod's input: it delivers everything and exits 0.
	local kstatus=0
	timeout 60 tail --pid="$kpid" -f /dev/null
	wait "$kpid" || kstatus=$?
	assert_equal "$kstatus" 0
	run timeout 60 kcons -b "$BROKERS" -c 10000 "$t"
	assert_success
	assert_equal "${#lines[@]}" 10000
	printf '%s\n' "${lines[@]}" >"$BATS_TEST_TMPDIR/got"
	for c in $(seq 10); do
		assert_equal "$(grep "^p-$c-" "$BATS_TEST_TMPDIR/got" | md5sum)" \
			"$(seq -f "p-$c-%.0f" 1 1000 | md5sum)"
	done
}

@test "wsrecv -J | kprod -J -> kcons: each message is the value, byte for byte, with its metadata as headers and its receive time" {
	[ -x "$BIN/kprod" ] && [ -x "$BIN/kcons" ]
	local t
	t=$(new_topic 1)
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	kprod -J -b "$BROKERS" -t "$t" <"$BATS_TEST_TMPDIR/fifo" 2>"$BATS_TEST_TMPDIR/kprod.err" 3>&- &
	local kpid=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start -J
	local before
	before=$(date +%s%3N)
	run wsclient "ws://127.0.0.1:$PORT/events" --text $'{"a":\n1}' --text second --hex 00ff
	assert_success
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	timeout 60 tail --pid="$kpid" -f /dev/null
	run timeout 60 kcons -b "$BROKERS" -c 3 -f '%s|%k|%h\n' "$t"
	assert_success
	assert_equal "$(sed -n 1,3p <<<"$output" | sed 's/peer=127\.0\.0\.1:[0-9]*/peer=P/')" \
		$'{"a":\n1}||conn=1,seq=1,peer=P,path=/events\nsecond||conn=1,seq=2,peer=P,path=/events'
	assert_equal "$(timeout 60 kcons -b "$BROKERS" -e -o 2 -f '%s' "$t" | od -An -tx1 | tr -d ' \n')" 00ff
	# The timestamp is the receive time wsrecv wrote, kept by kprod -J.
	run bash -c "timeout 60 kcons -b '$BROKERS' -e -J '$t' | jq -r '.tstype, .ts'"
	assert_equal "${lines[0]}" create
	(( lines[1] >= before - 1000 && lines[1] <= $(date +%s%3N) ))
}
