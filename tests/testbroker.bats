#!/usr/bin/env bats
# The test broker itself: what every other suite relies on.

load helpers

setup_file() { broker_start -n 2 -t fixed:3; }
teardown_file() { broker_stop; }

@test "test broker prints a bootstrap address that kcat can list" {
	needs_mock
	run timeout 10 kcat -b "$BROKERS" -L -t fixed
	assert_success
	assert_output --partial 'topic "fixed" with 3 partitions'
	assert_output --partial '2 brokers'
}

@test "test broker creates topics on request with their partition count" {
	t=$(new_topic 5)
	run timeout 10 kcat -b "$BROKERS" -L -t "$t"
	assert_success
	assert_output --partial "topic \"$t\" with 5 partitions"
}

@test "test broker answers an unknown control command with an error" {
	needs_mock
	run broker_cmd "frobnicate 1"
	assert_failure
	run tail -n 1 "$BATS_FILE_TMPDIR/broker.out"
	assert_output "error frobnicate 1"
}

@test "test broker stops cleanly on SIGTERM" {
	needs_mock
	"$ROOT/tests/bin/mockbroker" >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/out" 10
	kill -TERM "$pid"
	run timeout 10 tail --pid="$pid" -f /dev/null
	assert_success
	wait "$pid"
}
