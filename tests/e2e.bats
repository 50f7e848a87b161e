#!/usr/bin/env bats
# The whole pipeline as a user meets it: a browser page, command-line
# WebSocket clients, wsrecv | kprod, and kcons at the other end.

load helpers
load drive_helpers

setup_file() { broker_start; }
teardown_file() { broker_stop; }

# The front door gives up at its first failure: no restart hides one.
FD_OPTS=(-r 0)

teardown() {
	# TERM first: the driver then closes its Chromium.
	if [ -n "${DRIVE_PID:-}" ] && kill -TERM "$DRIVE_PID" 2>/dev/null; then
		timeout 5 tail --pid="$DRIVE_PID" -f /dev/null || kill -KILL "$DRIVE_PID" 2>/dev/null
	fi
	[ -n "${WS_PID:-}" ] && kill -KILL "$WS_PID" 2>/dev/null
	[ -n "${WWW_PID:-}" ] && kill -KILL "$WWW_PID" 2>/dev/null
	[ -z "${FD_PID:-}" ] || front_door_kill "$FD_PID"
	return 0
}

@test "headless Chromium streams the demo page's records into Kafka, byte for byte and in order" {
	t=$(new_topic 1)
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	front_door_start "$t" --www "$ROOT/pipelines/demo" --ack
	drive_start "http://127.0.0.1:$FD_PORT/"
	run drive open
	assert_output "{\"state\":\"open\",\"samples\":$n,\"sent\":0,\"acked\":0,\"pending\":0,\"queued\":0,\"attempts\":0,\"reconnects\":0}"
	drive click stream
	run drive wait acked "$n"
	assert_output "{\"state\":\"open\",\"samples\":$n,\"sent\":$n,\"acked\":$n,\"pending\":0,\"queued\":0,\"attempts\":0,\"reconnects\":0}"
	drive_stop
	front_door_stop
	run timeout 20 kcons -b "$BROKERS" -e "$t"
	assert_success
	assert_output "$(cat "$ROOT/pipelines/demo/samples.jsonl")"
}

@test "the demo page reconnects after wsrecv restarts and resends what was never acknowledged" {
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	port=$(free_port)
	# First a server without --ack: the records arrive but none is acknowledged.
	wsrecv -p "$port" --www "$ROOT/pipelines/demo" >"$BATS_TEST_TMPDIR/out1" 2>/dev/null 3>&- &
	WS_PID=$!
	wait_port "$port"
	drive_start "http://127.0.0.1:$port/"
	drive open
	drive click stream
	run drive wait sent "$n"
	assert_output "{\"state\":\"open\",\"samples\":$n,\"sent\":$n,\"acked\":0,\"pending\":$n,\"queued\":0,\"attempts\":0,\"reconnects\":0}"
	wait_lines "$BATS_TEST_TMPDIR/out1" "$n"
	kill -TERM "$WS_PID"
	wait "$WS_PID"
	# The page sees the close, backs off and reconnects to the new server
	# (7>&-: the server must not hold the driver's command FIFO open).
	wsrecv -p "$port" --www "$ROOT/pipelines/demo" --ack >"$BATS_TEST_TMPDIR/out2" 2>/dev/null 3>&- 7>&- &
	WS_PID=$!
	run drive wait acked "$n"
	assert_output --partial "\"sent\":$n,\"acked\":$n,\"pending\":0,\"queued\":0,"
	assert_output --partial "\"reconnects\":1}"
	drive_stop
	kill -TERM "$WS_PID"
	wait "$WS_PID"
	WS_PID=
	run cat "$BATS_TEST_TMPDIR/out2"
	assert_output "$(cat "$ROOT/pipelines/demo/samples.jsonl")"
}

@test "the demo page queues records while offline, says it could not connect, counts attempts apart from reconnections, and clears a stale notice" {
	local ws_port www_port n
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	# The page from one server; its WebSocket to a port where nothing listens yet.
	wsrecv -p 0 --www "$ROOT/pipelines/demo" >/dev/null 2>"$BATS_TEST_TMPDIR/www.err" 3>&- &
	WWW_PID=$!
	wait_lines "$BATS_TEST_TMPDIR/www.err" 1 10
	www_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/www.err")
	ws_port=$(free_port)
	drive_start "http://127.0.0.1:$www_port/?ws=ws://127.0.0.1:$ws_port/"
	run drive wait attempts 2
	assert_output --partial '"sent":0,"acked":0,"pending":0,"queued":0,"attempts":2,"reconnects":0}'
	run drive until "[...document.querySelectorAll('#log li')].some((li) => li.textContent.includes('could not connect to ws://127.0.0.1:$ws_port/'))"
	assert_output true
	# Offline, a record is queued, not sent.
	drive click send
	run drive wait queued 1
	assert_output --partial '"sent":0,"acked":0,"pending":0,"queued":1,'
	wsrecv -p "$ws_port" --ack >"$BATS_TEST_TMPDIR/out" 2>/dev/null 3>&- 7>&- &
	WS_PID=$!
	run drive wait acked 1
	assert_output --partial '"sent":1,"acked":1,"pending":0,"queued":0,'
	assert_output --partial '"reconnects":0}'
	drive click stream
	run drive wait acked $((n + 1))
	run drive until "document.getElementById('notice').textContent"
	assert_output '"Every record is stored in Kafka."'
	# A new record waits: the notice no longer holds.
	drive click send
	run drive until "document.getElementById('notice').textContent === '' && 'cleared'"
	assert_output '"cleared"'
	run drive wait acked $((n + 2))
	# The server goes and comes back: one reconnection.
	kill -TERM "$WS_PID"
	wait "$WS_PID"
	wsrecv -p "$ws_port" --ack >>"$BATS_TEST_TMPDIR/out" 2>/dev/null 3>&- 7>&- &
	WS_PID=$!
	run drive wait reconnects 1
	assert_output --partial '"state":"open"'
	drive_stop
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out")" $((n + 2))
}

@test "10,000 records from four Node ws clients come out of kcons complete and in order per client" {
	t=$(new_topic 1)
	front_door_start "$t" --ack
	for c in 1 2 3 4; do
		seq -f "{\"client\":$c,\"n\":%.0f}" 1 2500 >"$BATS_TEST_TMPDIR/in$c"
	done
	for c in 1 2 3 4; do
		timeout 60 env NODE_PATH=/usr/share/nodejs node "$ROOT/pipelines/demo/send.js" --ack --timeout 50 \
			"ws://127.0.0.1:$FD_PORT/" "$BATS_TEST_TMPDIR/in$c" 2>"$BATS_TEST_TMPDIR/send$c.err" &
		eval "send$c=\$!"
	done
	for c in 1 2 3 4; do
		eval "wait \$send$c" || { cat "$BATS_TEST_TMPDIR/send$c.err"; false; }
	done
	front_door_stop
	timeout 30 kcons -b "$BROKERS" -e "$t" >"$BATS_TEST_TMPDIR/out"
	run wc -l <"$BATS_TEST_TMPDIR/out"
	assert_output 10000
	for c in 1 2 3 4; do
		grep "^{\"client\":$c," "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/out$c"
		run cmp "$BATS_TEST_TMPDIR/in$c" "$BATS_TEST_TMPDIR/out$c"
		assert_success
	done
}

@test "make demo runs the pipeline, shows the sample records through jq and stops cleanly" {
	is_mock || skip "make demo on a real cluster would append to its test-topic"
	run timeout 120 env DEMO_PORT=0 DEMO_SECONDS=2 make -s -C "$ROOT" demo
	assert_success
	n=$(wc -l <"$ROOT/pipelines/demo/samples.jsonl")
	# jq . pretty-prints: one "movie" line per record.
	assert_line 'demo: exit statuses: ws-to-kafka 0, kcons 0, jq 0'
	run grep -c '^  "movie": ' <<<"$output"
	assert_output "$n"
}
