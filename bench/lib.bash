# Sourced by the benchmarks: the test broker of a run, and the port of a
# WebSocket server.

# Makes the run's scratch folder, $tmp, removed when the script exits,
# after the test broker of bench_broker_start, if one was started, stops.
bench_tmp() {
	tmp=$(mktemp -d)
	bpid=
	trap 'bench_broker_stop; rm -rf "$tmp"' EXIT
}

# Starts a test broker of the run's own with mockbroker's options ($@), its
# control FIFO and output in the caller's $tmp; sets B (bootstrap) and
# bpid (the caller's cleanup stops it). Exits when it does not start. A
# caller may start one again once the last has exited.
bench_broker_start() {
	rm -f "$tmp/ctl" "$tmp/broker.out"
	mkfifo "$tmp/ctl"
	tests/bin/mockbroker -c "$tmp/ctl" "$@" >"$tmp/broker.out" 2>"$tmp/broker.err" 3>&- &
	bpid=$!
	for _ in $(seq 100); do
		[ -s "$tmp/broker.out" ] && break
		sleep 0.05
	done
	B=$(head -n 1 "$tmp/broker.out")
	[ -n "$B" ] || { cat "$tmp/broker.err" >&2; exit 1; }
}

# Stops the broker of bench_broker_start, if one runs, and waits for it to
# exit (for the callers' cleanup).
bench_broker_stop() {
	[ -z "${bpid:-}" ] || kill -TERM "$bpid" 2>/dev/null || true
	[ -z "${bpid:-}" ] || timeout 10 tail --pid="$bpid" -f /dev/null || true
}

# Records produced to topic $1 of broker $B, which has $PARTS partitions:
# the sum of its partitions' end offsets (the test broker drops old data
# past 5 MB a partition, so counting by reading would undercount).
delivered() {
	local args=() p
	for p in $(seq 0 $((PARTS - 1))); do args+=(-t "$1:$p:-1"); done
	timeout 30 kcat -b "$B" -Q "${args[@]}" | awk '{ n += $4 } END { print n + 0 }'
}

# Starts the broker a benchmark that runs on both measures: with $1
# "kafka" a single-node Apache Kafka of its own (bench/kafka.bash; the EXIT
# trap of bench_tmp then stops it too), else a test broker given mockbroker's
# options $2... Sets B, BROKER_NAME and OUT (bench/out/$NAME.md, or
# kafka-$NAME.md on Kafka); defines new_topic T (a fresh topic of $PARTS
# partitions). Call after bench_tmp, with NAME set.
bench_any_broker() {
	if [ "$1" = kafka ]; then
		# shellcheck source=bench/kafka.bash
		. bench/kafka.bash
		trap 'kafka_bench_stop; rm -rf "$tmp"' EXIT
		kafka_bench_start
		BROKER_NAME="a single-node Apache Kafka $KAFKA_VERSION of its own (tests/kafka/cluster)"
		OUT=bench/out/kafka-$NAME.md
		new_topic() { tests/bin/mktopic -b "$B" "$1" "$PARTS"; }
	else
		shift
		bench_broker_start "$@"
		BROKER_NAME="the test broker"
		OUT=bench/out/$NAME.md
		new_topic() { broker_cmd "topic $1 $PARTS"; }
	fi
}

# Sends a command to the broker of bench_broker_start and waits for its
# answer.
broker_cmd() {
	local before
	before=$(wc -l <"$tmp/broker.out")
	echo "$*" >"$tmp/ctl"
	for _ in $(seq 200); do
		[ "$(wc -l <"$tmp/broker.out")" -gt "$before" ] && return 0
		sleep 0.025
	done
	echo "bench: the broker did not answer '$*'" >&2
	return 1
}

# Prints the port the server whose stderr is FILE says it listens on
# ("... listening on 127.0.0.1:PORT"), waiting up to 5 s for the line (the
# server may not even have opened FILE yet); fails, showing FILE, when no
# such line comes.
listening_port() {
	local port
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1" 2>/dev/null) || true
		if [ -n "$port" ]; then
			echo "$port"
			return 0
		fi
		sleep 0.05
	done
	echo "bench: no 'listening on' line from the server in $1:" >&2
	cat "$1" >&2 2>/dev/null
	return 1
}

# Writes $1 values of about 100 bytes (a record number and padding), a
# line each, to file $2.
bench_values() {
	awk -v n="$1" 'BEGIN { pad = sprintf("%80s", ""); gsub(/ /, "x", pad)
		for (i = 1; i <= n; i++) printf "%010d %s\n", i, pad }' >"$2"
}

# Writes the lines of file $1 to file $2 as wsrecv -J writes a browser's
# messages: a receive time and four headers (connection, sequence number,
# peer, path), no key. bench_headers gives kcat and kprod -H the same
# headers, of the same sizes, for $3 records.
bench_wsenv() {
	awk '{ printf "{\"tstype\":\"create\",\"ts\":%.0f,\"headers\":[\"conn\",\"1\",\"seq\",\"%d\",\"peer\",\"127.0.0.1:40001\",\"path\",\"/chat\"],\"key\":null,\"payload\":\"%s\"}\n",
		1764740000000 + int(NR / 100), NR, $0 }' "$1" >"$2"
}
bench_headers() {
	echo "-H conn=1 -H seq=$1 -H peer=127.0.0.1:40001 -H path=/chat"
}
