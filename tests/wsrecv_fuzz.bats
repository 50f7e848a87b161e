#!/usr/bin/env bats
# wsrecv under a bounded network fuzz (tests/clients/netfuzz.py): several
# raw-socket clients at once send valid and mutated handshakes and frames,
# end with a close, a FIN, a reset, or stay open after being refused, while
# /healthz is asked every 100 ms. FUZZ_SECONDS (default 20) and FUZZ_SEED
# (default random, printed) replay a run.

load helpers
load wsrecv_helpers

teardown() {
	wsrecv_cleanup
}

@test "network fuzz: /healthz answers within a second throughout, every record is one a client completed, every clean session's messages are written, SIGTERM stops wsrecv" {
	local seed=${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))} secs=${FUZZ_SECONDS:-20}
	# --idle 2: heads that never end are answered 408 within the run.
	wsrecv_start -J --ack --idle 2
	run timeout $((secs + 120)) "$PY" "$CLIENTS/netfuzz.py" run "$PORT" "$secs" "$seed" 6 "$BATS_TEST_TMPDIR/sent"
	echo "$output"
	assert_success
	assert_output --regexp "^seed $seed sessions [0-9]+ clean [1-9][0-9]* .* health_failures 0 answers .*101:"
	run timeout 5 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_success
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run "$PY" "$CLIENTS/netfuzz.py" check "$BATS_TEST_TMPDIR/sent" "$OUT"
	assert_success
	assert_output --regexp '^records [1-9][0-9]*, all from clients, clean ([0-9]+) of \1$'
}
