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
# KPROD_ARGS" joined by FIFOs and waits until kprod has begun its reports;
# sets PORT, WS_PID, KP_PID. KPROD_ARGS is an array the test may set.
start_pipeline() {
	local t=$1
	shift
	local d=$BATS_TEST_TMPDIR
	mkfifo "$d/ws2k" "$d/reports"
	# Read before the background stages may have opened them.
	: >"$d/wsrecv.err"
	: >"$d/kprod.err"
	wsrecv -p 0 --ack --ack-from "$d/reports" "$@" >"$d/ws2k" 2>"$d/wsrecv.err" 3>&- &
	WS_PID=$!
	kprod -b "$BROKERS" -t "$t" --reports "$d/reports" --failed "$d/failed" \
		${KPROD_ARGS[@]+"${KPROD_ARGS[@]}"} <"$d/ws2k" 2>"$d/kprod.err" 3>&- &
	KP_PID=$!
	wait_listening "$d/wsrecv.err" "$WS_PID" || return 1
	wait_until 30 begun
}

# True once kprod's reports have begun (/healthz no longer says they have not).
begun() {
	! timeout 5 curl -s "http://127.0.0.1:$PORT/healthz" | grep -q 'has not begun'
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

@test "kprod --reports: records settled by number, refusals before the watermark passes them, down and up" {
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
	# 1, 2, 3 (empty: stored, as --reports implies --keep-empty), 4 too large, 5.
	printf 'one\ntwo\n\n%s\nfive\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >&4
	wait_lines "$d/lines" 3 20
	run cat "$d/lines"
	# First the delimiter kprod splits records at: its reader checks it.
	assert_line --index 0 'records 0a'
	# Too large: sent again it gets the same answer, so "refused", not "failed".
	assert_line --index 1 'refused 4 3000 bytes, too large for message.max.bytes (2000)'
	assert_equal "$(tail -n 1 "$d/lines")" 'settled 5'
	broker_cmd "down all"
	wait_lines "$d/lines" 4 20
	assert_equal "$(sed -n 4p "$d/lines")" "down cannot reach brokers at $BROKERS"
	printf 'six\n' >&4
	sleep 1
	broker_cmd "up all"
	exec 4>&-
	timeout 30 tail --pid="$KP_PID" -f /dev/null
	run wait "$KP_PID"
	assert_equal "$status" 1 # record 4 was not delivered
	KP_PID=
	timeout 10 tail --pid="$reader" -f /dev/null
	run sed -n '5,$p' "$d/lines"
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
	wait_healthz '.messages == 150'
	# Written to kprod: a write ack would come within milliseconds. The
	# window in which none may come:
	sleep 1
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

@test "/healthz answers 503 until kprod begins its delivery reports, then 200" {
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 2)
	mkfifo "$d/reports" "$d/in"
	wsrecv -p 0 --ack --ack-from "$d/reports" >"$d/out" 2>"$d/wsrecv.err" 3>&- &
	WS_PID=$!
	wait_listening "$d/wsrecv.err" "$WS_PID"
	run timeout 5 curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(head -n 1 <<<"$output" | jq -c '[.ready, .reason]')" \
		'[false,"kprod has not begun its delivery reports (it waits until the topic'"'"'s partitions take records)"]'
	assert_equal "$(tail -n 1 <<<"$output")" 503
	kprod -b "$BROKERS" -t "$t" --reports "$d/reports" <"$d/in" 2>"$d/kprod.err" 3>&- &
	KP_PID=$!
	exec 4>"$d/in"
	wait_until 30 begun
	run timeout 5 curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(head -n 1 <<<"$output" | jq -c '[.ready, .reason]')" '[true,null]'
	assert_equal "$(tail -n 1 <<<"$output")" 200
	exec 4>&-
	run timeout 30 tail --pid="$KP_PID" -f /dev/null
	assert_success
	KP_PID=
	kill -TERM "$WS_PID"
	run timeout 30 tail --pid="$WS_PID" -f /dev/null
	assert_success
	WS_PID=
}

@test "/healthz answers 503 with kprod's reason while no broker can be reached, 200 again after" {
	needs_mock
	local t
	t=$(new_topic 1)
	start_pipeline "$t"
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.ready, .reason]')" '[true,null]'
	broker_cmd "down all"
	wait_until --every 0.1 10 healthz_answers 503
	run timeout 5 curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | head -n 1 | jq -c '[.ready, .reason]')" \
		"[false,\"kprod: cannot reach brokers at $BROKERS\"]"
	assert_equal "$(echo "$output" | tail -n 1)" 503
	broker_cmd "up all"
	wait_until --every 0.1 10 healthz_answers 200
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.ready, .reason]')" '[true,null]'
	stop_pipeline
}

@test "/healthz answers 503 while kprod is stopped (SIGSTOP) under traffic, once an ack is owed past --ack-wait, and 200 when acks flow again" {
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 2)
	start_pipeline "$t" --ack-wait 2
	run healthz
	assert_output $'[true,null]\n200'
	wsclient "ws://127.0.0.1:$PORT/" --prefix before --count 20000 --acks >"$d/client1" &
	local client1=$!
	wait_healthz '.messages >= 2000'
	kill -STOP "$KP_PID"
	local stopped=$SECONDS
	# Sent while kprod is stopped: an ack owed whatever client 1 got.
	wsclient "ws://127.0.0.1:$PORT/" --prefix during --count 100 --acks >"$d/client2" &
	local client2=$!
	wait_until --every 0.1 30 healthz_answers 503
	# Within --ack-wait and slack for a busy machine.
	(( SECONDS - stopped <= 12 ))
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(jq .ready <<<"$output")" false
	[[ $(jq -r .reason <<<"$output") =~ ^no\ acknowledgement\ for\ [0-9]+\.[0-9]\ s:\ the\ oldest\ message\ not\ yet\ acknowledged\ has\ waited\ over\ --ack-wait\ 2$ ]]
	# Nothing was acked meanwhile, so nothing is lost by waiting.
	run cat "$d/client2"
	assert_output ""
	kill -CONT "$KP_PID"
	wait_healthz '.ready == true' 30
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz"
	assert_output 200
	wait "$client1"
	wait "$client2"
	run cat "$d/client1" "$d/client2"
	assert_output $'acked 20000\nacked 100'
	run grep -c '^wsrecv: not ready: a message has waited over --ack-wait 2 s for its acknowledgement$' "$d/wsrecv.err"
	assert_output 1
	run grep -c '^wsrecv: ready again: acknowledgements flow$' "$d/wsrecv.err"
	assert_output 1
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 0
	# Every acked message is in Kafka, once.
	timeout 30 kcat -b "$BROKERS" -C -t "$t" -e -q | sort >"$d/topic"
	assert_equal "$(uniq -d "$d/topic" | wc -l)" 0
	assert_equal "$(grep -c '^before-1-[0-9]*$' "$d/topic")" 20000
	assert_equal "$(grep -c '^during-1-[0-9]*$' "$d/topic")" 100
	assert_equal "$(wc -l <"$d/topic")" 20100
}

@test "--ack-wait 0 turns the check off: a stopped kprod keeps /healthz at 200" {
	local t d=$BATS_TEST_TMPDIR
	t=$(new_topic 1)
	start_pipeline "$t" --ack-wait 0
	kill -STOP "$KP_PID"
	wsclient "ws://127.0.0.1:$PORT/" --prefix held --count 10 --acks >"$d/client" &
	local client=$!
	wait_healthz '.messages == 10'
	# Past the 10 s default, with margin: still ready.
	sleep 12
	run healthz
	assert_output $'[true,null]\n200'
	kill -CONT "$KP_PID"
	wait "$client"
	run cat "$d/client"
	assert_output "acked 10"
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 0
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

@test "a message Kafka refuses for what it is (too large) is told to its client as refused, never acked as stored, and the later ones are acked on the same connection" {
	local t big
	t=$(new_topic 1)
	big=$(head -c 3000 /dev/zero | tr '\0' x)
	KPROD_ARGS=(-X message.max.bytes=2000)
	start_pipeline "$t"
	# Twelve of them in a row: more than the connection first keeps room for.
	local texts=(--text one) i want=
	for i in $(seq 2 13); do
		texts+=(--text "$big")
		want+="refused $i 3000 bytes, too large for message.max.bytes (2000)"$'\n'
	done
	run wsclient "ws://127.0.0.1:$PORT/" "${texts[@]}" --text three --prefix more --count 2 --acks
	assert_output "${want}acked 16"
	stop_pipeline
	assert_equal "$WS_STATUS" 0
	assert_equal "$KP_STATUS" 1 # a record was not delivered
	run grep -c . "$BATS_TEST_TMPDIR/failed"
	assert_output 12
	run sort -u "$BATS_TEST_TMPDIR/failed"
	assert_output "$big"
	run timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q
	assert_output $'one\nthree\nmore-1-1\nmore-1-2'
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
	# A second signal counts once each has taken the first (each says so).
	wait_line_matching "$BATS_TEST_TMPDIR/wsrecv.err" '^wsrecv: stopping' 10
	wait_line_matching "$BATS_TEST_TMPDIR/kprod.err" '^kprod: stopping' 10
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
	# Connection 1 sent everything before the signal, but wsrecv may not
	# have taken it all yet (the pipe to kprod fills on a slower broker):
	# it was acked for exactly what it took, every one of which is in
	# Kafka, then closed with 1001.
	run cat "$BATS_TEST_TMPDIR/client"
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 'close 1001 server shutting down'
	[[ ${lines[0]} =~ ^acked\ ([0-9]+)$ ]]
	local acked=${BASH_REMATCH[1]}
	((acked > 0))
	run sh -c "timeout 30 kcat -b '$BROKERS' -C -t '$t' -e -q | grep -c '^m-1-'"
	assert_output "$acked"
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
	wait_healthz '.messages == 1000'
	kill -KILL "$KP_PID"
	wait "$client" || true
	# No ack came for the records kprod held: the client knows to resend.
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 0\nclose 1011 output closed'
	broker_cmd "up all"
	run timeout 20 kcat -b "$BROKERS" -C -t "$t" -e -q
	assert_output "$(seq -f 'kept-1-%.0f' 1 500)"
}

# Starts the front door (--ack) on a new topic T and a client that sends
# 3,000 messages, waits for their acks and for the close; returns once
# wsrecv has taken them all (a stop ends its reading: what a client sent
# and wsrecv had not yet read is not acked, and the client sends it again).
# Sets T, CLIENT.
front_door_sending() {
	T=$(new_topic 2)
	front_door_start "$T" --ack
	wsclient "ws://127.0.0.1:$FD_PORT/" --count 3000 --size 100 --acks --hold 30 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	CLIENT=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 30
	PORT=$FD_PORT wait_healthz '.messages == 3000' 30
}

# Checks that the front door stopped in order: every stage exited 0, the
# client was acked for all it sent, then closed with 1001, and everything is
# in the topic.
check_orderly_stop() {
	front_door_stopped
	wait "$CLIENT"
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 3000\nclose 1001 server shutting down'
	assert_equal "$(timeout 30 kcat -b "$BROKERS" -C -t "$T" -e -q | grep -c '^m-1-')" 3000
}

@test "Ctrl-C to the front door's process group stops it in order: last acks, 1001, everything in Kafka, all exit 0" {
	front_door_sending
	# What a terminal's Ctrl-C does: SIGINT to ws-to-kafka, wsrecv and kprod.
	kill -INT -- "-$FD_PID"
	check_orderly_stop
}

@test "SIGTERM to every process of the front door at once (systemctl stop) stops it in order" {
	front_door_sending
	# Every process of its session, as systemctl does to a service's cgroup.
	run pkill -TERM -s "$FD_PID"
	assert_success
	check_orderly_stop
}

@test "SIGTERM to ws-to-kafka alone stops it in order, however late it passes the stop on" {
	front_door_sending
	kill -TERM "$FD_PID"
	check_orderly_stop
}

@test "a second SIGTERM to ws-to-kafka quits at once: nothing held is acked, kprod writes it to --failed, exits 1" {
	needs_mock
	local t
	t=$(new_topic 1)
	FD_OPTS=(--failed "$BATS_TEST_TMPDIR/failed")
	front_door_start "$t" --ack
	# kprod has reached the broker (else it would exit 3: no broker ever
	# reached) before the broker goes away.
	run wsclient "ws://127.0.0.1:$FD_PORT/" --prefix first --count 1 --acks
	assert_output "acked 1"
	broker_cmd "down all"
	wsclient "ws://127.0.0.1:$FD_PORT/" --count 500 --size 100 --acks \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	CLIENT=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 30
	PORT=$FD_PORT wait_healthz '.messages == 501'
	kill -TERM "$FD_PID"
	# The first stop reached both stages; the second goes once kprod says
	# it is stopping (reading to the end, or, when wsrecv closed its input
	# before the stop reached it, waiting for deliveries), and after the
	# quarter second in which a signal counts as the same stop.
	wait_line_matching "$BATS_TEST_TMPDIR/front.err" '^kprod: stopping' 20
	sleep 0.3
	front_door_stop 1 'wsrecv 1, kprod 1'
	wait "$CLIENT" || true
	run head -n 1 "$BATS_TEST_TMPDIR/client"
	assert_output "acked 0"
	# Every message kprod held is in --failed, whole, once (in the order
	# of their failures: librdkafka purges what is in flight apart from
	# what is queued).
	run sh -c "cut -d. -f1 '$BATS_TEST_TMPDIR/failed' | sort -t- -k3,3n"
	assert_output "$(seq -f 'm-1-%.0f' 1 500)"
	run awk 'length != 100' "$BATS_TEST_TMPDIR/failed"
	assert_output ""
	broker_cmd "up all"
}

@test "wsrecv -0 --ack-from with a kprod that splits at newlines never acks: it says why at once, exit 1" {
	local t
	t=$(new_topic 1)
	start_pipeline "$t" -0
	# kprod names its delimiter as it opens the reports.
	run timeout 10 tail --pid="$WS_PID" -f /dev/null
	assert_success
	run wait "$WS_PID"
	assert_failure 1
	WS_PID=
	run grep -c 'kprod splits records at another delimiter than wsrecv ends them with (NUL, -0)' \
		"$BATS_TEST_TMPDIR/wsrecv.err"
	assert_output 1
}

@test "wsrecv --ack-from refuses --binary=raw (a message may hold the delimiter): exit 2" {
	run wsrecv --ack --ack-from /dev/null --binary=raw
	assert_failure 2
	assert_line --index 0 "wsrecv: --ack-from with --binary=raw: a binary message may hold the delimiter, and kprod would count it as several records"
}

@test "ws-to-kafka -- -0 --ack stores a message with newlines whole, and acks it; -J stores the message with its metadata" {
	local t
	t=$(new_topic 1)
	front_door_start "$t" --ack -0
	run wsclient "ws://127.0.0.1:$FD_PORT/" --text $'two\nlines' --text one --acks
	assert_output "acked 2"
	front_door_stop
	run sh -c "timeout 20 kcons -b '$BROKERS' -e -J '$t' | jq -c .payload"
	assert_output $'"two\\nlines"\n"one"'

	t=$(new_topic 1)
	front_door_start "$t" --ack -J
	run wsclient "ws://127.0.0.1:$FD_PORT/" --text hi --acks
	assert_output "acked 1"
	front_door_stop
	run sh -c "timeout 20 kcons -b '$BROKERS' -e -J '$t' | jq -c '[.payload, .headers[0:4]]'"
	assert_output '["hi",["conn","1","seq","1"]]'
}

@test "clients held back while their acks await Kafka read again once Kafka stores their messages" {
	needs_mock
	local t
	t=$(new_topic 1)
	ulimit -n 8192
	start_pipeline "$t" --max-buffer 140K --max-message 1K
	broker_cmd "down all"
	# A message from each of 2,000 clients: 2,000 acks waiting, which alone
	# fill wsrecv's budget (above its high mark, about 75 KB): it stops
	# reading clients, some messages still unread.
	wsclient "ws://127.0.0.1:$PORT/" --conns 2000 --count 1 --acks >"$BATS_TEST_TMPDIR/client" &
	local client=$!
	wait_healthz '.connections == 2000 and .buffered > 70000 and .messages < 2000'
	broker_cmd "up all"
	local st=0
	wait "$client" || st=$?
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output "acked 1"
	assert_equal "$st" 0
	run sh -c "timeout 30 kcat -b '$BROKERS' -C -t '$t' -e -q | wc -l"
	assert_output 2000
}
