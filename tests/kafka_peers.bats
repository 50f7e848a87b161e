#!/usr/bin/env bats
# Independent peers on a real Kafka: Kafka's own Java console producer and
# consumer (from the same jars as the broker) and kcat write what our tools
# read and read what they write; bytes, keys, partitions and headers must
# agree. (The kcat-only checks of bytes and headers run in kprod.bats and
# kcons.bats, on this broker too.) Needs a real cluster: tests/run's real
# pass, or KAFKA_BROKERS.

load helpers

setup_file() {
	[ -n "${KAFKA_BROKERS:-}" ] || skip "needs a real Kafka (tests/run's real pass, or KAFKA_BROKERS)"
	broker_start
}

# Kafka's console producer: stdin lines "h1:v1,h2:v2<TAB>key:value".
java_produce() {
	timeout 60 bash -c '. "$1/tests/kafka/lib.bash"; shift; kafka_java "$@"' _ "$ROOT" \
		org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$BROKERS" --topic "$1" \
		--reader-property parse.key=true --reader-property key.separator=: \
		--reader-property parse.headers=true
}

# Kafka's console consumer: the first $2 records of topic $1, each as
# "Partition:P|h1:v1,h2:v2|key|value".
java_consume() {
	timeout 60 bash -c '. "$1/tests/kafka/lib.bash"; shift; kafka_java "$@"' _ "$ROOT" \
		org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BROKERS" --topic "$1" \
		--from-beginning --max-messages "$2" --timeout-ms 30000 \
		--formatter-property print.partition=true --formatter-property print.headers=true \
		--formatter-property print.key=true --formatter-property key.separator='|' \
		2>"$BATS_TEST_TMPDIR/java.err"
}

@test "Kafka's Java console consumer reads kprod's records byte for byte, with keys, headers and partitions" {
	t=$(new_topic 4)
	dir=$BATS_TEST_TMPDIR
	# Values with UTF-8, bytes that are not UTF-8, a tab and a CR inside.
	awk 'BEGIN { for (i = 1; i <= 200; i++) printf "key-%d:value %d \303\251 \377\001\t\r.\n", i, i }' >"$dir/in"
	kprod -b "$BROKERS" -t "$t" -K : -H src=kprod -H n=a=b <"$dir/in"
	java_consume "$t" 200 >"$dir/java"
	grep -q '^Processed a total of 200 messages' "$dir/java.err"
	# Every record once, bytes unchanged, headers in order.
	LC_ALL=C sed 's/^Partition:[0-9]*|//' "$dir/java" | sort >"$dir/got"
	LC_ALL=C sed 's/^/src:kprod,n:a=b|/; s/:/|/3' "$dir/in" | sort >"$dir/want"
	cmp "$dir/want" "$dir/got"
	# Partitions: kcat agrees with the Java consumer on each key's partition.
	LC_ALL=C sed 's/^Partition:\([0-9]*\)|[^|]*|\([^|]*\)|.*/\2 \1/' "$dir/java" | sort >"$dir/java.parts"
	timeout 20 kcat -b "$BROKERS" -C -t "$t" -o beginning -e -q -f '%k %p\n' | sort >"$dir/kcat.parts"
	cmp "$dir/java.parts" "$dir/kcat.parts"
}

@test "kprod puts each key on the partition Kafka's Java console producer chooses" {
	ta=$(new_topic 8)
	tb=$(new_topic 8)
	dir=$BATS_TEST_TMPDIR
	awk 'BEGIN { for (i = 1; i <= 300; i++) printf "user-%d:v%d\n", i, i }' >"$dir/in"
	kprod -b "$BROKERS" -t "$ta" -K : <"$dir/in"
	sed 's/^/h:1\t/' "$dir/in" | java_produce "$tb"
	timeout 20 kcons -b "$BROKERS" -e -f '%k %p\n' "$ta" | sort >"$dir/kprod"
	timeout 20 kcons -b "$BROKERS" -e -f '%k %p\n' "$tb" | sort >"$dir/java"
	assert_equal "$(wc -l <"$dir/kprod")" 300
	# The keys spread over all 8 partitions, and both producers agree on each.
	assert_equal "$(cut -d' ' -f2 "$dir/kprod" | sort -u | wc -l)" 8
	cmp "$dir/java" "$dir/kprod"
}

@test "kcons reads what Kafka's Java console producer wrote: text, keys, headers, per-partition order" {
	t=$(new_topic 3)
	dir=$BATS_TEST_TMPDIR
	# The console producer reads text lines (it would turn bytes that are not
	# UTF-8 into U+FFFD, and split at a CR): UTF-8 text, quotes, backslashes.
	awk 'BEGIN { for (i = 1; i <= 150; i++)
		printf "trace:%d,via:java\tk%d:caf\303\251 \"%d\" \\\\ \342\202\254 end\n", i, i % 7, i }' >"$dir/in"
	java_produce "$t" <"$dir/in"
	timeout 20 kcons -b "$BROKERS" -e -f '%p|%h|%k|%s\n' "$t" >"$dir/out"
	assert_equal "$(wc -l <"$dir/out")" 150
	# The same records (headers as kcat prints them, name=value).
	cut -d'|' -f2- "$dir/out" | sort >"$dir/got"
	sed 's/^trace:\([0-9]*\),via:java\t\([^:]*\):/trace=\1,via=java|\2|/' "$dir/in" | sort >"$dir/want"
	cmp "$dir/want" "$dir/got"
	# One key, one partition; within a partition, in the order produced.
	assert_equal "$(cut -d'|' -f1,3 "$dir/out" | sort -u | cut -d'|' -f2 | sort | uniq -d)" ""
	run awk -F'|' '{ split($2, h, /[=,]/); n = h[2] + 0
		if (n <= last[$1]) { print "out of order: " $0; exit 1 } last[$1] = n }' "$dir/out"
	assert_success
	# -J carries the same headers to jq.
	run bash -c "timeout 20 kcons -b '$BROKERS' -e -J '$t' | jq -r 'select(.key == \"k1\") | .headers as \$h | [range(0; \$h | length; 2) | \$h[.] + \"=\" + \$h[. + 1]] | join(\",\")' | head -n 1"
	assert_output 'trace=1,via=java'
}

@test "kcat -P and kprod write the same bytes that Kafka's Java console consumer prints" {
	ta=$(new_topic 1)
	tb=$(new_topic 1)
	dir=$BATS_TEST_TMPDIR
	# Every byte value but NUL and newline, and a long record.
	awk 'BEGIN { for (c = 1; c < 256; c++) if (c != 10) printf "%c", c; printf "\n"
		for (i = 0; i < 5000; i++) printf "x"; printf "\n" }' >"$dir/in"
	kprod -b "$BROKERS" -t "$ta" <"$dir/in"
	timeout 20 kcat -b "$BROKERS" -P -t "$tb" <"$dir/in"
	java_consume "$ta" 2 | LC_ALL=C sed 's/^Partition:0|NO_HEADERS|null|//' >"$dir/a"
	java_consume "$tb" 2 | LC_ALL=C sed 's/^Partition:0|NO_HEADERS|null|//' >"$dir/b"
	cmp "$dir/in" "$dir/a"
	cmp "$dir/in" "$dir/b"
}
