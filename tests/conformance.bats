#!/usr/bin/env bats
# wsrecv against RFC 6455, case by case, from raw sockets: the project's own
# conformance cases (tests/clients/conformance.py), grouped as the Autobahn
# TestSuite groups its cases. Each case checks what the server answers and
# the exact records that reach stdout. Cases marked "known" are limits of
# libwebsockets 4.1.6 that wsrecv(1) documents under STANDARDS; the runner
# fails if one of them starts to conform, so the page cannot go stale.
# The whole table is kept in tests/conformance.md.

load helpers

conformance() {
	run timeout 300 /usr/bin/python3 "$ROOT/tests/clients/conformance.py" "$BIN/wsrecv" "$@"
	echo "$output" | sed 's/^/# /' >&3
	assert_success
}

@test "conformance, framing: sizes, byte-by-byte writes, binary, many frames in one write" {
	conformance --group framing
}

@test "conformance, pings and pongs: echoed payloads, pings inside fragmented messages" {
	conformance --group pings
}

@test "conformance, reserved bits: RSV1-3 without an extension close with 1002" {
	conformance --group "reserved bits"
}

@test "conformance, opcodes: reserved data and control opcodes close with 1002" {
	conformance --group opcodes
}

@test "conformance, fragmentation: assembled whole; broken sequences close with 1002" {
	conformance --group fragmentation
}

@test "conformance, UTF-8: invalid text closes with 1007 and writes nothing" {
	conformance --group utf-8
}

@test "conformance, close handling: codes and reasons checked, nothing taken after a close" {
	conformance --group close
}

@test "conformance, limits: --max-message exactly kept, one byte over closes with 1009" {
	conformance --group limits
}

@test "the table in tests/conformance.md is the one the cases produce" {
	run timeout 600 /usr/bin/python3 "$ROOT/tests/clients/conformance.py" "$BIN/wsrecv" \
		--table "$BATS_TEST_TMPDIR/table.md"
	assert_success
	run diff -u "$ROOT/tests/conformance.md" "$BATS_TEST_TMPDIR/table.md"
	assert_success
}
