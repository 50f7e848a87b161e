#!/usr/bin/env bats
# kcons: Kafka -> stdout. Test data is written with kcat -P, so the writer
# is independent of the tool under test.
load helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

@test "kcons prints each value and a newline, in order, and -e exits at the end" {
	t=$(new_topic 1)
	printf 'one\ntwo\nthree\n' | produce "$t"
	run timeout 10 kcons -b "$BROKERS" -e "$t"
	assert_success
	assert_output $'one\ntwo\nthree'
}

@test "kcons -e exits once every partition, empty ones too, has reached its end" {
	t=$(new_topic 4)
	printf 'a\nb\n' | produce "$t" -p 0
	printf 'c\n' | produce "$t" -p 2
	run timeout 10 kcons -b "$BROKERS" -e "$t"
	assert_success
	assert_equal "$(sort <<<"$output")" $'a\nb\nc'
}

@test "kcons -e on a topic of a few messages finishes in well under a second" {
	t=$(new_topic 1)
	printf '1\n2\n3\n4\n5\n' | produce "$t"
	start=$(date +%s%N)
	run timeout 10 kcons -b "$BROKERS" -e "$t"
	end=$(date +%s%N)
	assert_success
	assert_equal "${#lines[@]}" 5
	(( (end - start) / 1000000 < 500 ))
}

@test "kcons -e on a topic created a moment ago waits for its leaders and prints nothing, status 0" {
	# On a real broker the new partitions answer "not leader" for a moment.
	t=$(new_topic 3)
	run timeout 20 kcons -b "$BROKERS" -e "$t"
	assert_success
	assert_output ''
}

@test "kcons takes its brokers from KAFKA_BROKERS when -b is not given" {
	t=$(new_topic 1)
	echo env | produce "$t"
	KAFKA_BROKERS=$BROKERS run timeout 10 kcons -e "$t"
	assert_success
	assert_output env
}

@test "kcons -K prints the key, the delimiter and the value" {
	t=$(new_topic 1)
	printf 'k1:v1\nk2:v2\n:novalkey\n' | produce "$t" -K:
	run timeout 10 kcons -b "$BROKERS" -e -K '\t' "$t"
	assert_success
	assert_output $'k1\tv1\nk2\tv2\n\tnovalkey'
}

@test "kcons -D and -0 end each record with the given delimiter" {
	t=$(new_topic 1)
	printf 'a\nb\n' | produce "$t"
	run bash -c "timeout 10 kcons -b '$BROKERS' -e -D '|\x2a' '$t' | od -An -c | tr -s ' '"
	assert_output ' a | * b | *'
	run bash -c "timeout 10 kcons -b '$BROKERS' -e -0 '$t' | od -An -c | tr -s ' '"
	assert_output ' a \0 b \0'
}

@test "kcons -f formats every token kcat has" {
	t=$(new_topic 2)
	printf 'key:value\n' | produce "$t" -K: -p 1 -H h1=x -H h2=y
	before=$(date +%s%3N)
	run timeout 10 kcons -b "$BROKERS" -e -f '%t|%p|%o|%k|%s|%S|%K|%h|%%|\t|%T\n' "$t"
	assert_success
	IFS='|' read -r -a f <<<"$output"
	assert_equal "${f[*]:0:10}" "$t 1 0 key value 5 3 h1=x,h2=y % "$'\t'
	# The timestamp is the producer's, a little before now.
	(( f[10] > before - 60000 && f[10] <= $(date +%s%3N) ))
}

@test "kcons -f understands \\xHH escapes and refuses unknown ones with exit 2" {
	t=$(new_topic 1)
	printf 'v\n' | produce "$t"
	run timeout 10 kcons -b "$BROKERS" -e -f '[%s]\x21\n' "$t"
	assert_success
	assert_output '[v]!'
	run timeout 10 kcons -b "$BROKERS" -e -f '%s\q' "$t"
	assert_failure 2
	assert_output --partial 'unknown escape \q'
}

@test "kcons -f writes -1 sizes and empty text for a null key or value, -Z writes NULL" {
	t=$(new_topic 1)
	# kcat -Z sends an empty key or value as null.
	printf 'k:\n:v\n' | produce "$t" -K: -Z
	run timeout 10 kcons -b "$BROKERS" -e -f '[%k][%s][%S][%K]\n' "$t"
	assert_success
	assert_output $'[k][][-1][1]\n[][v][1][-1]'
	run timeout 10 kcons -b "$BROKERS" -e -Z -K = "$t"
	assert_output $'k=NULL\nNULL=v'
	run bash -c "timeout 10 kcons -b '$BROKERS' -e -J '$t' | jq -c '[.key, .payload]'"
	assert_output $'["k",null]\n[null,"v"]'
}

@test "kcons -J writes kcat's -J envelope: the same bytes as kcat for text messages" {
	t=$(new_topic 2)
	printf 'k:v\n' | produce "$t" -K: -p 1 -H h=hv -H h=again -H nullv
	printf 'plain\n' | produce "$t" -p 0
	run bash -c "timeout 10 kcons -b '$BROKERS' -e -J '$t' | sort"
	assert_success
	assert_equal "${#lines[@]}" 2
	ts0=$(jq -r .ts <<<"${lines[0]}")
	ts1=$(jq -r .ts <<<"${lines[1]}")
	assert_equal "${lines[0]}" "{\"topic\":\"$t\",\"partition\":0,\"offset\":0,\"tstype\":\"create\",\"ts\":$ts0,\"broker\":1,\"key\":null,\"payload\":\"plain\"}"
	assert_equal "${lines[1]}" "{\"topic\":\"$t\",\"partition\":1,\"offset\":0,\"tstype\":\"create\",\"ts\":$ts1,\"broker\":1,\"headers\":[\"h\",\"hv\",\"h\",\"again\",\"nullv\",null],\"key\":\"k\",\"payload\":\"v\"}"
	(( ts0 > 1600000000000 ))
	# kcat -J writes the very same lines for these messages.
	run bash -c "timeout 10 kcat -b '$BROKERS' -C -e -q -J -t '$t' | sort"
	assert_equal "$output" "$(timeout 10 kcons -b "$BROKERS" -e -J "$t" | sort)"
}

@test "kcons -J keeps binary values and keys byte for byte as payload_b64 and key_b64" {
	t=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	printf 'bin\xff\x00\x01\nmore\x80' >"$dir/m1"
	printf 'text "quoted" \\ and\nnewline \xc3\xa9' >"$dir/m2"
	head -c 3000 /dev/urandom >"$dir/m3"
	# kcat -P sends each file as one message.
	timeout 20 kcat -b "$BROKERS" -P -t "$t" "$dir/m1" "$dir/m2" "$dir/m3"
	timeout 10 kcons -b "$BROKERS" -e -J "$t" >"$dir/out"
	assert_equal "$(wc -l <"$dir/out")" 3
	# Every line is valid JSON.
	run jq -e -s 'length == 3' "$dir/out"
	assert_success
	jq -j -s '.[1].payload' "$dir/out" >"$dir/back2"
	# jq's @base64d works on text; compare the b64 encodings instead for m1 and m3.
	assert_equal "$(jq -r -s '.[0].payload_b64' "$dir/out")" "$(base64 -w0 "$dir/m1")"
	assert_equal "$(jq -r -s '.[2].payload_b64' "$dir/out")" "$(base64 -w0 "$dir/m3")"
	cmp "$dir/m2" "$dir/back2"
	assert_equal "$(jq -r -s '.[1] | has("payload_b64")' "$dir/out")" false
}

@test "kcons -0 passes NUL-free binary values through unchanged" {
	t=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	printf 'a\nb\xfe\xff' >"$dir/m1"
	printf 'second\r\n' >"$dir/m2"
	timeout 20 kcat -b "$BROKERS" -P -t "$t" "$dir/m1" "$dir/m2"
	timeout 10 kcons -b "$BROKERS" -e -0 "$t" >"$dir/out"
	cat "$dir/m1" <(printf '\0') "$dir/m2" <(printf '\0') >"$dir/want"
	cmp "$dir/want" "$dir/out"
}

@test "kcons warns once about values containing the delimiter and counts them in -v" {
	t=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	printf 'two\nlines' >"$dir/m1"
	printf 'ok' >"$dir/m2"
	printf 'x\ny' >"$dir/m3"
	timeout 20 kcat -b "$BROKERS" -P -t "$t" "$dir/m1" "$dir/m2" "$dir/m3"
	timeout 10 kcons -b "$BROKERS" -e -v "$t" >"$dir/out" 2>"$dir/err"
	assert_equal "$(cat "$dir/out")" $'two\nlines\nok\nx\ny'
	assert_equal "$(grep -c 'contains the output delimiter' "$dir/err")" 1
	grep -q "^kcons: $t \[0\] at offset 0: the message contains the output delimiter" "$dir/err"
	grep -q '^kcons: 3 messages, 17 bytes from 1 partitions in .*; 2 contained the output delimiter$' "$dir/err"
	run timeout 10 kcons -b "$BROKERS" -e -q "$t"
	assert_output $'two\nlines\nok\nx\ny'
}

@test "kcons -o picks where each partition starts: beginning, end, N, -N" {
	t=$(new_topic 2)
	seq 1 5 | produce "$t" -p 0
	seq 11 15 | produce "$t" -p 1
	run timeout 10 kcons -b "$BROKERS" -e -o beginning -p 0 "$t"
	assert_output $'1\n2\n3\n4\n5'
	run timeout 10 kcons -b "$BROKERS" -e -o 3 -p 1 "$t"
	assert_output $'14\n15'
	run bash -c "timeout 10 kcons -b '$BROKERS' -e -o -2 '$t' | sort -n"
	assert_output $'4\n5\n14\n15'
	run timeout 10 kcons -b "$BROKERS" -e -o end "$t"
	assert_success
	assert_output ''
}

# Makes topic $1 with old1 old2, then mid1 mid2, then new1, and prints the
# times t1 (between old and mid) and t2 (between mid and new).
produce_in_three_times() {
	local t=$1 t1 t2
	printf 'old1\nold2\n' | produce "$t"
	sleep 0.3
	t1=$(date +%s%3N)
	sleep 0.3
	printf 'mid1\nmid2\n' | produce "$t"
	sleep 0.3
	t2=$(date +%s%3N)
	sleep 0.3
	printf 'new1\n' | produce "$t"
	echo "$t1 $t2"
}

@test "kcons -o e@MS stops each partition at its first message at or after MS" {
	t=$(new_topic 1)
	read -r t1 t2 < <(produce_in_three_times "$t")
	run timeout 10 kcons -b "$BROKERS" -o "e@$t1" "$t"
	assert_success
	assert_output $'old1\nold2'
	run timeout 10 kcons -b "$BROKERS" -o 2 -o "e@$t2" "$t"
	assert_success
	assert_output $'mid1\nmid2'
}

@test "kcons -o s@MS starts at the first message at or after MS" {
	# The test broker answers every offset-by-time query with the end.
	is_test_broker && skip "the test broker cannot look offsets up by timestamp"
	t=$(new_topic 1)
	read -r t1 t2 < <(produce_in_three_times "$t")
	run timeout 10 kcons -b "$BROKERS" -e -o "s@$t1" "$t"
	assert_output $'mid1\nmid2\nnew1'
	run timeout 10 kcons -b "$BROKERS" -o "s@$t1" -o "e@$t2" "$t"
	assert_success
	assert_output $'mid1\nmid2'
}

@test "kcons -p reads only that partition" {
	t=$(new_topic 3)
	echo p0 | produce "$t" -p 0
	echo p1 | produce "$t" -p 1
	echo p2 | produce "$t" -p 2
	run timeout 10 kcons -b "$BROKERS" -e -p 1 "$t"
	assert_output p1
	run timeout 10 kcons -b "$BROKERS" -e -p 3 "$t"
	assert_failure 1
	assert_output "kcons: $t: no partition 3 (the topic has 3)"
}

@test "kcons -c N exits after N messages" {
	t=$(new_topic 1)
	seq 1 100 | produce "$t"
	run timeout 10 kcons -b "$BROKERS" -c 7 "$t"
	assert_success
	assert_output "$(seq 1 7)"
}

@test "kcons reads several topics given as arguments and with -t" {
	t1=$(new_topic 1)
	t2=$(new_topic 1)
	echo from1 | produce "$t1"
	echo from2 | produce "$t2"
	run bash -c "timeout 10 kcons -b '$BROKERS' -e '$t1' -t '$t2' | sort"
	assert_output $'from1\nfrom2'
}

@test "kcons --until-now stops at the end read at start while a producer keeps writing" {
	t=$(new_topic 2)
	seq 1 1000 | produce "$t"
	dir=$BATS_TEST_TMPDIR
	# A producer that keeps writing, ten records a second, until told to
	# stop (after a minute at most: kcons would have timed out by then).
	(for i in $(seq 1001 1600); do
		[ -e "$dir/stop" ] && break
		echo "$i"
		sleep 0.1
	done | timeout 70 kcat -b "$BROKERS" -P -t "$t" -T >/dev/null) 3>&- &
	prod=$!
	# Writing already: the topic holds more than the first thousand.
	more_than_1000() { [ "$(timeout 10 kcat -b "$BROKERS" -C -t "$t" -e -q | wc -l)" -gt 1000 ]; }
	wait_until --every 0.1 10 more_than_1000 || true # the run goes on either way, as it did
	timeout 10 kcons -b "$BROKERS" --until-now "$t" >"$dir/out"
	status=$?
	alive=0
	kill -0 "$prod" 2>/dev/null && alive=1
	touch "$dir/stop"
	wait "$prod" || true
	assert_equal "$status" 0
	assert_equal "$alive" 1
	# Every record present at start, nothing beyond what was there then.
	n=$(wc -l <"$dir/out")
	(( n >= 1000 && n < 1600 ))
	assert_equal "$(sort -n "$dir/out" | head -n 1000)" "$(seq 1 1000)"
}

@test "kcons shows a message produced later within a second (output is not held back)" {
	t=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	echo first | produce "$t"
	timeout 20 kcons -b "$BROKERS" "$t" 2>"$dir/err" | cat >"$dir/out" 3>&- &
	pid=$!
	wait_for_file "$dir/out" 10
	assert_equal "$(cat "$dir/out")" first
	echo later | produce "$t"
	sent=$(date +%s%N)
	wait_lines "$dir/out" 2 2 || true # stopped and checked below
	got=$(date +%s%N)
	pkill -INT -P "$pid" kcons || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	assert_equal "$(cat "$dir/out")" $'first\nlater'
	(( (got - sent) / 1000000 < 1000 ))
}

@test "kcons exits 0 on SIGINT after writing what it consumed" {
	t=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	seq 1 50 | produce "$t"
	timeout 20 kcons -b "$BROKERS" "$t" >"$dir/out" 2>"$dir/err" 3>&- &
	pid=$!
	wait_lines "$dir/out" 50 5 || true # stopped and checked below
	kill -INT "$pid"
	wait "$pid"
	assert_equal "$?" 0
	assert_equal "$(cat "$dir/out")" "$(seq 1 50)"
	assert_equal "$(cat "$dir/err")" ""
}

@test "kcons | head -3 exits 0 quickly with exactly 3 lines" {
	t=$(new_topic 1)
	seq 1 20 | produce "$t"
	start=$(date +%s%N)
	# Without -e: kcons must notice that head went away although no new
	# message arrives.
	run timeout 10 bash -c "set -o pipefail; kcons -b '$BROKERS' '$t' | head -3"
	end=$(date +%s%N)
	assert_success
	assert_output $'1\n2\n3'
	(( (end - start) / 1000000 < 2000 ))
}

@test "kcons fails fast on an unknown topic, naming it, and does not create it" {
	t=nosuch_$$_$RANDOM
	run timeout 10 kcons -b "$BROKERS" -e "$t"
	assert_failure 1
	assert_output "kcons: $t: no such topic"
	run timeout 10 kcat -b "$BROKERS" -L -J
	refute_output --partial "\"$t\""
}

@test "kcons reports unreachable brokers by address within seconds, status 3" {
	start=$(date +%s)
	run timeout 20 kcons -b 127.0.0.1:1 -e topic
	end=$(date +%s)
	assert_failure 3
	assert_output --regexp '^kcons: cannot reach the brokers at 127\.0\.0\.1:1: '
	(( end - start <= 5 ))
}

@test "kcons rejects bad options, delimiters, formats and offsets with status 2" {
	run kcons
	assert_failure 2
	assert_line --index 0 'kcons: no topic given'
	run kcons -o sometime t
	assert_failure 2
	assert_output 'kcons: -o sometime: expected beginning, end, stored, N, -N, s@MS or e@MS'
	run kcons -c 0 t
	assert_failure 2
	run kcons -p x t
	assert_failure 2
	run kcons -D '\q' t
	assert_failure 2
	run kcons -f '%z' t
	assert_failure 2
	assert_output --partial 'kcons: -f: unknown token %z'
	run kcons -J -K : t
	assert_failure 2
	run kcons '^regex.*'
	assert_failure 2
	assert_output 'kcons: ^regex.*: a regex topic needs a group (-g)'
	run kcons -o stored t
	assert_failure 2
	run kcons -g g -p 0 t
	assert_failure 2
	run kcons --no-such-option t
	assert_failure 2
}

@test "kcons rejects an unknown or bad -X property and a missing -F file with status 2" {
	run kcons -b "$BROKERS" -X no.such.property=1 -e t
	assert_failure 2
	assert_output --partial 'kcons: -X no.such.property=1: '
	assert_output --partial 'No such configuration property'
	run kcons -b "$BROKERS" -X fetch.wait.max.ms=notanumber -e t
	assert_failure 2
	run kcons -b "$BROKERS" -F /nonexistent/kcons.conf -e t
	assert_failure 2
	assert_output 'kcons: -F /nonexistent/kcons.conf: /nonexistent/kcons.conf: No such file or directory'
}

@test "kcons -F reads properties from a file" {
	t=$(new_topic 1)
	echo fromfile | produce "$t"
	printf '# comment\n\nbootstrap.servers=%s\n' "$BROKERS" >"$BATS_TEST_TMPDIR/k.conf"
	run timeout 10 kcons -b 127.0.0.1:1 -F "$BATS_TEST_TMPDIR/k.conf" -e "$t"
	assert_success
	assert_output fromfile
}

@test "kcons usage prints the SYNOPSIS of its man page" {
	run kcons -h
	assert_success
	want=$(mandoc -T ascii "$ROOT/man/kcons.1" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
		sed '1d;$d' | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	got=$(sed 's/^usage: //' <<<"$output" | tr -s ' \n' ' ' | sed 's/ $//')
	assert_equal "$got" "$want"
}

@test "kcons man page is lint-clean" {
	run mandoc -T lint -W warning "$ROOT/man/kcons.1"
	assert_success
	assert_output ''
}

@test "kcons reads 100,000 records from 8 partitions, each partition in order" {
	heavy_test
	t=$(new_topic 8)
	dir=$BATS_TEST_TMPDIR
	make_records 100000 "$dir/in"
	for p in $(seq 0 7); do
		awk -v p="$p" 'NR % 8 == p' "$dir/in" | produce "$t" -p "$p"
	done
	timeout 60 kcons -b "$BROKERS" -e -f '%p %s\n' "$t" >"$dir/out"
	assert_equal "$(wc -l <"$dir/out")" 100000
	for p in $(seq 0 7); do
		assert_equal "$(awk -v p="$p" '$1 == p { print $2 }' "$dir/out" | md5sum)" \
			"$(awk -v p="$p" 'NR % 8 == p' "$dir/in" | md5sum)"
	done
}
