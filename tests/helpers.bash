# Loaded by every suite. Starts one test broker per file (or uses the
# cluster in $KAFKA_BROKERS), and gives tests unique topics.
#
#   setup_file()    { broker_start; }        # exports BROKERS
#   teardown_file() { broker_stop; }
#   t=$(new_topic 4)                         # a fresh topic with 4 partitions
#   needs_mock                               # skip on a real cluster
#   broker_cmd "down all"                    # fault injection (mock only)

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# The binaries under test: bin/ by default, build/asan/bin for the ASan run.
BIN=${BIN:-$ROOT/bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export BIN ROOT
export PATH="$BIN:$PATH"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Starts the test broker (args: mockbroker options such as -n 3), unless
# KAFKA_BROKERS names a real cluster. Exports BROKERS.
broker_start() {
	if [ -n "${KAFKA_BROKERS:-}" ]; then
		export BROKERS=$KAFKA_BROKERS
		return 0
	fi
	local dir=$BATS_FILE_TMPDIR
	mkfifo "$dir/broker.ctl"
	"$ROOT/tests/bin/mockbroker" -c "$dir/broker.ctl" "$@" >"$dir/broker.out" 2>"$dir/broker.err" 3>&- &
	echo $! >"$dir/broker.pid"
	wait_for_file "$dir/broker.out" 5 || true # an empty BROKERS below says it
	BROKERS=$(head -n 1 "$dir/broker.out")
	[ -n "$BROKERS" ] || { cat "$dir/broker.err" >&2; return 1; }
	export BROKERS
}

# Stops the test broker started by broker_start.
broker_stop() {
	local pidfile=$BATS_FILE_TMPDIR/broker.pid
	[ -f "$pidfile" ] || return 0
	local pid
	pid=$(cat "$pidfile")
	kill -TERM "$pid" 2>/dev/null || true
	timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

# True when the suite runs on the mock cluster.
is_mock() {
	[ -z "${KAFKA_BROKERS:-}" ]
}

# True when the cluster is a test broker (librdkafka's mock), started by the
# suite or outside it (KAFKA_TEST_CTL): its limits, not a real cluster's, apply.
is_test_broker() {
	is_mock || [ -n "${KAFKA_TEST_CTL:-}" ]
}

# Skips a test that needs the mock cluster's fault injection (all brokers
# down, added latency) on the one cluster the whole pass shares. Real faults
# on a real cluster of its own: tests/kafka_faults.bats.
needs_mock() {
	is_mock || skip "needs the test broker's fault injection (real faults: kafka_faults.bats)"
}

# Options for a consumer group on the test broker, which lets a group that
# comes back rejoin only after the old session timed out, even after a clean
# leave: a short one keeps the tests quick. A real cluster gets none: a
# member that leaves cleanly is replaced at once with default settings.
group_opts() {
	if is_test_broker; then
		echo "-X session.timeout.ms=3000 -X heartbeat.interval.ms=500"
	fi
}

# Sends one control command to the mock cluster and waits for its answer.
broker_cmd() {
	local dir=$BATS_FILE_TMPDIR
	local before
	before=$(wc -l <"$dir/broker.out")
	echo "$*" >"$dir/broker.ctl"
	broker_answered() { [ "$(wc -l <"$dir/broker.out")" -gt "$before" ]; }
	if wait_until --every 0.025 5 broker_answered; then
		tail -n +"$((before + 1))" "$dir/broker.out" | grep -qx "ok $*"
		return
	fi
	echo "broker_cmd: no answer to '$*'" >&2
	return 1
}

# Prints a topic name no other test uses, after creating the topic with
# the given number of partitions (default 1): over the test broker's
# control FIFO, or on a real cluster with the Admin API (tests/bin/mktopic).
# KAFKA_TEST_CTL names the control FIFO of a test broker started outside the
# suites, to run them in their KAFKA_BROKERS mode without a real cluster.
new_topic() {
	local parts=${1:-1}
	local name="t${BATS_SUITE_TEST_NUMBER:-0}_${BATS_TEST_NUMBER:-0}_$$_${RANDOM}"
	if is_mock; then
		broker_cmd "topic $name $parts" >&2 || return 1
	elif [ -n "${KAFKA_TEST_CTL:-}" ]; then
		echo "topic $name $parts" >"$KAFKA_TEST_CTL" && sleep 0.2
	else
		timeout 40 "$ROOT/tests/bin/mktopic" -b "$BROKERS" "$name" "$parts" || return 1
	fi
	echo "$name"
}

# Produces stdin's lines to topic $1 with kcat, a writer independent of
# the tools under test (extra kcat options after the topic).
produce() {
	local t=$1
	shift
	timeout 20 kcat -b "$BROKERS" -P -t "$t" "$@"
}

# Prints a file of N numbered records "record-1" ... "record-N".
make_records() {
	local n=$1 file=$2
	seq -f 'record-%.0f' 1 "$n" >"$file"
}

# Runs the command given until it succeeds, $1 seconds' worth of tries
# 50 ms apart (longer on a busy machine, never shorter); fails when it never
# did. The suites' wait loop: wait on a condition, never a bare sleep.
#   wait_until [--every SECS] SECONDS COMMAND...
# --every spaces the tries SECS apart instead, for a command that costs
# something (a consumer run, an HTTP request).
wait_until() {
	local every=0.05 tries
	if [ "$1" = --every ]; then
		every=$2
		shift 2
		tries=$(awk -v s="$1" -v e="$every" 'BEGIN { t = int(s / e + 0.5); print (t > 0 ? t : 1) }')
	else
		tries=$(($1 * 20))
	fi
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep "$every"
	done
}

# True once process $1 has exited.
pid_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Waits (up to $2 seconds, default 10) until the file $1 has content.
wait_for_file() {
	wait_until "${2:-10}" test -s "$1"
}

# Prints a TCP port that is free right now on 127.0.0.1 (tests/free-port).
free_port() {
	"$ROOT/tests/free-port"
}

# Waits until something accepts connections on 127.0.0.1:$1 (a server
# started with a fixed port, where no "listening" line can be read).
wait_port() {
	wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Waits (at most $3 seconds, default 30) until file $1 has at least $2 lines.
wait_lines() {
	local f=$1 n=$2
	has_lines() { [ -f "$f" ] && [ "$(wc -l <"$f")" -ge "$n" ]; }
	wait_until "${3:-30}" has_lines && return 0
	echo "wait_lines: $f has $(wc -l <"$f" 2>/dev/null || echo no) lines, not $n" >&2
	return 1
}

# Waits (at most $3 seconds) until file $1 has at least $2 lines matching
# the regex $4.
wait_matches() {
	has_matches() { [ "$(grep -cE -- "$4" "$1" 2>/dev/null)" -ge "$2" ]; }
	wait_until "$3" has_matches "$@" && return 0
	echo "wait_matches: $1 has fewer than $2 lines matching $4" >&2
	return 1
}

# Waits until file $1 has a line matching the regex $2, for up to $3
# seconds (default 30).
wait_line_matching() {
	wait_until "${3:-30}" grep -qE -- "$2" "$1" 2>/dev/null && return 0
	echo "wait_line_matching: no line of $1 matches $2" >&2
	return 1
}

# Starts the front door, pipelines/ws-to-kafka -t $1 -b $BROKERS
# [FD_OPTS...] -- -p PORT [$2...], on a free port, in the background, in a
# session of its own with SIGINT handled as in a terminal's job (a
# background job of a script starts with it ignored); its log goes to
# $BATS_TEST_TMPDIR/front.err. Sets FD_PORT and FD_PID (also the id of its
# session and process group). Its folder (FIFOs, --failed) is made in the
# test's, which goes with the test even when teardown kills it.
front_door_start() {
	local topic=$1
	shift
	FD_PORT=$(free_port)
	env --default-signal=INT TMPDIR="$BATS_TEST_TMPDIR" setsid "$ROOT/pipelines/ws-to-kafka" -t "$topic" -b "$BROKERS" \
		${FD_OPTS[@]+"${FD_OPTS[@]}"} -- -p "$FD_PORT" "$@" 2>"$BATS_TEST_TMPDIR/front.err" 3>&- &
	FD_PID=$!
	wait_port "$FD_PORT" || { cat "$BATS_TEST_TMPDIR/front.err" >&2; return 1; }
}

# Stops the front door the way an operator does (SIGTERM to the script) and
# checks how it ended, as front_door_stopped does: by default it and both
# stages exit 0.
front_door_stop() {
	kill -TERM "$FD_PID"
	front_door_stopped "$@"
}

# Waits (at most 60 s) for the front door FD_PID, once something stopped it,
# and checks how it ended: its last log line (first: it names a stage that
# failed) is "ws-to-kafka: stopped (STAGES)", and it exits STATUS. Both
# are extended regexes: front_door_stopped [STATUS [STAGES]], by default
# 0 and "wsrecv 0, kprod 0". Its log is $BATS_TEST_TMPDIR/front.err.
front_door_stopped() {
	local want=${1:-0} stages=${2:-wsrecv 0, kprod 0}
	run timeout 60 tail --pid="$FD_PID" -f /dev/null
	assert_success
	run cat "$BATS_TEST_TMPDIR/front.err"
	assert_line --index -1 --regexp "^ws-to-kafka: stopped \\($stages\\)\$"
	run wait "$FD_PID"
	FD_PID=
	assert_regex "$status" "^($want)\$"
}

# pipelines/ws-to-kafka runs its stages under a watcher subshell, its one
# child: wsrecv and kprod are the children of that.
# Sends signal $2 to stage $3 (wsrecv or kprod) of the ws-to-kafka whose
# pid is $1; fails when the stage does not run (yet).
front_door_signal() {
	local watchers
	watchers=$(pgrep -d, -P "$1") || return 1
	pkill -"$2" -P "$watchers" -x "$3"
}

# SIGKILL to the ws-to-kafka whose pid is $1 and everything under it.
front_door_kill() {
	local watchers
	if watchers=$(pgrep -d, -P "$1"); then
		pkill -KILL -P "$watchers"
		pkill -KILL -P "$1"
	fi
	kill -KILL "$1" 2>/dev/null
	return 0
}

# Marks a volume test (100,000 records and the like): the sanitizer pass,
# which runs everything else a second time, leaves these out.
heavy_test() {
	[ "${SKIP_HEAVY:-0}" != 1 ] || skip "volume test: run in the release pass only"
}

# Real Apache Kafka clusters of the suite's own (tests/kafka/cluster, every
# node a KRaft broker and controller on loopback), whatever KAFKA_BROKERS
# says: for the faults suite and make kafka's tests. Usage:
#   setup_file()    { kafka_start 3; }   # exports KAFKA_DIR, BROKERS, KAFKA_BROKERS
#   teardown_file() { kafka_stop; }      # always: stops every node
#   kafka_leader TOPIC PART; kafka_kill ID [SIGNAL]; kafka_restart ID
kafka_start() {
	export KAFKA_DIR=$BATS_FILE_TMPDIR/kafka
	BROKERS=$(timeout 180 "$ROOT/tests/kafka/cluster" start "$KAFKA_DIR" "$@") || {
		kafka_stop
		return 1
	}
	# The suite's tests then run in their real-cluster mode (is_mock false).
	export BROKERS KAFKA_BROKERS=$BROKERS
}

# Stops the cluster kafka_start started (every node, SIGTERM then SIGKILL).
kafka_stop() {
	[ -n "${KAFKA_DIR:-}" ] || return 0
	timeout 120 "$ROOT/tests/kafka/cluster" stop "$KAFKA_DIR"
}

# Prints the node id leading partition $2 of topic $1.
kafka_leader() {
	"$ROOT/tests/kafka/cluster" leader "$KAFKA_DIR" "$1" "$2"
}

# Stops node $1 with signal $2 (default KILL) and waits until it is gone.
kafka_kill() {
	timeout 60 "$ROOT/tests/kafka/cluster" kill "$KAFKA_DIR" "$@"
}

# Starts node $1 again on its data and waits until the cluster lists it.
kafka_restart() {
	timeout 120 "$ROOT/tests/kafka/cluster" restart "$KAFKA_DIR" "$1"
}

# Runs a Java main class from the Kafka jars (Kafka's console tools):
#   kafka_java org.apache.kafka.tools.ConsoleProducer --bootstrap-server ...
kafka_java() {
	(
		. "$ROOT/tests/kafka/lib.bash"
		kafka_java "$@"
	)
}

# True when the suites run on a real Kafka that tests/run started for them.
is_own_kafka() {
	[ "${KAFKA_OWN:-0}" = 1 ]
}

# Mounts a 64 KiB tmpfs on a new folder and prints its path: a full disk
# to write to. The test sets SMALL_DISK to it; its suite's teardown
# unmounts it (umount "$SMALL_DISK"). Skips without root.
small_disk() {
	local d=$BATS_TEST_TMPDIR/small
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	mkdir "$d"
	mount -t tmpfs -o size=64k tmpfs "$d" || skip "cannot mount a tmpfs"
	echo "$d"
}

# A schema registry of the suite's own (Apicurio Registry on loopback,
# storage in memory, tests/registry/server). Usage:
#   setup_file()    { registry_start; }   # exports REGISTRY_DIR, REGISTRY_URL
#   teardown_file() { registry_stop; }    # always: stops it
registry_start() {
	export REGISTRY_DIR=$BATS_FILE_TMPDIR/registry
	REGISTRY_URL=$(timeout 180 "$ROOT/tests/registry/server" start "$REGISTRY_DIR") || {
		registry_stop
		return 1
	}
	export REGISTRY_URL
}

# Stops the registry registry_start started.
registry_stop() {
	[ -n "${REGISTRY_DIR:-}" ] || return 0
	timeout 60 "$ROOT/tests/registry/server" stop "$REGISTRY_DIR"
}
