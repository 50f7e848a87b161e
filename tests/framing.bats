#!/usr/bin/env bats
# lib/framing: the one place where records, JSON and base64 are made.

load helpers

@test "framing: random inputs keep every property (UTF-8, JSON, base64, delimiters)" {
	run timeout 120 "$ROOT/tests/bin/framing_fuzz" 200000
	assert_success
	assert_line --index 0 --regexp '^framing_fuzz: seed [0-9]+$'
	assert_line --index 1 "framing_fuzz: 200000 random inputs, all properties hold"
}

@test "envelope: random inputs keep every property (JSON strings decode exactly, envelopes round-trip)" {
	run timeout 120 "$ROOT/tests/bin/envelope_fuzz" 200000
	assert_success
	assert_line --index 0 --regexp '^envelope_fuzz: seed [0-9]+$'
	assert_line --index 1 "envelope_fuzz: 200000 random inputs, all properties hold"
}

@test "reports: random lines keep every property (parsing stays in the line, lines round-trip)" {
	run timeout 120 "$ROOT/tests/bin/report_fuzz" 200000
	assert_success
	assert_line --index 0 --regexp '^report_fuzz: seed [0-9]+$'
	assert_line --index 1 "report_fuzz: 200000 random inputs, all properties hold"
}
