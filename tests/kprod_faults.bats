#!/usr/bin/env bats
# kprod when brokers fail, time out or cannot be reached, and on signals.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	exec 4>&- 2>/dev/null || true
	if [ -n "${SMALL_DISK:-}" ]; then
		umount "$SMALL_DISK" || true
	fi
	if [ -n "${KPROD_PID:-}" ] && kill -0 "$KPROD_PID" 2>/dev/null; then
		kill -KILL "$KPROD_PID" 2>/dev/null || true
	fi
	if is_mock; then
		broker_cmd "up all" || true
		broker_cmd "rtt all 0" || true
	fi
}

# Prints every message of topic $1 (from the beginning) with kcat's format $2.
consume() {
	timeout 20 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -f "${2:-%s\n}"
}

# Starts kprod with the given arguments in the background, reading the FIFO
# that fd 4 writes to; its stderr goes to $ERR. Sets KPROD_PID.
start_kprod() {
	local fifo=$BATS_TEST_TMPDIR/in
	ERR=$BATS_TEST_TMPDIR/err
	mkfifo "$fifo"
	kprod "$@" <"$fifo" 2>"$ERR" 3>&- &
	KPROD_PID=$!
	exec 4>"$fifo"
}

# Waits (at most $3 seconds, default 10) until topic $1 holds $2 messages.
wait_count() {
	local n=0
	topic_holds() {
		n=$(consume "$1" '%o\n' | wc -l)
		[ "$n" -ge "$2" ]
	}
	wait_until --every 0.25 "${3:-10}" topic_holds "$1" "$2" && return 0
	echo "wait_count: $1 has $n messages, not $2" >&2
	return 1
}

# Waits (at most $1 seconds) for kprod to exit; sets KPROD_STATUS.
wait_kprod() {
	if ! wait_until "$1" pid_gone "$KPROD_PID"; then
		echo "kprod still running after $1 s" >&2
		return 1
	fi
	KPROD_STATUS=0
	wait "$KPROD_PID" || KPROD_STATUS=$?
}

@test "kprod loses and duplicates nothing when all brokers go down and come back" {
	needs_mock
	local t
	t=$(new_topic 4)
	start_kprod -b "$BROKERS" -t "$t" -K :
	seq 1 1000 | awk '{ print "k" $1 % 13 ":" $1 }' >&4
	wait_count "$t" 1000
	broker_cmd "down all"
	seq 1001 2000 | awk '{ print "k" $1 % 13 ":" $1 }' >&4
	sleep 2
	broker_cmd "up all"
	seq 2001 3000 | awk '{ print "k" $1 % 13 ":" $1 }' >&4
	exec 4>&-
	wait_kprod 30
	assert_equal "$KPROD_STATUS" 0
	consume "$t" '%p %s\n' >"$BATS_TEST_TMPDIR/out"
	run cmp <(cut -d' ' -f2 "$BATS_TEST_TMPDIR/out" | sort -n) <(seq 1 3000)
	assert_success
	run awk '{ if ($2 <= last[$1]) { print "out of order: " $0; exit 1 } last[$1] = $2 }' \
		"$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "kprod writes records undelivered within message.timeout.ms to --failed byte for byte, exit 1" {
	needs_mock
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	start_kprod -b "$BROKERS" -t "$t" -K : -X message.timeout.ms=2000 --failed "$failed"
	printf 'a:1\nb:2\n' >&4
	wait_count "$t" 2
	broker_cmd "down all"
	printf 'c:3 x\t\xff\nnokey\n:empty key\nd:\n' >&4
	exec 4>&-
	wait_kprod 15
	assert_equal "$KPROD_STATUS" 1
	printf 'c:3 x\t\xff\nnokey\n:empty key\nd:\n' >"$BATS_TEST_TMPDIR/want"
	run cmp "$BATS_TEST_TMPDIR/want" "$failed"
	assert_success
	run grep '^kprod: record' "$ERR"
	assert_output "kprod: records 3-6 not delivered: Local: Message timed out"
	run tail -n 1 "$ERR"
	assert_output "kprod: 4 records not delivered, written to $failed"
	broker_cmd "up all"
	run consume "$t" '%k:%s\n'
	assert_output "$(printf 'a:1\nb:2')"
}

@test "kprod exits 3 when no broker can be reached, with every record in --failed" {
	local failed=$BATS_TEST_TMPDIR/failed start=$SECONDS
	printf 'one\ntwo\nthree\n' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 20 kprod -b 127.0.0.1:1 -t x -X message.timeout.ms=2000 \
		--failed "$failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 3
	[ $((SECONDS - start)) -le 8 ]
	run cmp "$BATS_TEST_TMPDIR/in" "$failed"
	assert_success
	[[ "$stderr" == *"kprod: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused"* ]]
	[[ "$stderr" == *"kprod: records 1-3 not delivered: Local: Message timed out"* ]]
	assert_equal "${stderr_lines[-1]}" "kprod: could not reach any broker of 127.0.0.1:1"
}

# Prints the smallest record number whose line is not in file $1,
# the lines being those of make_numbered.
first_missing() {
	cut -c1-5 "$1" | sed 's/^0*//' | sort -n | awk '
		{ if ($1 != i + 1) exit; i = $1 }
		END { print i + 1 }'
}

# Prints N records of 100 bytes, each its number in 5 digits then 95 zeros.
make_numbered() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "%05d%095d\n", i, 0 }'
}

@test "kprod --failed on a full disk holds only whole records, counts and names the rest, exit 4; fed back it stores no torn record" {
	local in=$BATS_TEST_TMPDIR/in d whole lost size t
	d=$(small_disk)
	SMALL_DISK=$d
	make_numbered 10000 >"$in"
	run --separate-stderr timeout 60 kprod -b "127.0.0.1:$(free_port)" -t x \
		-X message.timeout.ms=2000 --failed "$d/failed" <"$in"
	assert_equal "$status" 4
	# Whole records only: a multiple of 101 bytes, each line one of the input's, once.
	size=$(stat -c %s "$d/failed")
	assert_equal $((size % 101)) 0
	whole=$((size / 101))
	[ "$whole" -gt 100 ] # the disk held some
	[ "$whole" -lt 10000 ]
	assert_equal "$(grep -c -x -E '[0-9]{5}0{95}' "$d/failed")" "$whole"
	assert_equal "$(sort -u "$d/failed" | wc -l)" "$whole"
	assert_equal "$(sort "$in" "$d/failed" | uniq -d | wc -l)" "$whole"
	lost=$((10000 - whole))
	[[ "$stderr" == *"kprod: records 1-10000 not delivered: Local: Message timed out"* ]]
	[[ "$stderr" == *"kprod: $d/failed: $lost records neither delivered nor kept (the first: record $(first_missing "$d/failed")); the file holds $whole whole records: No space left on device"* ]]
	# Fed back, the file stores exactly its records, none torn.
	t=$(new_topic)
	run timeout 60 kprod -b "$BROKERS" -t "$t" <"$d/failed"
	assert_success
	run consume "$t"
	assert_equal "${#lines[@]}" "$whole"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$(sort "$d/failed")"
}

@test "records that fail while a record too large to send streams to --failed follow it there, never inside it" {
	local d=$BATS_TEST_TMPDIR failed=$BATS_TEST_TMPDIR/failed
	mkfifo "$d/reports"
	timeout 60 cat "$d/reports" >"$d/reports.txt" &
	start_kprod -b "127.0.0.1:$(free_port)" -t x -X message.timeout.ms=1000 \
		-X message.max.bytes=1000 --reports "$d/reports" --failed "$failed"
	printf 'a\nb\n' >&4
	# 3 MB with no delimiter yet: streamed to --failed in pieces as it comes.
	head -c 3000000 /dev/zero | tr '\0' x >&4
	# a and b time out meanwhile and are reported failed.
	wait_line_matching "$d/reports.txt" '^failed 2 Local: Message timed out$' 30
	{ head -c 500 /dev/zero | tr '\0' y; printf '\nc\n'; } >&4
	exec 4>&-
	wait_kprod 30
	assert_equal "$KPROD_STATUS" 3 # no broker reached: all are in --failed
	run awk '{ print length($0), substr($0, 1, 1), substr($0, length($0)) }' "$failed"
	assert_output "$(printf '3000500 x y\n1 a a\n1 b b\n1 c c')"
}

@test "kprod names an unreachable broker within seconds and keeps retrying; a second signal quits" {
	local failed=$BATS_TEST_TMPDIR/failed
	start_kprod -b 127.0.0.1:1 -t x --failed "$failed"
	printf 'r1\nr2\n' >&4
	wait_until 3 grep -qF 'cannot reach brokers at 127.0.0.1:1; retrying until message.timeout.ms (300000 ms)' "$ERR"
	run grep -c 'kprod: cannot reach brokers at 127.0.0.1:1' "$ERR"
	assert_output 1
	sleep 0.5
	kill -0 "$KPROD_PID" # still retrying
	kill -TERM "$KPROD_PID"
	# A second signal counts once kprod has taken the first (it says so)
	# and a quarter second has passed.
	wait_line_matching "$ERR" '^kprod: stopping' 10
	sleep 0.5
	kill -0 "$KPROD_PID" # the first signal waits for the input's end and deliveries
	kill -TERM "$KPROD_PID"
	wait_kprod 5
	assert_equal "$KPROD_STATUS" 3
	assert_equal "$(cat "$failed")" "$(printf 'r1\nr2')"
}

@test "kprod on SIGTERM reads its input to the end, delivers all of it and exits 0" {
	local t
	t=$(new_topic 2)
	start_kprod -b "$BROKERS" -t "$t"
	seq 1 100 >&4
	wait_count "$t" 100
	kill -TERM "$KPROD_PID"
	# Records already on their way (in the pipe, or written after the signal
	# by a writer finishing up) are not dropped.
	seq 101 200 >&4
	kill -0 "$KPROD_PID"
	exec 4>&-
	wait_kprod 15
	assert_equal "$KPROD_STATUS" 0
	run grep -c '^kprod: stopping: reading standard input to its end (a second signal stops now)$' "$ERR"
	assert_output 1
	run sh -c "timeout 20 kcat -b '$BROKERS' -C -t '$t' -o beginning -e -q | sort -n"
	assert_output "$(seq 1 200)"
}

@test "kprod reading a terminal stops reading at the first signal" {
	local t pid
	t=$(new_topic 1)
	# script(1) gives kprod a terminal for stdin, fed from fd 4.
	mkfifo "$BATS_TEST_TMPDIR/tty"
	timeout 30 script -qfec "kprod -b $BROKERS -t $t" /dev/null <"$BATS_TEST_TMPDIR/tty" \
		>"$BATS_TEST_TMPDIR/typescript" 3>&- &
	exec 4>"$BATS_TEST_TMPDIR/tty"
	printf 'typed\n' >&4
	wait_count "$t" 1
	pid=$(pgrep -x -f "kprod -b $BROKERS -t $t")
	kill -TERM "$pid"
	# It ends without waiting for an end of input a terminal never sends.
	run timeout 10 tail --pid="$pid" -f /dev/null
	assert_success
	run consume "$t"
	assert_output typed
}

@test "on a second signal kprod never writes a record cut short to --failed: it names its bytes, exit 1" {
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	start_kprod -b "$BROKERS" -t "$t" --failed "$failed"
	printf 'whole\npart' >&4
	wait_count "$t" 1
	kill -TERM "$KPROD_PID"
	wait_line_matching "$ERR" '^kprod: stopping' 10
	sleep 0.3
	kill -TERM "$KPROD_PID"
	wait_kprod 15
	assert_equal "$KPROD_STATUS" 1
	assert_equal "$(stat -c %s "$failed")" 0
	run grep '^kprod: ' "$ERR"
	assert_line "kprod: 4 bytes of an unfinished record after record 1 not sent: stopped by a second signal"
	run consume "$t"
	assert_output "whole"
}

@test "after a signal, input that ends inside a record (its writer quit) is named, never produced: exit 1" {
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	start_kprod -b "$BROKERS" -t "$t" --failed "$failed"
	printf 'whole\npart' >&4
	wait_count "$t" 1
	kill -TERM "$KPROD_PID"
	wait_line_matching "$ERR" '^kprod: stopping' 10
	exec 4>&-
	wait_kprod 15
	assert_equal "$KPROD_STATUS" 1
	assert_equal "$(stat -c %s "$failed")" 0
	run grep '^kprod: ' "$ERR"
	assert_line "kprod: 4 bytes of an unfinished record after record 1 not sent: its writer stopped before its delimiter"
	run consume "$t"
	assert_output "whole"
}

@test "with --reports, input that ends inside a record is named, never produced or settled: exit 1" {
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	mkfifo "$d/reports"
	cat "$d/reports" >"$d/lines" 3>&- &
	local reader=$!
	run kprod -b "$BROKERS" -t "$t" --reports "$d/reports" < <(printf 'one\n\nthree\nfou')
	assert_equal "$status" 1
	assert_line "kprod: 3 bytes of an unfinished record after record 3 not sent: its writer stopped before its delimiter"
	timeout 10 tail --pid="$reader" -f /dev/null
	# The empty record is stored too: its writer will acknowledge it.
	run cat "$d/lines"
	assert_output $'records 0a\nsettled 3'
	run consume "$t" '%s|\n'
	assert_output $'one|\n|\nthree|'
}

@test "kprod on a second signal stops waiting and writes what is undelivered to --failed" {
	needs_mock
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	start_kprod -v -b "$BROKERS" -t "$t" --failed "$failed"
	printf 'ok1\nok2\n' >&4
	wait_count "$t" 2
	broker_cmd "down all"
	seq -f 'lost-%.0f' 1 50 >&4
	# Its progress line: kprod has read all 52 (a second signal leaves what
	# is still in the pipe unread).
	wait_line_matching "$ERR" '^kprod: 52 records, ' 10
	kill -TERM "$KPROD_PID"
	wait_line_matching "$ERR" '^kprod: stopping' 10
	sleep 0.3
	kill -TERM "$KPROD_PID"
	wait_kprod 7 # message.timeout.ms is 300 s: only the second signal ends it
	assert_equal "$KPROD_STATUS" 1
	assert_equal "$(cat "$failed")" "$(seq -f 'lost-%.0f' 1 50)"
	run grep '^kprod: record' "$ERR"
	assert_output "kprod: records 3-52 not delivered: Local: Purged in queue"
}

@test "a stop that comes after the input ended is announced too: kprod says what it waits for, a second signal quits" {
	needs_mock
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	start_kprod -v -b "$BROKERS" -t "$t" --failed "$failed"
	printf 'ok1\n' >&4
	wait_count "$t" 1
	broker_cmd "down all"
	seq -f 'held-%.0f' 1 20 >&4
	# The writer ends the input before the stop reaches kprod, as wsrecv
	# does when the same stop reaches it first (ws-to-kafka).
	exec 4>&-
	# Two progress lines after the last record: kprod has read to the end
	# and is waiting for deliveries.
	wait_matches "$ERR" 2 15 '^kprod: 21 records, .*, 20 in flight$'
	kill -TERM "$KPROD_PID"
	wait_line_matching "$ERR" '^kprod: stopping' 10
	run grep '^kprod: stopping' "$ERR"
	assert_output "kprod: stopping: waiting for the delivery of 20 records (a second signal stops now)"
	sleep 0.3
	kill -TERM "$KPROD_PID"
	wait_kprod 10
	assert_equal "$KPROD_STATUS" 1
	assert_equal "$(cat "$failed")" "$(seq -f 'held-%.0f' 1 20)"
	run grep '^kprod: record' "$ERR"
	assert_output "kprod: records 2-21 not delivered: Local: Purged in queue"
}
