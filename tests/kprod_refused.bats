#!/usr/bin/env bats
# kprod when the broker refuses a request for one record's fault, and the
# memory kprod holds (--max-buffer).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	if is_mock; then
		broker_cmd "rtt all 0" || true
	fi
}

# Prints every message of topic $1 (from the beginning) with kcat's format $2.
consume() {
	timeout 60 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -f "${2:-%s\n}"
}

# Writes $1 -J envelopes for partition 0 to $2, keys k1.., payloads p1..,
# all stamped $3 except record $4, stamped $5.
envelopes() {
	awk -v n="$1" -v ts="$3" -v bad="$4" -v badts="$5" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"partition\":0,\"ts\":%s,\"key\":\"k%d\",\"payload\":\"p%d\"}\n",
				(i == bad ? badts : ts), i, i
	}' >"$2"
}

@test "kprod -J delivers the 1,999 good envelopes of a batch the broker refused for one record's timestamp: only that one fails, reported refused, exit 1" {
	is_test_broker && skip "the test broker accepts any timestamp (real Kafka refuses one too far ahead)"
	local t in=$BATS_TEST_TMPDIR/in failed=$BATS_TEST_TMPDIR/failed now
	t=t_ts_$$_$RANDOM
	# An hour ahead at most (Kafka 4.x's default, set here for any version).
	timeout 40 "$ROOT/tests/bin/mktopic" -b "$BROKERS" -c message.timestamp.after.max.ms=3600000 "$t" 1
	now=$(($(date +%s) * 1000))
	envelopes 2000 "$in" "$now" 1000 $((now + 2 * 3600 * 1000))
	: >"$BATS_TEST_TMPDIR/reports"
	run --separate-stderr timeout 120 kprod -b "$BROKERS" -t "$t" -J --failed "$failed" \
		--reports "$BATS_TEST_TMPDIR/reports" <"$in"
	echo "$stderr"
	assert_equal "$status" 1
	# Refused for what it is, alone: sent again it would be refused again.
	run grep -v '^settled' "$BATS_TEST_TMPDIR/reports"
	assert_output $'records 0a\nrefused 1000 Broker: Invalid timestamp'
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/reports")" "settled 2000"
	[[ "$stderr" == *"kprod: record 1000 not delivered: Broker: Invalid timestamp"* ]]
	[[ "$stderr" == *"kprod: 1 records not delivered, written to $failed"* ]]
	# --failed holds the envelope exactly as read; the topic every other one,
	# key, value and timestamp unchanged, in order.
	assert_equal "$(cat "$failed")" "$(sed -n 1000p "$in")"
	run cmp <(consume "$t" '%k %T %s\n') \
		<(seq 1 2000 | awk -v ts="$now" '$1 != 1000 { print "k" $1, ts, "p" $1 }')
	assert_success
}

@test "kprod produces again one at a time the records of a request the broker refused for one record's fault, and delivers them all" {
	needs_mock
	local t in=$BATS_TEST_TMPDIR/in failed=$BATS_TEST_TMPDIR/failed
	t=$(new_topic 1)
	seq -f 'record-%.0f' 1 3000 >"$in"
	# The next Produce request (API key 0) is refused: Invalid timestamp (32).
	broker_cmd "errors 0 32 1"
	run --separate-stderr timeout 120 kprod -b "$BROKERS" -t "$t" --failed "$failed" <"$in"
	echo "$stderr"
	assert_success
	[[ "$stderr" == *"refused (Broker: Invalid timestamp): producing them again one at a time"* ]]
	[[ "$stderr" != *"not delivered"* ]]
	assert_file_empty "$failed"
	# Every record once; those of the refused request may come after the
	# requests that were already on their way. Read by count: after such a
	# request kcat -e may see the test broker's partition end too early.
	run cmp <(timeout 60 kcat -b "$BROKERS" -C -t "$t" -o beginning -c 3000 -q | sort) <(sort "$in")
	assert_success
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -t "$t" -o -1 -c 1 -q -f '%o')" 2999
}

@test "kprod --max-buffer bounds its memory: 300 records of 900 KB to a slow broker, every one delivered exactly" {
	heavy_test
	# ASan keeps freed memory and adds shadow pages: RSS means something
	# for the release build only.
	[[ $BIN != */asan/* ]] || skip "memory is measured on the release build"
	local t in=$BATS_TEST_TMPDIR/in rss=$BATS_TEST_TMPDIR/rss
	t=$(new_topic 1)
	local i letters=abcdefghij
	for i in $(seq 300); do
		printf '%d-' "$i"
		head -c 900000 /dev/zero | tr '\0' "${letters:i%10:1}"
		echo
	done >"$in"
	# The broker takes about 100 ms a request: input comes much faster.
	if is_mock; then
		broker_cmd "rtt all 100"
	fi
	run --separate-stderr timeout 300 /usr/bin/time -f '%M' -o "$rss" \
		kprod -b "$BROKERS" -t "$t" --max-buffer 16M <"$in"
	echo "$stderr"
	assert_success
	# 270 MB of input: without a bound kprod held 236 MB of it. With 16M
	# (and up to one read more) plus librdkafka's own it peaked at 24 MB.
	echo "peak RSS $(cat "$rss") KB"
	[ "$(cat "$rss")" -lt 60000 ]
	local n
	n=$(consume "$t" '%o\n' | wc -l)
	if is_test_broker; then
		# It keeps only the last 5 MB of a partition: all 300 were stored
		# (the last offset is 299), the last ones are checked byte for byte.
		assert_equal "$(consume "$t" '%o\n' | tail -n 1)" 299
		assert_equal "$(consume "$t" | md5sum)" "$(tail -n "$n" "$in" | md5sum)"
	else
		assert_equal "$n" 300
		assert_equal "$(consume "$t" | md5sum)" "$(md5sum <"$in")"
	fi
}

@test "kprod --max-buffer takes wsrecv's sizes, 64K to 1T, and refuses others with exit 2" {
	local t
	t=$(new_topic 1)
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -t "$t" --max-buffer 64K <<<"x"
	assert_success
	local bad
	for bad in 63K 2T 10Q ""; do
		run --separate-stderr kprod -b "$BROKERS" -t "$t" --max-buffer "$bad" </dev/null
		assert_equal "$status" 2
		assert_equal "$stderr" "kprod: --max-buffer $bad: not a size from 64K to 1T"
	done
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -t "$t" -o beginning -c 1 -q)" x
}
