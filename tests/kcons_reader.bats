#!/usr/bin/env bats
# kcons -g commits only what its reader took: nothing still in the pipe,
# and with "-- command" nothing at all unless the command exits 0.
load helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

# Prints the number of distinct whole records "m-NNNNNN-..." in the files
# given: a record cut short at the end of a file is not counted.
whole_records() {
	local f
	for f in "$@"; do
		cat "$f"
		echo # a record cut short ends here, not glued to the next file's
	done | grep -xE 'm-[0-9]{6}-x{28}' | sort -u | wc -l
}

@test "kcons -g -e | head -c 100000, run again until the end: every message is printed whole by some run" {
	local t g dir=$BATS_TEST_TMPDIR run n
	t=$(new_topic 3)
	g=g_$RANDOM$$
	# 20,000 records of 40 bytes: 800,000 bytes, 8 or more runs of head.
	seq -f 'm-%06.0f-xxxxxxxxxxxxxxxxxxxxxxxxxxxx' 1 20000 >"$dir/in"
	produce "$t" <"$dir/in"
	for run in $(seq 40); do
		timeout 60 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t" 2>>"$dir/err" |
			head -c 100000 >"$dir/run$run"
		[ "${PIPESTATUS[0]}" = 0 ] || fail "run $run: kcons exited ${PIPESTATUS[0]}: $(cat "$dir/err")"
		# A run that printed less than head's 100,000 bytes reached the end.
		[ "$(wc -c <"$dir/run$run")" -lt 100000 ] && break
	done
	[ "$run" -lt 40 ] || fail "40 runs did not reach the end"
	[ "$run" -ge 8 ]
	assert_equal "$(cat "$dir/err")" ""
	# GNU head -c reads no byte past its count, so the reader's own buffer
	# holds nothing unprinted: every message must be printed whole.
	assert_equal "$(whole_records "$dir"/run*)" 20000
}
