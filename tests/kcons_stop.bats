#!/usr/bin/env bats
# kcons ends promptly on a signal even while the program reading its output
# has stopped reading, and commits only what it wrote.

load helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	[ -n "${KC_PID:-}" ] && kill -KILL "$KC_PID" 2>/dev/null
	[ -n "${READER:-}" ] && kill -KILL "$READER" 2>/dev/null
	return 0
}

@test "kcons -g ends within seconds of SIGTERM while its reader is stalled, and commits only what the reader took" {
	local t g d=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	g=stop-$RANDOM
	seq 1 200000 | produce "$t"
	mkfifo "$d/out"
	# A reader that holds the pipe and never reads.
	sleep 300 <"$d/out" 3>&- &
	READER=$!
	kcons -v -b "$BROKERS" -g "$g" $(group_opts) "$t" >"$d/out" 2>"$d/err" 3>&- &
	KC_PID=$!
	# Wait until kcons has filled the pipe: the reader holds 64 KiB, less the
	# last write that did not fit (63,797 bytes written, measured; a bound of
	# 65,000 was never met, and the loop always ran out its 20 s).
	pipe_full() { [ "$(awk '/^wchar/ {print $2}' "/proc/$KC_PID/io" 2>/dev/null)" -ge 60000 ] 2>/dev/null; }
	wait_until --every 0.1 20 pipe_full
	sleep 0.5
	kill -TERM "$KC_PID"
	run timeout 10 tail --pid="$KC_PID" -f /dev/null
	assert_success
	run wait "$KC_PID"
	assert_equal "$status" 0
	KC_PID=
	run grep -c '^kcons: stopped with [0-9]* messages not taken: the reader took nothing more; their offsets are not stored$' "$d/err"
	assert_output 1
	# The pipe holds the first N lines (and perhaps the start of line N+1),
	# all written, none read: the next run of the group starts at 1.
	local n
	n=$(sed -n 's/^kcons: \([0-9]*\) messages, .*/\1/p' "$d/err")
	[ "$n" -gt 10000 ]
	run timeout 60 kcons -b "$BROKERS" -g "$g" $(group_opts) -e -q -c 1 "$t"
	assert_output 1
}
