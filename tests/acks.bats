#!/usr/bin/env bats
# An acknowledgement means Kafka has it: kprod --reports tells wsrecv
# --ack-from, by record number, what Kafka stored, and wsrecv acks a
# client's message only then. Clients: Python websockets at its defaults.

load helpers
load wsrecv_helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

teardown() {
	[ -n "${WS_PID:-}" ] && kill -KILL "$WS_PID" 2>/dev/null
	[ -n "${KP_PID:-}" ] && kill -KILL "$KP_PID" 2>/dev/null
	[ -n "${FD_PID:-}" ] && kill -KILL -- "-$FD_PID" 2>/dev/null
	if is_mock; then
		broker_cmd "up all" || true
	fi
	return 0
}

# Starts "wsrecv -p 0 --ack --ack-from R ARGS | kprod -t $1 --reports R
# KPROD_ARGS" joined by FIFOs; sets PORT, WS_PID, KP_PID. KPROD_ARGS is an
# array the test may set.
start_pipeline() {
	local t=$1
	shift
	local d=$BATS_TEST_TMPDIR
	mkfifo "$d/ws2k" "$d/reports"
	wsrecv -p 0 --ack --ack-from "$d/reports" "$@" >"$d/ws2k" 2>"$d/wsrecv.err" 3>&- &
	WS_PID=$!
	kprod -b "$BROKERS" -t "$t" --reports "$d/reports" --failed "$d/failed" \
		${KPROD_ARGS[@]+"${KPROD_ARGS[@]}"} <"$d/ws2k" 2>"$d/kprod.err" 3>&- &
	KP_PID=$!
	PORT=
	for _ in $(seq 200); do
		PORT=$(sed -n 's/^wsrecv: listening on .*:\([0-9][0-9]*\)$/\1/p' "$d/wsrecv.err")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	cat "$d/wsrecv.err" >&2
	return 1
}

# SIGTERM to both stages at once, as systemctl stop does; waits for both.
stop_pipeline() {
	kill -TERM "$WS_PID" "$KP_PID"
	WS_STATUS=0 KP_STATUS=0
	timeout 30 tail --pid="$WS_PID" -f /dev/null
	wait "$WS_PID" || WS_STATUS=$?
	timeout 30 tail --pid="$KP_PID" -f /dev/null
	wait "$KP_PID" || KP_STATUS=$?
	WS_PID= KP_PID=
}

healthz() {
	timeout 5 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/healthz" | jq -c '[.ready, .reason]' 2>/dev/null ||
		timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz"
}

@test "kprod --reports: records settled by number, failures before the watermark passes them, down and up" {
	needs_mock
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	mkfifo "$d/reports" "$d/in"
	cat "$d/reports" >"$d/lines" 3>&- &
	local reader=$!
	kprod -b "$BROKERS" -t "$t" --reports "$d/reports" -X message.max.bytes=2000 \
		<"$d/in" 2>"$d/err" 3>&- &
	KP_PID=$!
	exec 4>"$d/in"
	# 1, 2, 3 (empty: skipped, settled), 4 too large, 5.
	printf 'one\ntwo\n\n%s\nfive\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >&4
	wait_lines "$d/lines" 2 20
	run cat "$d/lines"
	assert_line --index 0 'failed 4 3000 bytes, too large for message.max.bytes (2000)'
	assert_equal "$(tail -n 1 "$d/lines")" 'settled 5'
	broker_cmd "down all"
	wait_lines "$d/lines" 3 20
	assert_equal "$(sed -n 3p "$d/lines")" "down cannot reach brokers at $BROKERS"
	printf 'six\n' >&4
	sleep 1
	broker_cmd "up all"
	exec 4>&-
	timeout 30 tail --pid="$KP_PID" -f /dev/null
	run wait "$KP_PID"
	assert_equal "$status" 1 # record 4 was not delivered
	KP_PID=
	timeout 10 tail --pid="$reader" -f /dev/null
	run sed -n '4,$p' "$d/lines"
	assert_output $'up\nsettled 6'
}

@test "an ack means Kafka has it: while the brokers are down nothing is acked, then everything is" {
	needs_mock
	local t
	t=$(new_topic 2)
	start_pipeline "$t"
	run wsclient "ws://127.0.0.1:$PORT/" --prefix before --count 100 --acks
	assert_output "acked 100"
	broker_cmd "down all"
	wsclient "ws://127.0.0.1:$PORT/" --prefix during --count 50 --acks \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	local client=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 20
	sleep 2 # written to kprod long ago: a write ack would have come
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output ""
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_output 503
	broker_cmd "up all"
	wait "$client"
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output "acked 50"
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 0
	run sh -c "timeout 20 kcat -b '$BROKERS' -C -t '$t' -e -q | sort | uniq -c | awk '\$1 != 1' | wc -l"
	assert_output 0
	assert_equal "$(timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q | wc -l)" 150
}

@test "/healthz answers 503 with kprod's reason while no broker can be reached, 200 again after" {
	needs_mock
	local t
	t=$(new_topic 1)
	start_pipeline "$t"
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.ready, .reason]')" '[true,null]'
	broker_cmd "down all"
	for _ in $(seq 100); do
		[ "$(timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 503 ] && break
		sleep 0.1
	done
	run timeout 5 curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | head -n 1 | jq -c '[.ready, .reason]')" \
		"[false,\"kprod: cannot reach brokers at $BROKERS\"]"
	assert_equal "$(echo "$output" | tail -n 1)" 503
	broker_cmd "up all"
	for _ in $(seq 100); do
		[ "$(timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ] && break
		sleep 0.1
	done
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.ready, .reason]')" '[true,null]'
	stop_pipeline
}

@test "a message Kafka does not store is never acked: the acks stop before it, 1013, it is in --failed" {
	needs_mock
	local t
	t=$(new_topic 1)
	KPROD_ARGS=(-X message.timeout.ms=2000)
	start_pipeline "$t"
	run wsclient "ws://127.0.0.1:$PORT/" --prefix ok --count 3 --acks
	assert_output "acked 3"
	broker_cmd "down all"
	run wsclient "ws://127.0.0.1:$PORT/" --prefix lost --count 2 --acks
	assert_output $'acked 0\nclose 1013 message 1 was not stored; send it again'
	broker_cmd "up all"
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 1
	run cat "$BATS_TEST_TMPDIR/failed"
	assert_output $'lost-1-1\nlost-1-2'
	run timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q
	assert_output $'ok-1-1\nok-1-2\nok-1-3'
}

@test "with a wrong broker address nothing is acked and kprod says so within seconds" {
	local t
	t=$(new_topic 1)
	BROKERS=127.0.0.1:1 start_pipeline "$t"
	run wsclient "ws://127.0.0.1:$PORT/" --text one --hold 3
	assert_output "timeout"
	run grep -c '^kprod: cannot reach brokers at 127.0.0.1:1; retrying until message.timeout.ms' \
		"$BATS_TEST_TMPDIR/kprod.err"
	assert_output 1
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_output 503
	# A stop waits for kprod, which holds "one" until message.timeout.ms
	# (5 minutes): wsrecv keeps its client meanwhile, unacknowledged.
	kill -TERM "$WS_PID" "$KP_PID"
	sleep 1
	kill -0 "$WS_PID"
	kill -0 "$KP_PID"
	# A second signal ends both at once: kprod names what it held.
	kill -TERM "$WS_PID" "$KP_PID"
	run timeout 10 tail --pid="$WS_PID" -f /dev/null
	assert_success
	run timeout 10 tail --pid="$KP_PID" -f /dev/null
	assert_success
	run wait "$KP_PID"
	assert_equal "$status" 3 # no broker could be reached
	KP_PID= WS_PID=
	run cat "$BATS_TEST_TMPDIR/failed"
	assert_output one
}

@test "SIGTERM to both stages at once drains in order: what was taken is delivered and acked, both exit 0" {
	local t
	t=$(new_topic 3)
	start_pipeline "$t"
	wsclient "ws://127.0.0.1:$PORT/" --conns 5 --count 4000 --size 100 --acks --hold 30 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	local client=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 30
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 0
	wait "$client" || true
	# Connection 1 was acked for what reached Kafka (all of it was written
	# before the signal), then closed with 1001.
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 4000\nclose 1001 server shutting down'
	run sh -c "timeout 30 kcat -b '$BROKERS' -C -t '$t' -e -q | grep -c '^m-1-'"
	assert_output 4000
	# The others were stopped being read at the signal: what each got into
	# Kafka is its first messages, each once, none torn.
	timeout 30 kcat -b "$BROKERS" -C -t "$t" -e -q | cut -d. -f1 | sort -t- -k2,2n -k3,3n >"$BATS_TEST_TMPDIR/topic"
	run awk -F- '!/^m-[1-5]-[0-9]+$/ || $3 != last[$2] + 1 { bad++ } { last[$2] = $3 }
		END { print bad + 0 }' "$BATS_TEST_TMPDIR/topic"
	assert_output 0
}

@test "SIGKILL of kprod loses nothing that was acked: acked messages are in Kafka" {
	needs_mock
	local t
	t=$(new_topic 1)
	start_pipeline "$t"
	run wsclient "ws://127.0.0.1:$PORT/" --prefix kept --count 500 --acks
	assert_output "acked 500"
	broker_cmd "down all"
	wsclient "ws://127.0.0.1:$PORT/" --prefix held --count 500 --acks \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	local client=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 20
	sleep 0.5
	kill -KILL "$KP_PID"
	wait "$client" || true
	# No ack came for the records kprod held: the client knows to resend.
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 0\nclose 1011 output closed'
	broker_cmd "up all"
	run timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q
	assert_output "$(seq -f 'kept-1-%.0f' 1 500)"
}

# Starts pipelines/ws-to-kafka -t $1 -- -p PORT --ack in a process group of
# its own, with SIGINT handled as in a terminal's job (a background job of a
# script starts with it ignored); sets PORT, FD_PID (also the group's id).
start_front_door() {
	PORT=$(free_port)
	env --default-signal=INT setsid "$ROOT/pipelines/ws-to-kafka" -t "$1" -b "$BROKERS" -- -p "$PORT" --ack \
		2>"$BATS_TEST_TMPDIR/front.err" 3>&- &
	FD_PID=$!
	wait_port "$PORT"
}

# Checks that the front door stopped in order: every stage exited 0, the
# client was acked for all it sent, then closed with 1001, and everything is
# in the topic.
check_orderly_stop() {
	run timeout 60 tail --pid="$FD_PID" -f /dev/null
	assert_success
	run wait "$FD_PID"
	assert_success
	FD_PID=
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/front.err")" "ws-to-kafka: stopped (wsrecv 0, kprod 0)"
	wait "$CLIENT"
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 3000\nclose 1001 server shutting down'
	assert_equal "$(timeout 30 kcat -b "$BROKERS" -C -t "$1" -e -q | grep -c '^m-1-')" 3000
}

@test "Ctrl-C to the front door's process group stops it in order: last acks, 1001, everything in Kafka, all exit 0" {
	local t
	t=$(new_topic 2)
	start_front_door "$t"
	wsclient "ws://127.0.0.1:$PORT/" --count 3000 --size 100 --acks --hold 30 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	CLIENT=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 30
	# What a terminal's Ctrl-C does: SIGINT to ws-to-kafka, wsrecv and kprod.
	kill -INT -- "-$FD_PID"
	check_orderly_stop "$t"
}

@test "SIGTERM to every process of the front door at once (systemctl stop) stops it in order" {
	local t
	t=$(new_topic 2)
	start_front_door "$t"
	wsclient "ws://127.0.0.1:$PORT/" --count 3000 --size 100 --acks --hold 30 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	CLIENT=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 30
	kill -TERM "$FD_PID" $(pgrep -P "$FD_PID" -x wsrecv) $(pgrep -P "$FD_PID" -x kprod)
	check_orderly_stop "$t"
}
