#!/usr/bin/env bats
# wsrecv at the protocol edge, with clients nobody here wrote at their
# default settings (Python websockets, Node ws, headless Chromium: they offer
# permessage-deflate, and Chromium speaks HTTP/2 over TLS where it can), and
# raw sockets for what real clients never send: handshakes, half-open
# connections, the memory bound, a stop while clients are held back.

load helpers
load wsrecv_helpers

teardown() {
	wsrecv_cleanup
	if [ -n "${DRIVE_PID:-}" ] && kill -TERM "$DRIVE_PID" 2>/dev/null; then
		timeout 5 tail --pid="$DRIVE_PID" -f /dev/null || kill -KILL "$DRIVE_PID" 2>/dev/null
	fi
	return 0
}

# Sends a raw request (printf format) and prints the answer's status line,
# the named headers and the body (tests/clients/rawhttp.py).
rawhttp() {
	local req=$1
	shift
	printf "$req" | timeout 20 "$PY" "$CLIENTS/rawhttp.py" "$PORT" "$@"
}

KEY='Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
UPGRADE='Upgrade: websocket\r\nConnection: Upgrade\r\n'

# Runs a page in headless Chromium until the expression $2 is truthy and
# prints its value (tests/clients/chromium-drive.js).
chromium_until() {
	echo "until $2" | CHROMIUM_ARGS=--ignore-certificate-errors TIMEOUT_SECS=90 NODE_PATH=/usr/share/nodejs timeout 100 node \
		"$CLIENTS/chromium-drive.js" "$1" 2>"$BATS_TEST_TMPDIR/chromium.err"
}

@test "a client offering permessage-deflate gets no extension: wsrecv answers 101 without one" {
	wsrecv_start
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n" \
		-H Sec-WebSocket-Extensions -H Sec-WebSocket-Accept
	assert_output $'HTTP/1.1 101 Switching Protocols\nSec-WebSocket-Extensions: (none)\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
}

@test "soak: 200 clients at their defaults (Python websockets, Node ws, Chromium) send 1 B-200 KB messages through a slow reader; each arrives once, byte-exact, every ack right" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$PY" "$CLIENTS/slowcat.py" 1 20000000 <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/records" 3>&- &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start -0 --ack --max-buffer 4M --www "$CLIENTS/soak"
	timeout 180 "$PY" "$CLIENTS/soak/soak.py" send "ws://127.0.0.1:$PORT/" py 100 10 \
		>"$BATS_TEST_TMPDIR/py" 2>&1 &
	local py=$!
	timeout 180 env NODE_PATH=/usr/share/nodejs node "$CLIENTS/soak/node.js" \
		"ws://127.0.0.1:$PORT/" node 90 10 >"$BATS_TEST_TMPDIR/node" 2>&1 &
	local node=$!
	run chromium_until "http://127.0.0.1:$PORT/index.html?kind=chrome&conns=10&count=10" window.result
	assert_output '{"acked":100,"errors":[]}'
	wait "$py" || { cat "$BATS_TEST_TMPDIR/py"; false; }
	wait "$node" || { cat "$BATS_TEST_TMPDIR/node"; false; }
	assert_equal "$(cat "$BATS_TEST_TMPDIR/py")" "acked 1000"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/node")" "acked 900"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	timeout 60 tail --pid="$reader" -f /dev/null
	run "$PY" "$CLIENTS/soak/soak.py" check "$BATS_TEST_TMPDIR/records" py:100:10 node:90:10 chrome:10:10
	assert_success
	assert_output --regexp '^2000 messages, [0-9]+ bytes, all exact$'
}

@test "--max-buffer bounds memory: 200 clients each sending a message near --max-message to a stalled reader" {
	# ASan keeps freed memory and adds shadow pages: RSS means something
	# for the release build only.
	[[ $BIN != */asan/* ]] || skip "memory is measured on the release build"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# A reader that reads nothing until the file "go" appears.
	bash -c 'while [ ! -e "$1" ]; do sleep 0.1; done; exec cat' - "$BATS_TEST_TMPDIR/go" \
		<"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" 3>&- &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --ack
	local base hwm
	base=$(awk '/^VmHWM/ {print $2}' "/proc/$WS_PID/status")
	timeout 120 "$PY" "$CLIENTS/bigsend.py" "ws://127.0.0.1:$PORT/" 200 1 1000000 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" 2>&1 &
	local client=$!
	# Wait until every client is connected and pushing, and wsrecv holds its
	# whole budget and has stopped reading.
	wait_healthz ".connections == 200 and .buffered > $((15 << 20))" 60
	local buffered
	buffered=$(timeout 5 curl -s "http://127.0.0.1:$PORT/healthz" | jq .buffered)
	# /healthz says why nobody is read.
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(jq -r .paused <<<"$output")" \
		"output is slower than the clients: --max-buffer is full"
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$WS_PID/status")
	echo "# stalled: VmHWM ${base} kB at start, ${hwm} kB holding ${buffered} bytes" >&3
	# 16 MiB of messages, plus at most 4 MiB: up to 512 KiB of written
	# output kept, for a moment a second copy of the message becoming a
	# record (1 MiB), lws's buffers (740 kB for 200 connections) and the
	# allocator. Measured peaks 17.1-18.5 MB over the start, idle and under
	# load (issue 18; 23.6 MB when the output's move held two copies; it was
	# 220 MB before the bound held).
	[ $((hwm - base)) -lt $(((16 + 4) << 10)) ]
	# Now let the reader go: every message arrives, whole.
	touch "$BATS_TEST_TMPDIR/go"
	wait "$client"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/client")" "acked 200"
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$WS_PID/status")
	echo "# after: VmHWM ${hwm} kB" >&3
	[ $((hwm - base)) -lt $(((16 + 4) << 10)) ]
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	timeout 30 tail --pid="$reader" -f /dev/null
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/lines")" 200
	# Each line whole: its length, and one letter repeated after the prefix.
	run awk '{ i = index($0, ":"); body = substr($0, i + 1); c = substr(body, 1, 1)
		n = gsub(c, "", body); if (length($0) != 1000000 || body != "") bad++ }
		END { print NR, bad + 0 }' "$BATS_TEST_TMPDIR/lines"
	assert_output "200 0"
}

# Runs stallers.py (15 connections, each a first fragment of 100 bytes and
# no end; options $@) beside probe.py sending 10-byte messages every 0.5 s,
# each of which must be acked within 2 s (it waited for the stallers to
# leave before: --idle 300). Leaves the stallers' lines in $BATS_TEST_TMPDIR/stall.
stallers_and_probe() {
	local count=$1
	shift
	timeout 60 "$PY" "$CLIENTS/stallers.py" "$PORT" 15 "$@" >"$BATS_TEST_TMPDIR/stall" &
	local stallers=$!
	wait_lines "$BATS_TEST_TMPDIR/stall" 1 20
	assert_equal "$(head -1 "$BATS_TEST_TMPDIR/stall")" "open 15"
	wait_healthz '.connections == 15 and .buffered > 0' 10
	run timeout 60 "$PY" "$CLIENTS/probe.py" "ws://127.0.0.1:$PORT/" "$count" --every 0.5 --limit 2
	echo "# $output" >&3
	assert_success
	assert_output --regexp "^acked $count, slowest [0-9]+ ms\$"
	wait "$stallers"
}

@test "15 stallers holding a first fragment each do not stop others: 10-byte messages are acked within 2 s; the 7 oldest are closed with 1008 once others wait 10 s for their reservations" {
	wsrecv_start --ack -v
	# The default 16M budget keeps 8M for messages in pieces: 7 reservations
	# of the longest record (1M), so 8 stallers wait for one. 24 probes span
	# 12 s, past the 10 s after which the 7 oldest give theirs up.
	stallers_and_probe 24 --hold 15
	run tail -n +2 "$BATS_TEST_TMPDIR/stall"
	assert_output "$(seq 1 7 | sed 's/$/ 1008/'; seq 8 15 | sed 's/$/ open/')"
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(jq -c '[.rejected, .paused]' <<<"$output")" '[7,false]'
	grep -q 'closed with 1008: message not complete within 10s while others wait for buffer' "$ERR"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output "$(seq -f 'probe-%04g' 1 24)"
}

@test "15 stallers trickling a byte a second and answering pings lose their reservations too (--idle 5 --ping 4): others are acked within 2 s" {
	wsrecv_start --ack --idle 5 --ping 4
	# Each byte keeps a trickler from being idle; the time a message may
	# hold its reservation while others wait is --idle when under 10 s.
	stallers_and_probe 14 --hold 8 --trickle
	run tail -n +2 "$BATS_TEST_TMPDIR/stall"
	assert_output "$(seq 1 7 | sed 's/$/ 1008/'; seq 8 15 | sed 's/$/ open/')"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output "$(seq -f 'probe-%04g' 1 14)"
}

@test "messages waiting for a reservation hold at most an eighth of --max-buffer: beyond it a message in pieces gets 1013 at once; others are acked within 2 s" {
	ulimit -n 4096
	# --max-buffer 1M --max-message 64K: 7 reservations of 64K+1 in the
	# tickets' half; first pieces of 2,000 bytes waiting may take 128K: 65.
	wsrecv_start --ack --max-buffer 1M --max-message 64K
	timeout 60 "$PY" "$CLIENTS/stallers.py" "$PORT" 80 --first 2000 --hold 6 >"$BATS_TEST_TMPDIR/stall" &
	local stallers=$!
	wait_lines "$BATS_TEST_TMPDIR/stall" 1 30
	run timeout 60 "$PY" "$CLIENTS/probe.py" "ws://127.0.0.1:$PORT/" 6 --every 0.5 --limit 2
	assert_success
	wait "$stallers"
	run tail -n +2 "$BATS_TEST_TMPDIR/stall"
	assert_output "$(seq 1 72 | sed 's/$/ open/'; seq 73 80 | sed 's/$/ 1013/')"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output "$(seq -f 'probe-%04g' 1 6)"
}

@test "a message over --max-message, whole or fragmented, from a default client: 1009, nothing written or acknowledged" {
	wsrecv_start --ack -J --max-message 1K
	local ok big
	ok=$(head -c 1024 /dev/zero | tr '\0' k)
	big=$(head -c 1025 /dev/zero | tr '\0' b)
	run wsclient "ws://127.0.0.1:$PORT/" --acks --text one --text "$ok" --text "$big" --text after
	assert_output $'acked 2\nclose 1009 message too big; see --max-message'
	run wsclient "ws://127.0.0.1:$PORT/" --acks --text two --text "$big" --fragments 3 --text after
	assert_output $'acked 1\nclose 1009 message too big; see --max-message'
	wsrecv_stop
	run jq -rc "$JQ_WS_HEADERS"' | [$m.conn, $m.seq, .payload]' "$OUT"
	assert_output "$(printf '["1","1","one"]\n["1","2","%s"]\n["2","1","two"]' "$ok")"
}

@test "SIGTERM with --ack while a slow reader holds clients back: each gets the acks of what was written, then 1001" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$PY" "$CLIENTS/slowcat.py" 2 2000000 <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" 3>&- &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --ack --max-buffer 1M --max-message 64K
	for c in 1 2 3 4 5; do
		wsclient "ws://127.0.0.1:$PORT/" --prefix "c$c" --count 20000 --size 100 --acks \
			>"$BATS_TEST_TMPDIR/client$c" &
	done
	# The reader sleeps: wsrecv fills its budget and stops reading them.
	wait_healthz '.connections == 5 and .buffered > 500000'
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	wait
	cat "$ERR" # shown when the test fails
	for c in 1 2 3 4 5; do
		written=$(grep -c "^c$c-1-" "$BATS_TEST_TMPDIR/lines" || true)
		run cat "$BATS_TEST_TMPDIR/client$c"
		assert_output $'acked '"$written"$'\nclose 1001 server shutting down'
		# What was written is exactly the client's first messages, in order.
		assert_equal "$(grep "^c$c-1-" "$BATS_TEST_TMPDIR/lines" | cut -d. -f1)" \
			"$(seq -f "c$c-1-%.0f" 1 "$written")"
	done
}

@test "1,000 half-open handshakes do not keep a real client out; they count toward --max-conns and time out" {
	ulimit -n 4096
	wsrecv_start --idle 3
	"$PY" "$CLIENTS/halfopen.py" "$PORT" 1000 --hold 20 >"$BATS_TEST_TMPDIR/half" &
	local half=$!
	wait_lines "$BATS_TEST_TMPDIR/half" 1 20
	# A real client gets in at once (it waited out a handshake timeout, or
	# was locked out, before).
	run timeout 1.5 "$PY" "$CLIENTS/wsclient.py" "ws://127.0.0.1:$PORT/" --text real
	assert_success
	wait "$half"
	run cat "$BATS_TEST_TMPDIR/half"
	assert_output $'open 1000\nclosed 1000'
	wsrecv_stop
	run cat "$OUT"
	assert_output real
	# With --max-conns 20, 20 half-open connections fill it until they time out.
	wsrecv_start --idle 2 --max-conns 20
	"$PY" "$CLIENTS/halfopen.py" "$PORT" 20 --hold 10 --silent >"$BATS_TEST_TMPDIR/half" &
	half=$!
	wait_lines "$BATS_TEST_TMPDIR/half" 1 20
	run wsclient "ws://127.0.0.1:$PORT/" --text refused
	assert_output "status 503"
	wait "$half"
	run cat "$BATS_TEST_TMPDIR/half"
	assert_output $'open 20\nclosed 20'
	run wsclient "ws://127.0.0.1:$PORT/" --text later
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output later
}

@test "unfinished request heads hold at most half of --max-buffer: of 200 heads of 16,000 bytes the 166 oldest get 503, the newest 34 408 when late; a real client gets in" {
	ulimit -n 4096
	# --max-buffer 1M: 512K for heads beyond their first 1K, 34 heads of 16K.
	wsrecv_start --max-buffer 1M --max-message 64K --idle 5 -v
	"$PY" "$CLIENTS/halfopen.py" "$PORT" 200 --head-bytes 16000 --hold 20 --answers \
		>"$BATS_TEST_TMPDIR/half" &
	local half=$!
	wait_lines "$BATS_TEST_TMPDIR/half" 1 20
	run timeout 5 "$PY" "$CLIENTS/wsclient.py" "ws://127.0.0.1:$PORT/" --text real
	assert_success
	wait "$half"
	run cat "$BATS_TEST_TMPDIR/half"
	assert_output "$(printf 'open 200\nclosed 200\n'; seq 1 166 | sed 's/$/ 503/'; seq 167 200 | sed 's/$/ 408/')"
	assert_equal "$(grep -c ': 503 too many unfinished request heads$' "$ERR")" 166
	run timeout 5 curl -s "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(jq .rejected <<<"$output")" 200
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output real
}

@test "a refused client that lingers after its 431 or 408 leaves wsrecv answering and stopping on SIGTERM" {
	wsrecv_start --idle 2
	local cookie
	cookie=$(head -c 17000 /dev/zero | tr '\0' c)
	# Open past a housekeeping tick (200 ms) after the answer, inside the
	# 1 s linger: the scan of pending connections once spun forever here.
	run bash -c "printf 'GET / HTTP/1.1\r\nHost: x\r\nCookie: a=$cookie\r\n\r\n' | timeout 20 '$PY' '$CLIENTS/linger.py' $PORT 0.6"
	assert_output "HTTP/1.1 431 Request Header Fields Too Large"
	run bash -c "printf 'GET / HTTP/1.1\r\nHost: x\r\n' | timeout 20 '$PY' '$CLIENTS/linger.py' $PORT 0.6"
	assert_output "HTTP/1.1 408 Request Timeout"
	run timeout 2 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_success
	assert_equal "$(echo "$output" | jq .rejected)" 2
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
}

@test "handshakes: 431 for oversized headers, 400 for a bad key, no Connection: Upgrade, POST, HTTP/1.0 or h2c, 426 with the version, 408 when late" {
	wsrecv_start --idle 2
	local cookie
	cookie=$(head -c 2000 /dev/zero | tr '\0' c)
	# Two 2 KB cookies are fine.
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nCookie: a=$cookie\r\nCookie: b=$cookie\r\n\r\n"
	assert_output "HTTP/1.1 101 Switching Protocols"
	cookie=$(head -c 17000 /dev/zero | tr '\0' c)
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nCookie: a=$cookie\r\n\r\n"
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nrequest line and headers over 16 KiB'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n${UPGRADE}Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\nSec-WebSocket-Key is missing or not 16 bytes of base64'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n${UPGRADE}Sec-WebSocket-Version: 13\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\nSec-WebSocket-Key is missing or not 16 bytes of base64'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n${KEY}Sec-WebSocket-Version: 13\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\na WebSocket handshake needs Connection: Upgrade'
	run rawhttp "POST / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\na WebSocket handshake is a GET request'
	run rawhttp "GET / HTTP/1.0\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\na WebSocket handshake needs HTTP/1.1'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
	assert_output $'HTTP/1.1 400 Bad Request\nonly WebSocket upgrades are served'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 8\r\n\r\n" -H Sec-WebSocket-Version
	assert_output $'HTTP/1.1 426 Upgrade Required\nSec-WebSocket-Version: 13\nonly WebSocket version 13 is served'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n"
	assert_output $'HTTP/1.1 408 Request Timeout\nrequest head not received in time'
	run timeout 5 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq .rejected)" 9
	wsrecv_stop
	assert_equal "$(stat -c %s "$OUT")" 0
}

@test "the head limits hold on every request: 16 KiB and 64 fields, each plain HTTP answer ends its connection, and over TLS lws closes a longer head" {
	local site=$BATS_TEST_TMPDIR/site pad big
	mkdir "$site"
	echo page >"$site/index.html"
	wsrecv_start --www "$site"
	pad=$(head -c 17000 /dev/zero | tr '\0' c)
	big="GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nCookie: a=$pad\r\n\r\n"
	# A request after an answer, pipelined: whoever answered the first
	# (wsrecv, a --www file, lws's own 404), the connection ends there and
	# the oversized upgrade behind it never reaches lws (it used to get 101).
	local first
	for first in /healthz /index.html /missing; do
		run rawhttp "GET $first HTTP/1.1\r\nHost: x\r\n\r\n$big" --all
		assert_line --index 1 closed
		refute_line --partial 101
	done
	run rawhttp "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" -H Connection
	assert_line --index 1 "Connection: close"
	# curl at its defaults keeps connections alive: told to close, it opens
	# a new one for each request, and every one passes the limit.
	run timeout 20 curl -sS -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' -H "Cookie: a=$pad" \
		"http://127.0.0.1:$PORT/index.html" "http://127.0.0.1:$PORT/index.html"
	assert_output $'431 1\n431 1'
	run timeout 20 curl -sS -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
		"http://127.0.0.1:$PORT/index.html" "http://127.0.0.1:$PORT/healthz"
	assert_output $'200 1\n200 1'
	# The limit is on the head itself: 16,384 bytes are taken, one more is
	# not, even when the next bytes are already there.
	local head="GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nX-Pad: "
	local fill=$((16384 - $(printf "$head" | wc -c) - 4))
	pad=$(head -c $fill /dev/zero | tr '\0' p)
	run rawhttp "$head$pad\r\n\r\n"
	assert_output "HTTP/1.1 101 Switching Protocols"
	run rawhttp "${head}p$pad\r\n\r\n"
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nrequest line and headers over 16 KiB'
	# 64 header lines and query parameters, not 65: lws keeps one fragment
	# for each and closed heads with 90 or more without an answer.
	local fieldlines="" i
	for i in $(seq 59); do fieldlines+="Accept: x\r\n"; done
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n$fieldlines\r\n"
	assert_output "HTTP/1.1 101 Switching Protocols"
	run rawhttp "GET /?a=1 HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n$fieldlines\r\n"
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nover 64 header lines and query parameters'
	fieldlines=""
	for i in $(seq 100); do fieldlines+="X-Field-$i:\r\n"; done
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n$fieldlines\r\n"
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nover 64 header lines and query parameters'
	run rawhttp "GET /?$(seq -s '&' 100) HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n\r\n"
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nover 64 header lines and query parameters'
	wsrecv_stop
	assert_equal "$(stat -c %s "$OUT")" 0

	# Over TLS lws reads the head itself: one over its 17 KiB is closed
	# without an answer (wsrecv(1) STANDARDS), never upgraded.
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
	wsrecv_start --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem"
	pad=$(head -c 17500 /dev/zero | tr '\0' c)
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nCookie: a=$pad\r\n\r\n" --tls
	assert_output eof
	run rawhttp "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\n\r\n" --tls --all
	assert_output $'HTTP/1.1 200 OK\nclosed'
	wsrecv_stop
	assert_equal "$(stat -c %s "$OUT")" 0
}

# Runs the checks of the subprotocol test below on a server started with
# ARGS; SCHEME is ws or wss, RAW the rawhttp option for it ("" or --tls).
subprotocol_checks() {
	local scheme=$1 raw=$2
	shift 2
	wsrecv_start -v "$@"
	# Python websockets and Node ws, at their defaults otherwise, offering
	# only subprotocols wsrecv does not speak: 400, which both report.
	run wsclient "$scheme://127.0.0.1:$PORT/" --insecure --subprotocol chat --subprotocol graphql-ws --text lost
	assert_output "status 400"
	NODE_TLS_REJECT_UNAUTHORIZED=0 run node_send "$scheme://127.0.0.1:$PORT/" 1 1 lost mqtt,v1.stomp
	assert_equal "$status" 1
	assert_line "conn 1: Unexpected server response: 400"
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, graphql-ws, mqtt, v1.stomp\r\n\r\n" $raw
	assert_output $'HTTP/1.1 400 Bad Request\nno subprotocol offered is spoken here (chat, graphql-ws, mqtt, v1.stomp): offer none, or wsrecv'
	# A list lws cannot parse, or longer than its buffer, is answered too.
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: 1.0\r\n\r\n" $raw
	assert_output $'HTTP/1.1 400 Bad Request\nSec-WebSocket-Protocol is not a list of tokens: 1.0'
	run rawhttp "GET / HTTP/1.1\r\nHost: x\r\n$UPGRADE${KEY}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: $(head -c 200 /dev/zero | tr '\0' p)\r\n\r\n" $raw
	assert_output $'HTTP/1.1 400 Bad Request\nSec-WebSocket-Protocol is over 126 bytes'
	# "wsrecv" among others is chosen; the name of wsrecv's internal
	# protocol is not one a client can offer (it once took messages and
	# wrote none).
	run wsclient "$scheme://127.0.0.1:$PORT/" --insecure --subprotocol chat --subprotocol wsrecv --text chosen
	assert_output "subprotocol wsrecv"
	NODE_TLS_REJECT_UNAUTHORIZED=0 run node_send "$scheme://127.0.0.1:$PORT/" 1 2 node wsrecv-fd,wsrecv
	assert_success
	assert_line "done 2"
	run timeout 5 curl -sk "http${scheme#ws}://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.rejected, .messages]')" '[5,3]'
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output $'chosen\nnode-1-1\nnode-1-2'
	run grep -c '^wsrecv: refused 127\.0\.0\.1:[0-9]* /: 400 ' "$ERR"
	assert_output 5
	run grep -c '^wsrecv: refused 127\.0\.0\.1:[0-9]* /: 400 no subprotocol offered is spoken here (mqtt,v1.stomp): offer none, or wsrecv$' "$ERR"
	assert_output 1
}

@test "a handshake offering only subprotocols wsrecv does not speak gets 400 naming them, counted and logged with -v" {
	subprotocol_checks ws ""
}

@test "over TLS too, a handshake offering only unknown subprotocols gets 400 naming them, counted and logged" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
	subprotocol_checks wss --tls --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem"
}

@test "HEAD /healthz answers like GET without a body; other methods get 405" {
	wsrecv_start
	run rawhttp "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" -H Content-Type -H Content-Length
	assert_output $'HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 95'
	run rawhttp "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" -H Content-Length
	assert_output $'HTTP/1.1 200 OK\nContent-Length: 95\n{"connections":0,"messages":0,"bytes":0,"rejected":0,"buffered":0,"ready":true,"paused":false}'
	run rawhttp "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n" -H Allow
	assert_output $'HTTP/1.1 405 Method Not Allowed\nAllow: GET, HEAD\nuse GET or HEAD'
}

@test "--www never serves a file outside its folder, symlinks included" {
	local site=$BATS_TEST_TMPDIR/site
	mkdir -p "$site/sub" "$BATS_TEST_TMPDIR/outside"
	echo inside >"$site/sub/page.txt"
	echo secret >"$BATS_TEST_TMPDIR/outside/secret.txt"
	ln -s "$BATS_TEST_TMPDIR/outside/secret.txt" "$site/leak.txt"
	ln -s "$BATS_TEST_TMPDIR/outside" "$site/dir"
	ln -s sub/page.txt "$site/alias.txt"
	wsrecv_start --www "$site"
	run timeout 5 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/sub/page.txt"
	assert_output $'inside\n 200'
	run timeout 5 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/alias.txt"
	assert_output $'inside\n 200'
	run timeout 5 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/leak.txt"
	assert_output $'not found\n 404'
	run timeout 5 curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/dir/secret.txt"
	assert_output $'not found\n 404'
	run timeout 5 curl -s --path-as-is -w ' %{http_code}' "http://127.0.0.1:$PORT/../outside/secret.txt"
	refute_output --partial secret
}

@test "--idle: a client that only pings stays connected, one that sends nothing is closed with 1001" {
	wsrecv_start --idle 2 --ping 0
	# Pings every 0.5 s for 4 s (twice --idle), then silence.
	run rawws "$PORT" "t:$(hex first)" --ping-every 0.5 --ping-for 4
	assert_equal "$(echo "$output" | grep -c '^pong$')" 8
	assert_equal "$(echo "$output" | grep -v '^pong$')" $'status 101\nclose 1001 idle timeout\neof after 2'
	wsrecv_stop
	run cat "$OUT"
	assert_output first
}

@test "over TLS only HTTP/1.1 is offered: an HTTP/2 client cannot open a WebSocket, curl gets HTTP/1.1" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
	wsrecv_start --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem" --path /ingest
	run timeout 5 curl -sk -o /dev/null -w '%{http_version}' "https://127.0.0.1:$PORT/healthz"
	assert_output 1.1
	# Node's http2 client asks for h2 only (ALPN), as browsers do for RFC
	# 8441: no HTTP/2 session, so no WebSocket that skips --path. (lws
	# 4.1.6 with h2 offered answered its CONNECT to /other with 200.)
	run timeout 20 node "$CLIENTS/h2connect.js" "https://127.0.0.1:$PORT/other"
	assert_output "error ERR_HTTP2_ERROR"
	wsrecv_stop
	assert_equal "$(stat -c %s "$OUT")" 0
}

@test "headless Chromium over wss:// meets --path, --origin and --token-file; -J shows its peer and path" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
	printf 's3cret\n' >"$BATS_TEST_TMPDIR/token"
	local port
	port=$(free_port)
	wsrecv_start -p "$port" -J --ack --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem" \
		--www "$CLIENTS/tlspage" --path /ingest --origin "https://127.0.0.1:$port" \
		--token-file "$BATS_TEST_TMPDIR/token"
	PAGE="https://127.0.0.1:$port/index.html"
	run chromium_until "$PAGE?path=/ingest&token=s3cret&text=hello" window.result
	assert_output '"acked 1"'
	run chromium_until "$PAGE?path=/ingest&token=wrong&text=no" window.result
	assert_output '"closed 1006"'
	run chromium_until "$PAGE?path=/other&token=s3cret&text=no" window.result
	assert_output '"closed 1006"'
	wsrecv_stop
	run jq -rc "$JQ_WS_HEADERS"' | [$m.seq, $m.path, ($m.peer | test("^127\\.0\\.0\\.1:[0-9]+$")), .payload]' "$OUT"
	assert_output '["1","/ingest",true,"hello"]'
}

@test "-J names the peer of every record, also of 300 clients that reset right after sending one message" {
	wsrecv_start -J
	run timeout 120 "$PY" "$CLIENTS/resetburst.py" "$PORT" 300 4
	assert_output "101 300"
	# A reset may cost a message read after it (the kernel drops what was
	# unread): every record that is written names its peer.
	wait_healthz '.connections == 0'
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	local n
	n=$(wc -l <"$OUT")
	[ "$n" -gt 0 ]
	run jq -r "$JQ_WS_HEADERS"' | select(($m.peer | test("^127\\.0\\.0\\.1:[0-9]+$")) | not) | $m.peer' "$OUT"
	assert_output ""
	# Each record is one client's message, whole, once.
	run sh -c "jq -r .payload '$OUT' | sort | uniq -d"
	assert_output ""
	assert_equal "$(jq -r .payload "$OUT" | grep -c '^reset-[0-9]*$')" "$n"
}
