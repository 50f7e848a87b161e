#!/usr/bin/env bats
# The JSON envelope: kcons -J writes it, kprod -J reads it, and a copy made
# with the two is exact. The source topic is built by kafka-python (a client
# that shares no code with librdkafka) and checked by it and by kcat.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

# The independent client (tests/clients/kafkapy.py, kafka-python from tests/deps).
kafkapy() {
	timeout 60 /usr/bin/python3 "$ROOT/tests/clients/kafkapy.py" "$BROKERS" "$@"
}

# kcat -J of topic $1 without the topic name, sorted: kcat's view of a copy.
kcat_view() {
	timeout 20 kcat -b "$BROKERS" -C -e -q -J -t "$1" | sed "s/\"topic\":\"$1\",//" | sort
}

# Fills topic $1 (3 partitions) with every case a copy must keep: kafka-python's
# records, then from kcat a null header value and a record whose key and value
# are both null, which kafka-python cannot send. Prints the record count.
fill_source() {
	local n
	n=$(kafkapy fill "$1") || return 1
	printf 'v\n' | produce "$1" -p 1 -H nullv -H x=y || return 1
	printf ':\n' | produce "$1" -p 2 -Z -K: || return 1
	echo $((n + 2))
}

@test "kcons -J | kprod -J copies a topic exactly: keys, nulls, tombstones, headers, CreateTime, bytes, partitions and offsets" {
	local a b n
	a=$(new_topic 3)
	b=$(new_topic 3)
	n=$(fill_source "$a")
	assert_equal "$n" 43
	run bash -c "timeout 60 kcons -b '$BROKERS' -e -q -J '$a' | timeout 60 kprod -b '$BROKERS' -J -t '$b'"
	assert_success
	assert_output ''
	# Record by record, as kafka-python reads them: partition, offset,
	# timestamp type and value, key, value, headers (hex; None for null).
	kafkapy dump "$a" "$n" >"$BATS_TEST_TMPDIR/a"
	kafkapy dump "$b" "$n" >"$BATS_TEST_TMPDIR/b"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/a")" "$n"
	run diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
	# The cases are really there: a null key, an empty key, a tombstone, an
	# empty value, repeated and binary headers, a null header value, the old
	# CreateTime, a record that is null on both sides.
	run cat "$BATS_TEST_TMPDIR/b"
	assert_line --regexp '^0 0 0 [0-9]+ None 706c61696e'
	assert_line --regexp '^0 1 0 [0-9]+  656d707479206b6579'
	assert_line --regexp '^1 0 0 [0-9]+ 6b2d746f6d6273746f6e65 None \[\]$'
	assert_line --regexp '^1 1 0 [0-9]+ 6b2d656d7074792d76616c7565  \[\]$'
	assert_line --regexp '\[68=31,68=32,62696e=00ff0a,68=33,=656d707479206e616d65\]$'
	assert_line --regexp '\[6e756c6c76=None,78=79\]$'
	assert_line --regexp '^1 2 0 1500000000000 6f6c64 '
	assert_line --regexp '^2 [0-9]+ 0 [0-9]+ None None \[\]$'
	# kcat sees the same messages too.
	assert_equal "$(kcat_view "$b")" "$(kcat_view "$a")"
}

@test "kprod -J --failed copies a topic as exactly as without --failed: the copies kept for --failed change nothing sent" {
	local a b n f=$BATS_TEST_TMPDIR/failed
	a=$(new_topic 3)
	b=$(new_topic 3)
	n=$(fill_source "$a")
	assert_equal "$n" 43
	run bash -c "timeout 60 kcons -b '$BROKERS' -e -q -J '$a' | timeout 60 kprod -b '$BROKERS' -J -t '$b' --failed '$f'"
	assert_success
	assert_output ''
	assert_file_empty "$f"
	kafkapy dump "$a" "$n" >"$BATS_TEST_TMPDIR/a"
	kafkapy dump "$b" "$n" >"$BATS_TEST_TMPDIR/b"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/a")" "$n"
	run diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
}

@test "kprod -J without --failed names undelivered records by number on stderr, exit 3" {
	local t
	t=$(new_topic 2)
	printf '%s\n' '{"partition":1,"ts":1500000000000,"headers":["h","1"],"payload":"a"}' \
		'{"key_b64":"/w==","payload":null}' '{"payload":"c","key":""}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 30 kprod -b 127.0.0.1:1 -J -t "$t" -X message.timeout.ms=1000 <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 3
	assert_output ''
	[[ "$stderr" == *"kprod: records 1-3 not delivered: Local: Message timed out"* ]]
}

@test "kprod -J cannot send CreateTime 0 (librdkafka sends 0 as now): it sends such records with the time of producing, counts them, names the first, exit 5" {
	local a b before after
	a=$(new_topic)
	b=$(new_topic)
	kafkapy send "$a" 0 zero-1 zero-2
	kafkapy send "$a" 1500000000000 old
	kafkapy send "$a" 0 zero-3
	run timeout 20 kcat -b "$BROKERS" -C -t "$a" -o beginning -e -q -f '%T %s\n'
	assert_output "$(printf '0 zero-1\n0 zero-2\n1500000000000 old\n0 zero-3')"
	before=$(date +%s%3N)
	run --separate-stderr bash -c "timeout 60 kcons -b '$BROKERS' -e -q -J '$a' | timeout 60 kprod -b '$BROKERS' -J -t '$b'"
	after=$(date +%s%3N)
	assert_equal "$status" 5
	assert_equal "$stderr" "kprod: 3 records with CreateTime 0 (the first: record 1) sent with the time of producing: librdkafka cannot send 0"
	run timeout 20 kcat -b "$BROKERS" -C -t "$b" -o beginning -e -q -f '%T %s\n'
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[2]}" "1500000000000 old"
	local i ts
	for i in 0 1 3; do
		ts=${lines[i]%% *}
		[ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ]
	done
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f2)" "$(printf 'zero-1\nzero-2\nold\nzero-3')"
}

@test "kprod -J --by-key places records by key, as the murmur2 partitioner does, on a topic with other partitions" {
	local a b ref
	a=$(new_topic 3)
	b=$(new_topic 5)
	ref=$(new_topic 5)
	for i in $(seq 40); do printf 'key%d:value %d\n' $((i % 9)) "$i"; done >"$BATS_TEST_TMPDIR/in"
	produce "$a" -K : -p 0 <"$BATS_TEST_TMPDIR/in"
	produce "$ref" -K : -X partitioner=murmur2_random <"$BATS_TEST_TMPDIR/in"
	run bash -c "timeout 60 kcons -b '$BROKERS' -e -q -J '$a' | timeout 60 kprod -b '$BROKERS' -J --by-key -t '$b'"
	assert_success
	want=$(timeout 20 kcat -b "$BROKERS" -C -e -q -t "$ref" -f '%p %k %s\n' | sort)
	assert_equal "$(wc -l <<<"$want")" 40
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -e -q -t "$b" -f '%p %k %s\n' | sort)" "$want"
}

@test "kprod -J refuses a malformed or cut-off envelope by record number, writes it to --failed as read, delivers the rest, exit 1" {
	local t f=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	{
		printf '{"payload":"one"}\n'
		printf 'not json\n'
		printf '{"key":"k","payload":"two\\u00e9"}\r\n'
		printf '\n'
		printf '{"payload":"cut\n'
		printf '{"key":"a","key_b64":"YQ==","payload":""}\n'
		printf '{"payload_b64":"!!"}\n'
		printf '{"headers":["lonely"],"payload":"x"}\n'
		printf '{"payload":"x"} trailing\n'
		printf '{"key":"no payload"}\n'
		printf '{"partition":"0","payload":"x"}\n'
		printf '{"payload":"three","unknown":[1,{"a":null}],"topic":"elsewhere","offset":9}\n'
		printf '{"payload":"last, cut off"'
	} >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr kprod -b "$BROKERS" -J -t "$t" --failed "$f" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	assert_equal "$stderr" "kprod: record 2 not delivered: bad envelope at byte 1: expected '{'
kprod: record 5 not delivered: bad envelope at byte 16 (payload): unterminated string
kprod: record 6 not delivered: bad envelope at byte 22 (key_b64): given twice
kprod: record 7 not delivered: bad envelope at byte 17 (payload_b64): not valid base64
kprod: record 8 not delivered: bad envelope at byte 21 (headers): a header name without a value
kprod: record 9 not delivered: bad envelope at byte 17: text after the closing '}'
kprod: record 10 not delivered: bad envelope: no payload (a tombstone is \"payload\":null)
kprod: record 11 not delivered: bad envelope at byte 14 (partition): expected a value
kprod: record 13 not delivered: bad envelope at byte 27: cut off: no closing '}'
kprod: 9 records not delivered, written to $f"
	# --failed holds those records exactly as read, each with its newline.
	sed -n '2p;5,11p;13p' "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/want"
	printf '\n' >>"$BATS_TEST_TMPDIR/want"
	run cmp "$BATS_TEST_TMPDIR/want" "$f"
	assert_success
	run timeout 20 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%k|%s\n'
	assert_output $'|one\nk|two\303\251\n|three'
}

@test "kprod -J writes an undelivered record to --failed exactly as read, and it produces the same record again" {
	local t f=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 2)
	printf '%s\n' '{"partition":1, "ts":1500000000000,"headers":["h","1","h",null],"payload":"a"}' \
		'{"key_b64":"/w==","payload":null}' '{"payload":"c","key":""}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 30 kprod -b 127.0.0.1:1 -J -t "$t" -X message.timeout.ms=1000 --failed "$f" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 3
	[[ "$stderr" == *"kprod: records 1-3 not delivered: Local: Message timed out"* ]]
	run cmp "$BATS_TEST_TMPDIR/in" "$f"
	assert_success
	run timeout 30 kprod -b "$BROKERS" -J -t "$t" <"$f"
	assert_success
	run bash -c "timeout 20 kcons -b '$BROKERS' -e -J '$t' | jq -c '[.ts, .headers, .key, .key_b64, .payload]' | sort"
	assert_line --index 0 '[1500000000000,["h","1","h",null],null,null,"a"]'
	assert_line --regexp '^\[[0-9]+,null,null,"/w==",null\]$'
	assert_line --regexp '^\[[0-9]+,null,"",null,"c"\]$'
	assert_equal "$(timeout 20 kcons -b "$BROKERS" -e -p 1 -f '%s\n' "$t" | head -n 1)" a
}

@test "kprod -J: a partition the topic lacks fails naming --by-key; -p wins over the envelope's partition" {
	local t f=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 2)
	printf '%s\n' '{"partition":7,"payload":"nowhere"}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -J -t "$t" --failed "$f" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "kprod: record 1 not delivered: the topic has no such partition (--by-key ignores the envelope's)"
	assert_equal "$(cat "$f")" '{"partition":7,"payload":"nowhere"}'
	run timeout 30 kprod -b "$BROKERS" -J -p 1 -t "$t" <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%p %s\n')" '1 nowhere'
}

@test "kprod -J -0 reads NUL-terminated envelopes, as wsrecv -J -0 writes them" {
	local t
	t=$(new_topic 1)
	printf '{"payload":"a\\nb"}\0{"payload":"c"}\0' | timeout 30 kprod -b "$BROKERS" -J -0 -t "$t"
	run bash -c "timeout 20 kcons -b '$BROKERS' -e -J '$t' | jq -c .payload"
	assert_output $'"a\\nb"\n"c"'
}

@test "kprod -J refuses options that the envelope decides, and --by-key without -J, with exit 2" {
	for opt in "-K :" "-k k" "--key-field a" "-H a=b" "-Z" "--keep-empty"; do
		# shellcheck disable=SC2086
		run --separate-stderr kprod -b "$BROKERS" -t x -J $opt </dev/null
		assert_equal "$status" 2
		assert_equal "$stderr" "kprod: -J reads key, headers and nulls from each envelope: not with -K, -k, --key-field, -H, -Z or --keep-empty"
	done
	run --separate-stderr kprod -b "$BROKERS" -t x --by-key </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: --by-key applies to -J envelopes only"
}

@test "kafka-copy copies a topic exactly and keeps partitions; -k places records by key" {
	local a b c n
	a=$(new_topic 3)
	b=$(new_topic 3)
	c=$(new_topic 5)
	n=$(fill_source "$a")
	run timeout 60 "$ROOT/pipelines/kafka-copy" -b "$BROKERS" -s "$a" -d "$b"
	assert_success
	assert_equal "$(kafkapy dump "$b" "$n")" "$(kafkapy dump "$a" "$n")"
	# Five partitions: by key, each key's records on one partition, in order.
	run timeout 60 "$ROOT/pipelines/kafka-copy" -b "$BROKERS" -s "$a" -d "$c" -k
	assert_success
	run bash -c "timeout 20 kcat -b '$BROKERS' -C -e -q -t '$c' -f '%k %p\n' | grep -a '^key-' | sort -u | cut -d' ' -f1 | uniq -d"
	assert_output ''
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -e -q -t "$c" -f '%o\n' | wc -l)" "$n"
}
