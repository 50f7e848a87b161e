#!/usr/bin/env bats
# Chaos: the front door (pipelines/ws-to-kafka, Kafka acks) takes messages
# from clients that keep every message until Kafka's ack comes and send it
# again otherwise (tests/clients/chaos.py: Python websockets at its
# defaults; the demo page in headless Chromium for a smaller run), while,
# in turn, kprod is killed (SIGKILL), wsrecv is killed, the front door is
# stopped (SIGTERM) and started again, the broker goes down for less and for
# more than message.timeout.ms, and a kcons -g reading the topic is killed
# and started again. Then: every message a client saw acknowledged is in the
# topic, no record is torn or altered, every message was acknowledged in the
# end, and the duplicates (stored, but their ack lost to the fault) are
# counted per fault. CHAOS_REPORT=FILE writes that table (make bench does).
# On the test broker, and on a real Apache Kafka of its own (one node, killed
# and started again for the broker faults). Release pass only.

load helpers
load drive_helpers

TIMEOUT_MS=6000

# A volume test: skipped test by test (bats 1.8 cannot skip a whole file
# from setup_file), with no broker started for nothing.
setup_file() {
	[ "${SKIP_HEAVY:-0}" != 1 ] || return 0
	if is_mock; then
		broker_start
	else
		kafka_start 1
	fi
}

teardown_file() {
	[ "${SKIP_HEAVY:-0}" != 1 ] || return 0
	if is_mock; then broker_stop; else kafka_stop; fi
}

setup() {
	heavy_test
}

teardown() {
	if [ -n "${DRIVE_PID:-}" ] && kill -TERM "$DRIVE_PID" 2>/dev/null; then
		timeout 5 tail --pid="$DRIVE_PID" -f /dev/null || kill -KILL "$DRIVE_PID" 2>/dev/null
	fi
	stop_all KILL
	return 0
}

# The broker goes away (every broker of the test broker; the one node of
# the real cluster, killed) and comes back.
broker_down() {
	if is_mock; then broker_cmd "down all"; else kafka_kill 1; fi
}
broker_up() {
	if is_mock; then broker_cmd "up all"; else kafka_restart 1; fi
}

# Starts the front door on $PORT; sets FD_PID.
front_door() {
	"$ROOT/pipelines/ws-to-kafka" -t "$T" -b "$BROKERS" -X message.timeout.ms=$TIMEOUT_MS \
		--failed "$D/failed" -- -p "$PORT" --ack --www "$ROOT/pipelines/demo" \
		2>>"$D/front.err" 3>&- &
	FD_PID=$!
	wait_port "$PORT"
}

# Starts kcons -g reading the topic into $D/consumed (appending); sets KC_PID.
consumer() {
	kcons -b "$BROKERS" -g "$G" $(group_opts) -q "$T" >>"$D/consumed" 2>>"$D/kcons.err" 3>&- &
	KC_PID=$!
}

# Stops the front door in order: wsrecv exits 0; kprod exits 0, or 1 when
# it could not deliver some records (the long outage), which the clients
# sent again.
stop_front_door() {
	front_door_stop '0|1' 'wsrecv 0, kprod [01]'
}

# Stops the front door and the consumer (signal $1: TERM drains, KILL not).
stop_all() {
	local sig=${1:-TERM}
	if [ -n "${FD_PID:-}" ]; then
		if [ "$sig" = KILL ]; then
			front_door_kill "$FD_PID"
		else
			kill -"$sig" "$FD_PID" 2>/dev/null
		fi
		timeout 30 tail --pid="$FD_PID" -f /dev/null
		FD_PID=
	fi
	if [ -n "${KC_PID:-}" ]; then
		kill -"$sig" "$KC_PID" 2>/dev/null
		timeout 30 tail --pid="$KC_PID" -f /dev/null
		KC_PID=
	fi
}

# Acked messages of phase $1 so far.
acked() {
	grep -c "^$1-" "$D/acked" 2>/dev/null || true
}

# Runs phase $1: CONNS x COUNT messages from the resending client, 500 a
# second each (three seconds in all); once a third of them are
# acknowledged, runs the fault (the rest of the arguments); then waits until
# the client has every ack.
phase() {
	local p=$1
	shift
	timeout 300 "$PY" "$ROOT/tests/clients/chaos.py" send "ws://127.0.0.1:$PORT/" "$p" \
		"$CONNS" "$COUNT" --acked "$D/acked" --timeout 240 --rate 500 >"$D/$p.client" 2>&1 &
	local client=$!
	third_acked() { [ "$(acked "$p")" -ge $((CONNS * COUNT / 3)) ]; }
	wait_until 30 third_acked || true # the fault comes after 30 s in any case
	"$@"
	wait "$client" || { cat "$D/$p.client" "$D/front.err" >&2; return 1; }
	echo "# $p: $(cat "$D/$p.client")" >&3
}

# Kills the front door's stage $1 with SIGKILL, once it runs (it may be
# restarting after the last fault).
kill_stage() {
	wait_until 10 front_door_signal "$FD_PID" KILL "$1"
}
kill_kprod() { kill_stage kprod; }
kill_wsrecv() { kill_stage wsrecv; }
restart_front_door() {
	stop_front_door
	front_door
}
brief_outage() {
	broker_down
	sleep 2 # less than message.timeout.ms: held, then delivered
	broker_up
}
long_outage() {
	broker_down
	sleep $((TIMEOUT_MS / 1000 + 3)) # past message.timeout.ms: not stored, sent again
	broker_up
}
restart_consumer() {
	kill -KILL "$KC_PID"
	wait "$KC_PID" 2>/dev/null || true
	consumer
}

@test "chaos: nothing acknowledged is lost across kprod and wsrecv killed, a stop, broker outages and a consumer killed" {
	PY=/usr/bin/python3 D=$BATS_TEST_TMPDIR CONNS=5 COUNT=1500
	T=$(new_topic 3)
	G=chaos-$RANDOM
	PORT=$(free_port)
	: >"$D/acked"
	front_door
	consumer
	phase p1 kill_kprod
	phase p2 kill_wsrecv
	phase p3 restart_front_door
	phase p4 brief_outage
	phase p5 long_outage
	phase p6 restart_consumer
	# Everything in the topic, read with kcat (not our tools): every
	# acknowledged message is there, whole, and every message was
	# acknowledged in the end.
	stop_front_door
	timeout 120 kcat -b "$BROKERS" -C -t "$T" -o beginning -e -q >"$D/topic"
	local specs=()
	for p in p1 p2 p3 p4 p5 p6; do specs+=("$p:$CONNS:$COUNT"); done
	# The consumer catches up (it may read again what a fault made it lose
	# track of), then stops.
	wait_until --every 1 90 "$PY" "$ROOT/tests/clients/chaos.py" check "$D/consumed" "$D/acked" "${specs[@]}" >/dev/null ||
		true # checked again below, after the stop
	stop_all TERM
	run "$PY" "$ROOT/tests/clients/chaos.py" check "$D/topic" "$D/acked" "${specs[@]}"
	echo "$output" | sed 's/^/# topic: /' >&3
	assert_success
	assert_equal "$(wc -l <"$D/acked")" $((6 * CONNS * COUNT))
	local topic=$output
	# The consumer group, killed once, still saw every message.
	run "$PY" "$ROOT/tests/clients/chaos.py" check "$D/consumed" "$D/acked" "${specs[@]}"
	echo "$output" | sed 's/^/# kcons -g: /' >&3
	assert_success
	local consumed=$output
	# The faults happened: kprod died, messages were not stored in time.
	grep -q 'ws-to-kafka: kprod exited 137' "$D/front.err"
	grep -q 'ws-to-kafka: wsrecv exited 137' "$D/front.err"
	grep -q 'not delivered: Local: Message timed out' "$D/front.err"
	if [ -n "${CHAOS_REPORT:-}" ]; then
		{
			echo "| fault | messages | duplicates in the topic | duplicates seen by kcons -g |"
			echo "|---|---:|---:|---:|"
			local faults=("kprod killed (SIGKILL)" "wsrecv killed (SIGKILL)" "front door stopped (SIGTERM) and started"
				"broker down 2 s (< message.timeout.ms)" "broker down $((TIMEOUT_MS / 1000 + 3)) s (> message.timeout.ms)"
				"kcons -g killed (SIGKILL) and started")
			local i=0
			for p in p1 p2 p3 p4 p5 p6; do
				echo "| ${faults[i]} | $((CONNS * COUNT)) | $(sed -n "s/^$p messages [0-9]* duplicates //p" <<<"$topic") | $(sed -n "s/^$p messages [0-9]* duplicates //p" <<<"$consumed") |"
				i=$((i + 1))
			done
		} >"$CHAOS_REPORT"
	fi
}

@test "chaos in Chromium: the demo page streams on while kprod and wsrecv are killed; every record is in Kafka and acknowledged" {
	D=$BATS_TEST_TMPDIR
	T=$(new_topic 1)
	PORT=$(free_port)
	local n rounds=6
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	front_door
	drive_start "http://127.0.0.1:$PORT/"
	drive open
	for round in $(seq "$rounds"); do
		drive click stream
		case $round in
		2) kill_kprod ;;
		4) kill_wsrecv ;;
		esac
	done
	run drive wait acked $((rounds * n))
	assert_output --partial "\"acked\":$((rounds * n)),\"pending\":0,\"queued\":0,"
	drive_stop
	stop_front_door
	# Every record is a whole sample, each sample there once per round at
	# least (more where a fault lost an ack).
	timeout 60 kcat -b "$BROKERS" -C -t "$T" -o beginning -e -q >"$D/topic"
	run grep -cvxFf "$ROOT/pipelines/demo/samples.jsonl" "$D/topic"
	assert_output 0
	run sh -c "sort '$D/topic' | uniq -c | awk '\$1 < $rounds' | wc -l"
	assert_output 0
	echo "# demo page: $((rounds * n)) records, $(($(wc -l <"$D/topic") - rounds * n)) duplicates" >&3
	grep -q 'ws-to-kafka: kprod exited 137' "$D/front.err"
	grep -q 'ws-to-kafka: wsrecv exited 137' "$D/front.err"
}
