#!/usr/bin/env bats
# kcat habits and small promises: -P, -k, -L, -V, --help, -X list, -d; closed
# standard descriptors; offsets past the end; --failed with -K -Z;
# transactional.id and acks; the man pages' examples.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { broker_start; }
teardown_file() { broker_stop; }

@test "kprod -P is accepted as kcons accepts -C, and -k gives every record one key" {
	local t
	t=$(new_topic 4)
	printf 'a\nb\nc\n' | timeout 30 kprod -P -b "$BROKERS" -t "$t" -k user42
	run timeout 10 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%p %k %s\n'
	assert_equal "$(cut -d' ' -f2- <<<"$output")" $'user42 a\nuser42 b\nuser42 c'
	assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u | wc -l)" 1
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -k a -K : </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: -K, -k and --key-field each set the key: give one of them"
}

@test "kprod --key-field keys the demo's movie/actor records by actor, values unchanged, one record per line" {
	local t n
	t=$(new_topic 4)
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	{ cat "$ROOT/pipelines/demo/samples.jsonl"; printf '%s\n' 'not json' '{"actor":7}' '{"actor":null}' '{"x":{"actor":"nested"}}'; } >"$BATS_TEST_TMPDIR/in"
	run timeout 30 kprod -b "$BROKERS" -t "$t" --key-field actor <"$BATS_TEST_TMPDIR/in"
	assert_success
	# What jq says each key is (null when absent or null), next to each value.
	jq -R -r '(try (fromjson | .actor) catch null) as $k | "\(if $k == null then "" else $k end)\t\(.)"' \
		"$BATS_TEST_TMPDIR/in" | sort >"$BATS_TEST_TMPDIR/want"
	timeout 10 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%k\t%s\n' | sort >"$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/got")" $((n + 4))
	# Null keys are null, not empty.
	assert_equal "$(timeout 10 kcat -b "$BROKERS" -C -e -q -t "$t" -f '%K\n' | grep -c -- '^-1$')" 3
	# One actor, one partition.
	run bash -c "timeout 10 kcat -b '$BROKERS' -C -e -q -t '$t' -f '%k %p\n' | grep -v '^ ' | sort -u | cut -d' ' -f1 | uniq -d"
	assert_output ''
}

@test "kprod -L and kcons -L list brokers, topics, partitions and leaders as kcat -L does" {
	local t
	t=$(new_topic 3)
	run timeout 20 kprod -L -b "$BROKERS" -t "$t"
	assert_success
	assert_line --index 0 --regexp "^Metadata for $t \(from broker [0-9]+: .*\):$"
	assert_line --index 1 --regexp '^ [0-9]+ brokers:$'
	assert_line " 1 topics:"
	assert_line "  topic \"$t\" with 3 partitions:"
	assert_line --regexp '^    partition 2, leader [0-9]+, replicas: [0-9,]+, isrs: [0-9,]+$'
	# The partition lines are kcat's.
	assert_equal "$(grep '^    partition' <<<"$output")" \
		"$(timeout 20 kcat -b "$BROKERS" -L -t "$t" | grep '^    partition')"
	run timeout 20 kcons -L -b "$BROKERS" "$t"
	assert_success
	assert_line "  topic \"$t\" with 3 partitions:"
	run timeout 20 kcons -L -b "$BROKERS"
	assert_success
	assert_line "  topic \"$t\" with 3 partitions:"
	run --separate-stderr timeout 20 kprod -L -b "$BROKERS" -t no-such-topic-here
	assert_equal "$status" 1
	assert_equal "$stderr" "kprod: no-such-topic-here: no such topic"
	run --separate-stderr timeout 20 kcons -L -b 127.0.0.1:1
	assert_equal "$status" 3
	[[ "$stderr" == "kcons: cannot reach the brokers at 127.0.0.1:1"* ]]
	run --separate-stderr timeout 20 kprod -L -b 127.0.0.1:1
	assert_equal "$status" 3
	[[ "$stderr" == *"kprod: cannot reach the brokers at 127.0.0.1:1"* ]]
}

@test "-V and --version print the tool's version and librdkafka's" {
	local v
	v=$(sed -n 's/^#define TOOLS_VERSION "\(.*\)"$/\1/p' "$ROOT/lib/version.h")
	[ -n "$v" ]
	for tool in kprod kcons; do
		run "$tool" -V
		assert_success
		assert_output "$tool $v (librdkafka $(pkg-config --modversion rdkafka))"
		run "$tool" --version
		assert_output "$tool $v (librdkafka $(pkg-config --modversion rdkafka))"
	done
}

@test "--help prints the synopsis, a line for every option and where the manual is" {
	for tool in kprod kcons; do
		run "$tool" --help
		assert_success
		# The synopsis first, as -h prints it.
		assert_equal "$(sed '/^$/,$d' <<<"$output")" "$("$tool" -h)"
		assert_line "The manual: man $tool (man/$tool.1 in the source)."
		# Every option of the man page has its line.
		for opt in $(mandoc -T ascii "$ROOT/man/$tool.1" | col -b | sed -n '/^DESCRIPTION/,/^EXIT STATUS/p' |
			grep -oE '^     -(-[a-z-]+|[A-Za-z0-9])' | sort -u); do
			grep -qE "^  ([^ ]+, )?$opt([ ,]|$)" <<<"$output" || { echo "--help lacks $opt" >&2; false; }
		done
	done
}

@test "-X list prints librdkafka's properties and exits 0" {
	for tool in kprod kcons; do
		run "$tool" -X list
		assert_success
		assert_line --partial "bootstrap.servers"
		assert_line --partial "enable.idempotence"
	done
}

@test "-d shows librdkafka's debug contexts on stderr, as kcat -d does, in kprod and kcons; an unknown context is a usage error" {
	local t
	t=$(new_topic 1)
	run --separate-stderr bash -c "printf 'a\\n' | timeout 30 kprod -b '$BROKERS' -t '$t' -d msg"
	assert_success
	# The message set's debug lines (level 7), shown even with -q.
	[[ $stderr == *"PRODUCE: "*"$t [0]: Produce MessageSet with 1 message(s)"* ]]
	[[ $stderr == *"MSGSET: "*"$t [0]: MessageSet with 1 message(s) (MsgId 1, BaseSeq 0) delivered"* ]]
	run --separate-stderr bash -c "printf 'b\\n' | timeout 30 kprod -q -b '$BROKERS' -t '$t' -X debug=msg"
	assert_success
	[[ $stderr == *"$t [0]: Produce MessageSet with 1 message(s)"* ]]
	run --separate-stderr timeout 30 kcons -b "$BROKERS" -e -d fetch "$t"
	assert_success
	assert_equal "$output" $'a\nb'
	[[ $stderr == *"librdkafka: FETCH: "*"Fetch topic $t [0] at offset 0"* ]]
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -d nosuch </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" 'kprod: -d nosuch: Invalid value "nosuch" for configuration property "debug"'
}

@test "kprod with stdin closed exits 2 at once instead of reading librdkafka's descriptor; kcons with stdout closed too" {
	# Closed in the command itself: a closed stdin around bats' run would let
	# run's own pipe take descriptor 0.
	run --separate-stderr timeout 10 bash -c "kprod -b '$BROKERS' -t x <&-"
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: stdin is closed: nothing to read"
	run --separate-stderr timeout 10 bash -c "kcons -b '$BROKERS' -e x >&-"
	assert_equal "$status" 2
	assert_equal "$stderr" "kcons: stdout is closed: nowhere to write"
	# Closed stderr is replaced quietly: the work is done.
	t=$(new_topic 1)
	echo quiet | timeout 10 kprod -b "$BROKERS" -t "$t" 2>&-
	assert_equal "$(timeout 10 kcons -b "$BROKERS" -e "$t" 2>&-)" quiet
}

@test "kcons -o past a partition's end says so and starts at the end, as kcat does" {
	local t
	t=$(new_topic 1)
	seq 5 | produce "$t"
	run --separate-stderr timeout 10 kcons -b "$BROKERS" -e -o 100 "$t"
	assert_success
	assert_output ''
	assert_equal "$stderr" "kcons: $t [0]: offset 100 is past the end (5): starting at the end"
	run --separate-stderr timeout 10 kcons -b "$BROKERS" -e -q -o 100 "$t"
	assert_equal "$stderr" ''
	run timeout 10 kcons -b "$BROKERS" -e -o 3 "$t"
	assert_output $'4\n5'
	# With a group too.
	run --separate-stderr timeout 30 kcons -b "$BROKERS" -g "g$RANDOM" $(group_opts) -e -o 100 "$t"
	assert_success
	assert_output ''
	assert_equal "$stderr" "kcons: $t [0]: offset 100 is past the end (5): starting at the end"
}

@test "kprod -K -Z writes undelivered records to --failed as read, ':emptykey' included" {
	local f=$BATS_TEST_TMPDIR/failed
	printf 'k:v\n:emptykey\nnodelim\nk2:\n' >"$BATS_TEST_TMPDIR/in"
	run timeout 30 kprod -b 127.0.0.1:1 -t x -K : -Z -X message.timeout.ms=1000 --failed "$f" <"$BATS_TEST_TMPDIR/in"
	assert_failure 3
	run cmp "$BATS_TEST_TMPDIR/in" "$f"
	assert_success
}

@test "kprod refuses -X transactional.id at start with exit 2, and an explicit acks turns idempotence off, saying so" {
	run --separate-stderr kprod -b "$BROKERS" -t x -X transactional.id=tx1 </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: -X transactional.id: kprod does not produce in transactions (idempotence already keeps each partition free of duplicates)"
	local t
	t=$(new_topic 1)
	run --separate-stderr timeout 30 kprod -b "$BROKERS" -t "$t" -X acks=1 <<<"one"
	assert_equal "$status" 0
	assert_equal "$stderr" "kprod: acks=1: idempotence turned off (it needs acks=all): a broker failure may now lose, duplicate or reorder records"
	assert_equal "$(timeout 10 kcons -b "$BROKERS" -e "$t")" one
	run --separate-stderr timeout 30 kprod -q -b "$BROKERS" -t "$t" -X acks=0 <<<"two"
	assert_equal "$status" 0
	assert_equal "$stderr" ''
}

@test "the man pages' examples paste as they stand: no prompts, and the find example renders whole" {
	for m in kprod kcons wsrecv; do
		run bash -c "mandoc -T ascii '$ROOT/man/$m.1' | col -b | sed -n '/^EXAMPLES/,/^SEE ALSO/p'"
		assert_success
		refute_line --regexp '^[[:space:]]+\$ '
	done
	run bash -c "mandoc -T ascii '$ROOT/man/kprod.1' | col -b"
	assert_line --regexp '^[[:space:]]+find \. -print0 \| kprod -0 -t files -H source=find -z gzip$'
	assert_line --regexp '^[[:space:]]+kprod -t t -K : < file$'
	for m in kprod kcons wsrecv; do
		run mandoc -T lint -W warning "$ROOT/man/$m.1"
		assert_output ''
	done
}
