#!/usr/bin/env bats
# kcons -g: consumer groups, and offsets committed only for what was written.
load helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

@test "kcons -g -e reads a new group from the beginning and the next run only what is new" {
	t=$(new_topic 3)
	g=g_$RANDOM$$
	seq 1 30 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t"
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 1 30)"
	seq 31 35 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t"
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 31 35)"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t"
	assert_success
	assert_output ''
}

@test "kcons -g -o end starts a new group at the end" {
	t=$(new_topic 1)
	seq 1 5 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "g_$RANDOM$$" -o end -e "$t"
	assert_success
	assert_output ''
}

@test "kcons -g -c N commits exactly the N messages written" {
	t=$(new_topic 1)
	g=g_$RANDOM$$
	seq 1 20 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -c 7 "$t"
	assert_success
	assert_output "$(seq 1 7)"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t"
	assert_success
	assert_output "$(seq 8 20)"
}

@test "kcons -g killed with SIGKILL mid-stream loses nothing: the rerun resumes and delivers the rest" {
	t=$(new_topic 1)
	g=g_$RANDOM$$
	dir=$BATS_TEST_TMPDIR
	make_records 20000 "$dir/in"
	produce "$t" <"$dir/in"
	# -u and a short commit interval make kcons commit while it runs; a
	# slow reader (fast once $dir/drain exists) keeps it mid-stream.
	(timeout 60 kcons -b "$BROKERS" $(group_opts) -X auto.commit.interval.ms=100 -u \
		-g "$g" "$t" 2>/dev/null |
		while IFS= read -r l; do
			echo "$l"
			[ -e "$dir/drain" ] || sleep 0.002
		done >"$dir/out1") 3>&- &
	wait_lines "$dir/out1" 500 15 || true # killed and counted below
	sleep 0.5
	pkill -KILL -f "kcons -b $BROKERS .*-g $g $t" || true
	touch "$dir/drain"
	wait || true
	n1=$(wc -l <"$dir/out1")
	(( n1 >= 500 && n1 < 20000 ))
	# A killed member says no goodbye: a real cluster hands its partitions
	# on when its session times out (session.timeout.ms, 45 s by default).
	timeout 90 kcons -b "$BROKERS" $(group_opts) -g "$g" -e "$t" >"$dir/out2"
	# The rerun resumed from a commit made before the kill ...
	first=$(head -n 1 "$dir/out2")
	[ "$first" != record-1 ]
	# ... and together the runs have every message, at least once.
	assert_equal "$(sort -u "$dir/out1" "$dir/out2" | sort -t- -k2n)" "$(cat "$dir/in")"
}

@test "kcons -g | head -3 exits 0 and commits nothing beyond what was written" {
	t=$(new_topic 1)
	g=g_$RANDOM$$
	dir=$BATS_TEST_TMPDIR
	make_records 200000 "$dir/in"
	produce "$t" <"$dir/in"
	run timeout 30 bash -c "set -o pipefail; kcons -b '$BROKERS' $(group_opts) -v -g '$g' '$t' 2>'$dir/err' | head -3"
	assert_success
	assert_output $'record-1\nrecord-2\nrecord-3'
	# -v says how many messages reached the pipe; the rerun resumes
	# right after them: nothing written is skipped, nothing unwritten lost.
	written=$(sed -n 's/^kcons: \([0-9]*\) messages.*/\1/p' "$dir/err")
	[ -n "$written" ]
	run timeout 60 bash -c "kcons -b '$BROKERS' $(group_opts) -g '$g' -e '$t' | head -1"
	assert_output "record-$((written + 1))"
}

@test "kcons -g -e over several partitions ends when every assigned partition is at its end" {
	t=$(new_topic 6)
	seq 1 60 | produce "$t"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "g_$RANDOM$$" -e "$t"
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 1 60)"
}

@test "kcons -g --until-now is bounded while a producer keeps writing" {
	t=$(new_topic 2)
	seq 1 500 | produce "$t"
	(for i in $(seq 501 600); do echo "$i"; sleep 0.1; done | produce "$t" -T >/dev/null) 3>&- &
	prod=$!
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "g_$RANDOM$$" --until-now "$t"
	kill "$prod" 2>/dev/null || true
	wait "$prod" 2>/dev/null || true
	assert_success
	assert_equal "$(sort -n <<<"$output" | head -n 500)" "$(seq 1 500)"
	(( ${#lines[@]} < 600 ))
}

@test "kcons -g with a regex topic reads every matching topic" {
	p=rx$RANDOM$$
	is_mock && { broker_cmd "topic ${p}_a 1" && broker_cmd "topic ${p}_b 2" && broker_cmd "topic other$p 1"; }
	echo a | produce "${p}_a"
	echo b | produce "${p}_b"
	echo other | produce "other$p"
	run timeout 30 kcons -b "$BROKERS" $(group_opts) -g "g_$RANDOM$$" -e "^${p}_.*"
	assert_success
	assert_equal "$(sort <<<"$output")" $'a\nb'
}

@test "kcons -g fails on an unknown topic, naming it" {
	t=nosuch_$$_$RANDOM
	run timeout 30 kcons -b "$BROKERS" -g "g_$RANDOM$$" -e "$t"
	assert_failure 1
	assert_output "kcons: $t: no such topic"
}
