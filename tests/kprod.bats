#!/usr/bin/env bats
# kprod: stdin records -> Kafka. kcat is the independent reader.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

# Prints every message of topic $1 (from the beginning) with kcat's format $2.
consume() {
	timeout 20 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -f "${2:-%s\n}"
}

# Prints "partition key" for every message of topic $1, sorted by key.
placement() {
	consume "$1" '%k %p\n' | sort
}

@test "kprod man page is clean under mandoc -T lint" {
	run mandoc -T lint -W warning "$ROOT/man/kprod.1"
	assert_success
	assert_output ""
}

@test "kprod -h prints the man page's SYNOPSIS and exits 0" {
	run kprod -h
	assert_success
	local usage man
	usage=$(echo "$output" | sed 's/^usage: //' | tr -s ' \n' ' ' | sed 's/ $//')
	man=$(mandoc -T ascii "$ROOT/man/kprod.1" | col -bx |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ' |
		sed 's/^ //;s/ $//')
	[ -n "$man" ]
	assert_equal "$usage" "$man"
}

@test "kprod rejects an unknown option with exit 2 and the usage on stderr" {
	run --separate-stderr kprod -y -t x
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "kprod: unknown option -y"
	assert_equal "${stderr_lines[1]}" "usage: kprod -t topic [-0JPqvZ] [-b brokers] [-D delim] [-d contexts] [-F file]"
}

@test "kprod without -t is a usage error (exit 2)" {
	run --separate-stderr kprod -b "$BROKERS"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "kprod: -t topic is required"
}

@test "kprod rejects an unknown -X property with exit 2, naming it" {
	run --separate-stderr kprod -b "$BROKERS" -t x -X no.such.prop=1 </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" 'kprod: -X no.such.prop=1: No such configuration property: "no.such.prop"'
}

@test "kprod rejects a bad -X value and an unknown -z codec with exit 2" {
	run --separate-stderr kprod -b "$BROKERS" -t x -X acks=sometimes </dev/null
	assert_equal "$status" 2
	[[ "$stderr" == "kprod: -X acks=sometimes: "*acks* ]]
	run --separate-stderr kprod -b "$BROKERS" -t x -z nope </dev/null
	assert_equal "$status" 2
	[[ "$stderr" == "kprod: -z nope: "*compression.codec* ]]
}

@test "kprod exits 2, producing nothing, when a file it names cannot be opened: -F, --failed, --reports" {
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -F "$d/nowhere/props" <<<"r1"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "kprod: $d/nowhere/props: No such file or directory"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" --failed "$d/nowhere/failed" <<<"r1"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "kprod: $d/nowhere/failed: No such file or directory"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" --reports "$d/nowhere/reports" <<<"r1"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "kprod: --reports $d/nowhere/reports: No such file or directory"
	run consume "$t"
	assert_output ""
}

@test "kprod -F reads properties, skipping comments, and names file:line of a bad one" {
	local t f=$BATS_TEST_TMPDIR/props
	t=$(new_topic 1)
	printf '# producer settings\n\nlinger.ms=1\n  # indented comment\nclient.id=kprod-test\n' >"$f"
	run kprod -b "$BROKERS" -t "$t" -F "$f" <<<"hello"
	assert_success
	run consume "$t"
	assert_output "hello"
	printf '# ok\nlinger.ms=1\nbogus.property=3\n' >"$f"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -F "$f" </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: $f:3: No such configuration property: \"bogus.property\""
}

@test "kprod produces newline-delimited records in order, exit 0, silent" {
	local t
	t=$(new_topic 1)
	run --separate-stderr kprod -b "$BROKERS" -t "$t" < <(printf 'one\ntwo\nthree\n')
	assert_success
	assert_equal "$stderr" ""
	run consume "$t"
	assert_output "$(printf 'one\ntwo\nthree')"
}

@test "kprod with empty input exits 0 and produces nothing" {
	local t
	t=$(new_topic 1)
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -v </dev/null
	assert_success
	[[ "$stderr" == "kprod: 0 records read, 0 delivered, 0 failed, 0 empty skipped ("*" s)" ]]
	run consume "$t" '%s\n'
	assert_output ""
}

@test "kprod drops the CR of CRLF line endings" {
	local t
	t=$(new_topic 1)
	printf 'a\r\nb\r\nc\rd\r\n' | kprod -b "$BROKERS" -t "$t"
	run consume "$t" '%S:%s|'
	assert_output "1:a|1:b|3:c"$'\r'"d|"
}

@test "kprod produces a last record that has no newline" {
	local t
	t=$(new_topic 1)
	printf 'first\nlast' | kprod -b "$BROKERS" -t "$t"
	run consume "$t" '%S:%s|'
	assert_output "5:first|4:last|"
}

@test "kprod skips and counts empty records, and --keep-empty produces them" {
	local t
	t=$(new_topic 1)
	run --separate-stderr kprod -v -b "$BROKERS" -t "$t" < <(printf 'a\n\n\nb\n\n')
	assert_success
	[[ "$stderr" == "kprod: 5 records read, 2 delivered, 0 failed, 3 empty skipped ("*" s)" ]]
	run consume "$t" '%S:%s|'
	assert_output "1:a|1:b|"
	t=$(new_topic 1)
	run --separate-stderr kprod -v --keep-empty -b "$BROKERS" -t "$t" < <(printf 'a\n\nb\n')
	assert_success
	[[ "$stderr" == "kprod: 3 records read, 3 delivered, 0 failed, 0 empty skipped ("*" s)" ]]
	run consume "$t" '%S:%s|'
	assert_output "1:a|0:|1:b|"
}

@test "kprod -K splits key from value at the first delimiter; no delimiter means no key" {
	local t
	t=$(new_topic 1)
	printf 'k1:v1\nk2:v:2\nnokey\n:empty-key\nk3:\n' | kprod -b "$BROKERS" -t "$t" -K :
	run consume "$t" '%K|%k|%S|%s\n'
	assert_output "$(printf '2|k1|2|v1\n2|k2|3|v:2\n-1||5|nokey\n0||9|empty-key\n2|k3|0|')"
}

@test "kprod -Z sends empty keys and values as NULL" {
	local t
	t=$(new_topic 1)
	printf 'user42:\n:v\n' | kprod -b "$BROKERS" -t "$t" -K : -Z
	run consume "$t" '%K|%k|%S|%s\n'
	assert_output "$(printf '6|user42|-1|\n-1||1|v')"
}

@test "kprod -D takes a multi-byte delimiter with escapes, -K too" {
	local t
	t=$(new_topic 1)
	printf 'a=1||b=2||c\n=3' | kprod -b "$BROKERS" -t "$t" -D '||' -K '\x3d'
	run consume "$t" '%k/%s|'
	assert_output "a/1|b/2|c"$'\n'"/3|"
}

@test "kprod -0 produces NUL-delimited binary records byte for byte" {
	local t
	t=$(new_topic 1)
	printf 'a\nb\0c\xff\x01\0\0last' | kprod -0 -b "$BROKERS" -t "$t" --keep-empty
	consume "$t" '%S:%s|' >"$BATS_TEST_TMPDIR/got"
	printf '3:a\nb|3:c\xff\x01|0:|4:last|' >"$BATS_TEST_TMPDIR/want"
	run cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
}

@test "kprod -p sends every record to the given partition" {
	local t
	t=$(new_topic 4)
	seq 1 20 | kprod -b "$BROKERS" -t "$t" -p 2
	run consume "$t" '%p %s\n'
	assert_output "$(seq 1 20 | sed 's/^/2 /')"
}

@test "kprod -H adds the same headers to every record" {
	local t
	t=$(new_topic 1)
	printf 'x\ny\n' | kprod -b "$BROKERS" -t "$t" -H source=test -H n=a=b
	run consume "$t" '%h|%s\n'
	assert_output "$(printf 'source=test,n=a=b|x\nsource=test,n=a=b|y')"
}

@test "kprod -z gzip produces compressed records that read back unchanged" {
	local t
	t=$(new_topic 1)
	seq 1 1000 | kprod -b "$BROKERS" -t "$t" -z gzip
	run consume "$t"
	assert_output "$(seq 1 1000)"
}

@test "kprod takes its brokers from KAFKA_BROKERS when -b is absent" {
	local t
	t=$(new_topic 1)
	echo via-env | KAFKA_BROKERS=$BROKERS kprod -t "$t"
	run consume "$t"
	assert_output "via-env"
}

@test "kprod puts keys on the same partitions as kcat -P with murmur2_random" {
	local t1 t2 keys=$BATS_TEST_TMPDIR/keys
	t1=$(new_topic 8)
	t2=$(new_topic 8)
	awk 'BEGIN { for (i = 1; i <= 200; i++) printf "key-%d:value-%d\n", i, i }' >"$keys"
	kprod -b "$BROKERS" -t "$t1" -K : <"$keys"
	timeout 20 kcat -b "$BROKERS" -P -t "$t2" -K : -X partitioner=murmur2_random <"$keys"
	placement "$t1" >"$BATS_TEST_TMPDIR/kprod"
	placement "$t2" >"$BATS_TEST_TMPDIR/kcat"
	run wc -l <"$BATS_TEST_TMPDIR/kprod"
	assert_output 200
	# the keys spread over all 8 partitions, and both tools agree on each
	run sh -c "cut -d' ' -f2 '$BATS_TEST_TMPDIR/kprod' | sort -u | wc -l"
	assert_output 8
	run cmp "$BATS_TEST_TMPDIR/kprod" "$BATS_TEST_TMPDIR/kcat"
	assert_success
	# and the same bytes
	run diff <(consume "$t1" '%k:%s\n' | sort) <(consume "$t2" '%k:%s\n' | sort)
	assert_success
}

@test "kprod reports a 10 MB line by record number, delivers the rest, exits 1" {
	local t in=$BATS_TEST_TMPDIR/in failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	{
		echo one
		head -c 10485760 /dev/zero | tr '\0' x
		echo
		echo three
	} >"$in"
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -t "$t" --failed "$failed" <"$in"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kprod: record 2 not delivered: 10485760 bytes, too large for message.max.bytes (1000000)"
	assert_equal "${stderr_lines[1]}" "kprod: 1 records not delivered, written to $failed"
	run consume "$t"
	assert_output "$(printf 'one\nthree')"
	run cmp <(sed -n 2p "$in") "$failed"
	assert_success
}

@test "kprod refuses a record just over message.max.bytes and goes on" {
	local t
	t=$(new_topic 1)
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -X message.max.bytes=1000 \
		< <(echo a; head -c 1500 /dev/zero | tr '\0' y; echo; echo c)
	assert_equal "$status" 1
	assert_equal "$stderr" "kprod: record 2 not delivered: 1500 bytes, too large for message.max.bytes (1000)"
	run consume "$t"
	assert_output "$(printf 'a\nc')"
}

@test "kprod -p beyond the topic's partitions writes every record to --failed, exit 1" {
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 4)
	printf 'a\nb\n' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -t "$t" -p 9 --failed "$failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kprod: records 1-2 not delivered: Local: Unknown partition"
	run cmp "$BATS_TEST_TMPDIR/in" "$failed"
	assert_success
	run consume "$t"
	assert_output ""
}

@test "kprod to a topic the broker limits to fewer bytes delivers its batch-mates: only the record too large is in --failed, exit 1" {
	is_test_broker && skip "the test broker keeps no topic configuration (max.message.bytes)"
	local t failed=$BATS_TEST_TMPDIR/failed in=$BATS_TEST_TMPDIR/in
	t=nosuch_$$_$RANDOM
	timeout 40 "$ROOT/tests/bin/mktopic" -b "$BROKERS" -c max.message.bytes=2000 "$t" 1
	{
		seq -f 'small-%.0f' 1 200
		head -c 3000 /dev/zero | tr '\0' y
		echo
		seq -f 'small-%.0f' 201 400
	} >"$in"
	run --separate-stderr timeout 60 kprod -b "$BROKERS" -t "$t" --failed "$failed" <"$in"
	echo "$stderr"
	assert_equal "$status" 1
	# The broker refuses the whole request holding the large record; kprod
	# produces its records again one at a time, so only that one fails.
	[[ "$stderr" == *"kprod: record 201 not delivered: Broker: Message size too large"* ]]
	assert_equal "$(cat "$failed")" "$(sed -n 201p "$in")"
	run cmp <(timeout 20 kcat -b "$BROKERS" -C -t "$t" -o beginning -e -q | sort) <(sed 201d "$in" | sort)
	assert_success
}

@test "kprod to a topic that does not exist yet: the cluster creates it (Kafka's default) and gets every record" {
	local t=auto_$$_$RANDOM
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -t "$t" < <(printf 'x\ny\n')
	assert_success
	# The cluster's default partition count may put them apart: any order.
	assert_equal "$(consume "$t" | sort)" $'x\ny'
}

@test "kprod --failed is created empty when everything is delivered" {
	local t failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	run kprod -b "$BROKERS" -t "$t" --failed "$failed" <<<"x"
	assert_success
	assert_file_exists "$failed"
	assert_file_empty "$failed"
}

@test "kprod sends a record as soon as its newline arrives (live input)" {
	local t
	t=$(new_topic 1)
	(echo a; sleep 3; echo b) | kprod -b "$BROKERS" -t "$t" 3>&- &
	local pid=$!
	run timeout 1.5 kcat -b "$BROKERS" -C -t "$t" -o beginning -c 1 -q
	local alive=0
	kill -0 "$pid" 2>/dev/null && alive=1
	timeout 10 tail --pid="$pid" -f /dev/null || kill "$pid"
	assert_success
	assert_output "a"
	assert_equal "$alive" 1
	run consume "$t"
	assert_output "$(printf 'a\nb')"
}

@test "kprod -v prints progress and a summary; -q prints nothing on success" {
	local t
	t=$(new_topic 1)
	run --separate-stderr kprod -v -b "$BROKERS" -t "$t" < <(echo a; sleep 1.3; echo b)
	assert_success
	assert_regex "${stderr_lines[0]}" '^kprod: 1 records, 0\.0 MiB, [0-9]+ records/s, [0-9]+ in flight$'
	assert_regex "${stderr_lines[-1]}" '^kprod: 2 records read, 2 delivered, 0 failed, 0 empty skipped \([0-9.]+ s\)$'
	run --separate-stderr kprod -q -b "$BROKERS" -t "$t" <<<"c"
	assert_success
	assert_equal "$stderr" ""
}

@test "kprod delivers 100,000 records with none lost and order kept per partition" {
	heavy_test
	local t in=$BATS_TEST_TMPDIR/in
	t=$(new_topic 4)
	awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "k%d:%d\n", i % 97, i }' >"$in"
	run --separate-stderr timeout 60 kprod -v -b "$BROKERS" -t "$t" -K : <"$in"
	assert_success
	assert_regex "${stderr_lines[-1]}" '^kprod: 100000 records read, 100000 delivered, 0 failed, 0 empty skipped'
	consume "$t" '%p %k %s\n' >"$BATS_TEST_TMPDIR/out"
	run wc -l <"$BATS_TEST_TMPDIR/out"
	assert_output 100000
	# every record once
	run cmp <(cut -d' ' -f3 "$BATS_TEST_TMPDIR/out" | sort -n) <(seq 1 100000)
	assert_success
	# within each partition, in input order
	run awk '{ if ($3 <= last[$1]) { print "out of order: " $0; exit 1 } last[$1] = $3 }' \
		"$BATS_TEST_TMPDIR/out"
	assert_success
	# each key on one partition only
	run sh -c "cut -d' ' -f1,2 '$BATS_TEST_TMPDIR/out' | sort -u | cut -d' ' -f2 | sort | uniq -d"
	assert_output ""
}
