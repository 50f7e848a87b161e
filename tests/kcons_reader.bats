#!/usr/bin/env bats
# kcons -g commits only what its reader took: nothing still in the pipe,
# and with "-- command" nothing at all unless the command exits 0.
load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	return 0
}

# Prints the lines of file $1 that end with their newline: a record cut
# short at its end, even just before its newline, was not read whole.
whole_lines() {
	if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi
}

# Prints the number of distinct whole records "m-NNNNNN-..." in the files
# given, each with its newline.
whole_records() {
	local f
	for f in "$@"; do
		whole_lines "$f"
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

# Writes the job the -- tests run: it reads $3 bytes of its stdin (all of it
# when $3 is "all") into the file $1, keeping every byte it read, then ends
# as $2 says: ok (exit 0), fail (exit 3) or kill (SIGKILL).
write_job() {
	cat >"$1" <<'JOB'
#!/bin/bash
out=$1 how=$2 n=$3
if [ "$n" = all ]; then cat >"$out"; else head -c "$n" >"$out"; fi
case $how in
ok) exit 0 ;;
fail) exit 3 ;;
kill) kill -KILL $$ ;;
esac
JOB
	chmod +x "$1"
}

@test "kcons -g -- job failing or killed at random moments: the successful runs together process every message" {
	local t g dir=$BATS_TEST_TMPDIR run how n st first expect ok=()
	t=$(new_topic 1)
	g=g_$RANDOM$$
	write_job "$dir/job"
	seq -f 'm-%06.0f-xxxxxxxxxxxxxxxxxxxxxxxxxxxx' 1 5000 >"$dir/in" # 38 bytes a line
	produce "$t" <"$dir/in"
	RANDOM=$$
	echo "# RANDOM seeded with $$" >&3
	expect=1 # the first message the group's committed offset points to
	for run in $(seq 30); do
		# Up to run 12: ok, fail or kill after 1,000-60,000 bytes; then a
		# run that reads everything.
		how=$(printf '%s\n' ok fail kill | shuf -n 1 --random-source=<(yes $RANDOM))
		n=$((1000 + RANDOM % 59000))
		[ "$run" -gt 12 ] && how=ok n=all
		st=0
		echo "# run $run: $how after $n bytes" >&3
		timeout 60 kcons -b "$BROKERS" $(group_opts) -q -g "$g" -e "$t" -- \
			"$dir/job" "$dir/run$run" "$how" "$n" || st=$?
		case $how in
		ok) assert_equal "$st" 0 ;;
		fail) assert_equal "$st" 3 ;;
		kill) assert_equal "$st" 137 ;;
		esac
		# Each run starts where the group's committed offset is: after the
		# last whole record of the last successful run, never moved by a
		# failed one.
		first=$(head -n 1 "$dir/run$run" | cut -d- -f2)
		if [ "$expect" -le 5000 ]; then
			assert_equal "$((10#$first))" "$expect"
		else
			assert_equal "$(wc -c <"$dir/run$run")" 0
		fi
		if [ "$how" = ok ]; then
			ok+=("$dir/run$run")
			last=$(whole_lines "$dir/run$run" | grep -xE 'm-[0-9]{6}-x{28}' | tail -n 1 | cut -d- -f2)
			[ -n "$last" ] && expect=$((10#$last + 1))
		fi
		[ "$n" = all ] && break
	done
	assert_equal "$expect" 5001
	assert_equal "$(whole_records "${ok[@]}")" 5000
}

@test "kcons -- command: its stdin is the stream, its stdout kcons's, and kcons exits with its status" {
	local t dir=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	seq 1 100 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" -e "$t" -- cat
	assert_success
	assert_output "$(seq 1 100)"
	run timeout 30 kcons -b "$BROKERS" -e "$t" -- sh -c 'wc -l; exit 5'
	assert_equal "$status" 5
	assert_output 100
	run timeout 30 kcons -b "$BROKERS" -e "$t" -- sh -c 'kill -TERM $$'
	assert_equal "$status" 143
	run -127 timeout 30 kcons -b "$BROKERS" -e "$t" -- "$dir/no-such-job" arg
	assert_equal "$status" 127
	assert_output "kcons: $dir/no-such-job: No such file or directory"
	touch "$dir/not-executable"
	run -126 timeout 30 kcons -b "$BROKERS" -e "$t" -- "$dir/not-executable"
	assert_equal "$status" 126
	assert_output "kcons: $dir/not-executable: Permission denied"
	run timeout 30 kcons -b "$BROKERS" -e "$t" --
	assert_equal "$status" 2
	assert_output "kcons: --: no command given after it"
	# Words after -- are the command's, even when they look like options.
	run timeout 30 kcons -b "$BROKERS" -e "$t" -- sh -c 'echo "$@"' sh -e -g x "$t"
	assert_success
	assert_output "-e -g x $t"
	# -D -- is a delimiter, not the end of the options.
	run timeout 30 kcons -b "$BROKERS" -c 2 -D -- "$t"
	assert_success
	assert_output "1--2--"
}

@test "kcons -g -- a job that fails commits nothing, one that exits 0 commits exactly what it read" {
	local t g
	t=$(new_topic 1)
	g=g_$RANDOM$$
	seq 1 1000 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t" -- sh -c 'cat >/dev/null; exit 1'
	assert_failure 1
	assert_output "kcons: sh: exit status 1: nothing committed; the next run reads again all it was given"
	# "1\n2\n3\n" is 6 bytes: head -c 7 leaves 4 read but not whole.
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t" -- head -c 7
	assert_success
	assert_output "$(printf '1\n2\n3\n4')"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e -c 1 "$t"
	assert_success
	assert_output 4
}

@test "kcons -g -- stopped by SIGTERM ends the job's input; the job's exit 0 commits what it read" {
	local t g dir=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	g=g_$RANDOM$$
	seq 1 50 | produce "$t"
	# No -e: kcons would feed the job forever; the stop ends its input.
	kcons -b "$BROKERS" $(group_opts) -g "$g" "$t" -- sh -c "cat >$dir/out; echo done >$dir/done" 3>&- &
	pid=$!
	wait_lines "$dir/out" 50 30
	assert_equal "$(wc -l <"$dir/out")" 50
	kill -TERM "$pid"
	run timeout 30 tail --pid="$pid" -f /dev/null
	assert_success
	local st=0
	wait "$pid" || st=$?
	pid=
	assert_equal "$st" 0
	assert_equal "$(cat "$dir/done")" done
	seq 51 53 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t"
	assert_success
	assert_output "$(seq 51 53)"
}
