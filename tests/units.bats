#!/usr/bin/env bats
# wsrecv's modules driven alone, in C (tests/unit/*_test.c, built by
# make testtools under ASan+UBSan): each checks exact numbers.

load helpers

@test "budget: the --max-buffer marks, the tickets' half and the parked share hold exactly" {
	run timeout 60 "$ROOT/tests/bin/budget_test"
	assert_success
	assert_output --regexp '^budget_test: [0-9]+ checks passed$'
}

@test "acks: a connection's messages are acked once stored, in order, capped by a failure, told of a refusal" {
	run timeout 60 "$ROOT/tests/bin/acks_test"
	assert_success
	assert_output --regexp '^acks_test: [0-9]+ checks passed$'
}

@test "outbuf: a trimmed buffer makes room without holding its bytes twice (peak RSS within 4 MiB, not 15), every byte exact" {
	run timeout 60 "$ROOT/tests/bin/outbuf_test"
	assert_success
	assert_output --regexp '^outbuf_test: [0-9]+ checks passed$'
	run timeout 60 "$ROOT/tests/bin/outbuf_test_asan"
	assert_success
	assert_output --regexp '^outbuf_test: [0-9]+ checks passed$'
}
