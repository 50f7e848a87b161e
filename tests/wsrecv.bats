#!/usr/bin/env bats
# wsrecv: WebSocket messages to stdout records. Clients: Python websockets
# (tests/clients/wsclient.py), a raw-socket client for what real clients
# refuse to send (tests/clients/rawws.py), and Node ws (node-send.js).

load helpers
load wsrecv_helpers
bats_require_minimum_version 1.5.0

teardown() {
	wsrecv_cleanup
}

@test "wsrecv -h prints the SYNOPSIS of its man page" {
	run wsrecv -h
	assert_success
	local want
	want=$(mandoc -T ascii "$ROOT/man/wsrecv.1" | col -bx |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \t\n' ' ' | sed 's/^ //;s/ $//')
	assert_equal "$(echo "$output" | sed 's/^usage: //' | tr -s ' \n' ' ' | sed 's/ $//')" "$want"
}

@test "wsrecv exits 2 with the usage on a bad option or value" {
	run wsrecv --no-such-option
	assert_equal "$status" 2
	assert_line --index 1 --partial "usage: wsrecv [-0Jqv]"
	run wsrecv --max-message 12X
	assert_equal "$status" 2
	assert_line --index 0 "wsrecv: invalid --max-message (1 to 1G): 12X"
	run wsrecv --cert /dev/null
	assert_equal "$status" 2
	assert_line --index 0 "wsrecv: --cert and --key go together"
	run wsrecv --max-buffer 1M
	assert_equal "$status" 2
	assert_line --index 0 "wsrecv: --max-buffer 1024K is too small for --max-message 1024K: it needs at least 2177K"
	run wsrecv --ack-from /dev/null
	assert_equal "$status" 2
	assert_line --index 0 "wsrecv: --ack-from needs --ack"
}

@test "wsrecv -p 0 names the port it picked on stderr, even with -q" {
	wsrecv_start -q
	[[ $PORT =~ ^[0-9]+$ ]]
	run cat "$ERR"
	assert_output "wsrecv: listening on 127.0.0.1:$PORT"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$ERR"
	assert_output "wsrecv: listening on 127.0.0.1:$PORT"
}

@test "wsrecv exits 1 naming the address when the port is taken" {
	wsrecv_start
	run wsrecv -p "$PORT"
	assert_equal "$status" 1
	assert_output "wsrecv: bind 127.0.0.1 port $PORT: Address already in use"
}

@test "wsrecv writes each text message as one line, in order" {
	wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --count 500 --prefix first
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/" --count 500 --prefix second --text 'héllo wörld ✓'
	assert_success
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_equal "${#lines[@]}" 1001
	assert_equal "$(sed -n 1,500p "$OUT")" "$(seq -f 'first-1-%.0f' 1 500)"
	assert_equal "$(sed -n 501p "$OUT")" 'héllo wörld ✓'
	assert_equal "$(sed -n 502,1001p "$OUT")" "$(seq -f 'second-1-%.0f' 1 500)"
}

@test "wsrecv assembles fragmented messages and never interleaves them" {
	wsrecv_start
	# A raw client leaves a fragmented message half sent while another
	# client's whole messages are written; then it finishes it.
	local big
	big=$(head -c 100000 /dev/zero | tr '\0' 'a')
	run wsclient "ws://127.0.0.1:$PORT/" --text "$big" --fragments 7 --text "after"
	assert_success
	run rawws "$PORT" "T:$(hex 'part one, ')" "C:$(hex 'part two, ')" "c:$(hex 'part three')" "t:$(hex next)" \
		--close-after 0
	assert_output $'status 101\nclose 1000 \neof after 0'
	wsrecv_stop
	run cat "$OUT"
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[0]}" "$big"
	assert_equal "${lines[1]}" "after"
	assert_equal "${lines[2]}" "part one, part two, part three"
	assert_equal "${lines[3]}" "next"
}

@test "wsrecv closes a message holding CR or LF with 1007 naming the options, writes nothing, counts it" {
	wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --text $'two\nlines' --hold 5
	assert_output "close 1007 message contains CR or LF; see --newline=space, -0 or -J"
	run wsclient "ws://127.0.0.1:$PORT/" --text $'carriage\rreturn' --hold 5
	assert_output "close 1007 message contains CR or LF; see --newline=space, -0 or -J"
	run timeout 5 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c '[.messages, .rejected]')" "[0,2]"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	assert_equal "$(stat -c %s "$OUT")" 0
}

@test "wsrecv --newline=space turns CR and LF into spaces (pretty-printed JSON)" {
	wsrecv_start --newline=space
	run wsclient "ws://127.0.0.1:$PORT/" --text $'{\r\n  "a": 1\n}'
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output '{    "a": 1 }'
	assert_equal "$(jq -c . "$OUT")" '{"a":1}'
}

@test "wsrecv -0 writes NUL-terminated records that may hold newlines" {
	wsrecv_start -0
	run wsclient "ws://127.0.0.1:$PORT/" --text $'one\nline' --text two
	assert_success
	wsrecv_stop
	assert_equal "$(od -An -c "$OUT" | tr -s ' \n' ' ')" ' o n e \n l i n e \0 t w o \0 '
}

@test "wsrecv -J writes one envelope per message: payload (payload_b64 for bytes), ts, and conn, seq, peer, path as headers" {
	wsrecv_start -J
	run wsclient "ws://127.0.0.1:$PORT/feed?x=1" --text $'quote " tab \t nl \n é' --text plain --hex 00ff0a41 --text ''
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_equal "${#lines[@]}" 4
	# The envelope's fields in kcat's order; the message is the payload.
	run jq -rc 'keys_unsorted' "$OUT"
	assert_line --index 0 '["tstype","ts","headers","key","payload"]'
	# Texts go first, then the binary message.
	assert_line --index 2 '["tstype","ts","headers","key","payload"]'
	assert_line --index 3 '["tstype","ts","headers","key","payload_b64"]'
	local now
	now=$(date +%s%3N)
	run jq -r --argjson now "$now" '(.tstype == "create" and .ts <= $now and .ts > $now - 60000 and .key == null)' "$OUT"
	assert_output $'true\ntrue\ntrue\ntrue'
	# Headers: conn, seq, peer, path (the path leaves out the query, where a ?token= would be).
	run jq -rc '.headers | [.[0], .[1], .[2], .[3], .[4], (.[5] | test("^127\\.0\\.0\\.1:[0-9]+$")), .[6], .[7]]' "$OUT"
	assert_output $'["conn","1","seq","1","peer",true,"path","/feed"]\n["conn","1","seq","2","peer",true,"path","/feed"]\n["conn","1","seq","3","peer",true,"path","/feed"]\n["conn","1","seq","4","peer",true,"path","/feed"]'
	assert_equal "$(jq -j 'select(.payload) | .payload' "$OUT" | od -An -c)" \
		"$(printf 'quote " tab \t nl \n \303\251plain' | od -An -c)"
	assert_equal "$(jq -r 'select(.payload_b64) | .payload_b64' "$OUT" | base64 -d | od -An -tx1 | tr -d ' \n')" 00ff0a41
	# An empty message is an empty payload, not a tombstone.
	assert_equal "$(sed -n 3p "$OUT" | jq -c .payload)" '""'
}

@test "wsrecv refuses binary messages with 1003 and writes nothing" {
	wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --hex 010203 --hold 5
	assert_output "close 1003 binary messages are refused; see --binary=raw or -J"
	wsrecv_stop
	assert_equal "$(stat -c %s "$OUT")" 0
}

@test "wsrecv --binary=raw writes binary messages as they are, --binary=base64 encodes them" {
	wsrecv_start --binary=raw
	run wsclient "ws://127.0.0.1:$PORT/" --hex 41420043 --text text
	assert_success
	wsrecv_stop
	assert_equal "$(od -An -tx1 "$OUT" | tr -d ' \n')" 746578740a414200430a
	wsrecv_start --binary=base64
	run wsclient "ws://127.0.0.1:$PORT/" --hex 41420043
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output "QUIAQw=="
}

@test "wsrecv closes a text message that is not UTF-8 with 1007 and writes nothing" {
	wsrecv_start
	run rawws "$PORT" "t:$(hex ok)" "t:c328"
	assert_output $'status 101\nclose 1007 text message is not valid UTF-8\neof after 0'
	# The same bytes split across fragments.
	run rawws "$PORT" "T:e282" "c:28"
	assert_output $'status 101\nclose 1007 text message is not valid UTF-8\neof after 0'
	wsrecv_stop
	run cat "$OUT"
	assert_output "ok"
}

@test "wsrecv closes messages over --max-message with 1009, whole or fragmented" {
	wsrecv_start --max-message 1K
	local ok big
	ok=$(head -c 1024 /dev/zero | tr '\0' 'k')
	big=$(head -c 1025 /dev/zero | tr '\0' 'b')
	run wsclient "ws://127.0.0.1:$PORT/" --text "$ok" --text "$big" --hold 5
	assert_output "close 1009 message too big; see --max-message"
	run wsclient "ws://127.0.0.1:$PORT/" --text "$big" --fragments 5 --hold 5
	assert_output "close 1009 message too big; see --max-message"
	wsrecv_stop
	run cat "$OUT"
	assert_output "$ok"
}

@test "wsrecv --ack acknowledges written messages with {\"ack\":N}" {
	wsrecv_start --ack
	run rawws "$PORT" "t:$(hex one)" "t:$(hex two)" "t:$(hex three)" --close-after 1
	# Acks are cumulative: the last one names message 3.
	assert_success
	assert_line --index 0 "status 101"
	assert_equal "$(echo "$output" | grep '^text' | tail -n 1)" 'text {"ack":3}'
	assert_equal "$(echo "$output" | grep -c -v '^text {"ack":[123]}$')" 3
	run wsclient "ws://127.0.0.1:$PORT/" --count 2000 --acks
	assert_success
	assert_output "acked 2000"
	wsrecv_stop
	assert_equal "$(wc -l <"$OUT")" 2003
}

@test "wsrecv --ack on SIGTERM acks what it writes out before closing with 1001" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	(sleep 2; cat) <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" 3>&- &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --ack
	wsclient "ws://127.0.0.1:$PORT/" --count 2000 --size 100 --acks --hold 20 \
		--sent-file "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/client" &
	local cpid=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 20
	# 200 KB: the reader is asleep and the pipe holds 64 KB, so most are not
	# written, nor acked, yet.
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	wait "$cpid"
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output $'acked 2000\nclose 1001 server shutting down'
	timeout 30 tail --pid="$reader" -f /dev/null
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/lines")" 2000
}

@test "wsrecv answers a plain HTTP request with 426 and a broken handshake with 400" {
	wsrecv_start
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	assert_output 426
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' -H 'Upgrade: websocket' \
		-H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' "http://127.0.0.1:$PORT/"
	assert_output 400
}

@test "wsrecv survives connections that close before sending a request (port probes)" {
	wsrecv_start
	for i in 1 2 3; do
		(exec 5<>"/dev/tcp/127.0.0.1/$PORT")
	done
	run wsclient "ws://127.0.0.1:$PORT/" --text after-probes
	assert_success
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	run cat "$OUT"
	assert_output after-probes
}

@test "wsrecv drops a client whose handshake never finishes" {
	wsrecv_start --idle 2
	run rawws "$PORT" --half-handshake
	assert_output "eof after 2"
}

@test "wsrecv --idle drops a client that stops inside a frame, and closes idle ones with 1001" {
	wsrecv_start --idle 2
	run rawws "$PORT" "t:$(hex hello)" --partial-frame
	assert_line --index 0 "status 101"
	assert_line --index 1 "close 1001 idle timeout"
	run wsclient "ws://127.0.0.1:$PORT/" --text quiet --hold 10
	assert_output "close 1001 idle timeout"
	wsrecv_stop
	run cat "$OUT"
	assert_output $'hello\nquiet'
}

@test "wsrecv --ping pings and drops a peer that never answers" {
	wsrecv_start --ping 1 --idle 0
	run rawws "$PORT"
	assert_output $'status 101\nping\neof after 2'
	# A client that answers stays connected.
	run wsclient "ws://127.0.0.1:$PORT/" --text alive --hold 4
	assert_output "timeout"
}

@test "wsrecv --max-conns answers 503 when full" {
	wsrecv_start --max-conns 2
	rawws "$PORT" --timeout 10 >"$BATS_TEST_TMPDIR/a" &
	rawws "$PORT" --timeout 10 >"$BATS_TEST_TMPDIR/b" &
	wait_for_file "$BATS_TEST_TMPDIR/a" 5
	wait_for_file "$BATS_TEST_TMPDIR/b" 5
	run wsclient "ws://127.0.0.1:$PORT/" --text no
	assert_output "status 503"
	wsrecv_stop
	wait
	assert_equal "$(cat "$BATS_TEST_TMPDIR/a")" $'status 101\nclose 1001 server shutting down\neof after 0'
	assert_equal "$(stat -c %s "$OUT")" 0
}

@test "wsrecv --origin allows only the listed origins (403 otherwise)" {
	wsrecv_start --origin https://a.example --origin http://b.example:8080/
	run wsclient "ws://127.0.0.1:$PORT/" --origin https://a.example --text a
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/" --origin http://b.example:8080 --text b
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/" --origin https://evil.example --text evil
	assert_output "status 403"
	run wsclient "ws://127.0.0.1:$PORT/" --text no-origin
	assert_output "status 403"
	wsrecv_stop
	run cat "$OUT"
	assert_output $'a\nb'
}

@test "wsrecv --token-file takes the token as Bearer or ?token= and refuses others with 403" {
	printf 's3cret\n' >"$BATS_TEST_TMPDIR/token"
	wsrecv_start --token-file "$BATS_TEST_TMPDIR/token"
	run wsclient "ws://127.0.0.1:$PORT/" --header 'Authorization: Bearer s3cret' --text header
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/?token=s3cret" --text query
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/?token=wrong" --text wrong
	assert_output "status 403"
	run wsclient "ws://127.0.0.1:$PORT/" --header 'Authorization: Bearer s3cre' --text short
	assert_output "status 403"
	run wsclient "ws://127.0.0.1:$PORT/" --text none
	assert_output "status 403"
	wsrecv_stop
	run cat "$OUT"
	assert_output $'header\nquery'
}

@test "wsrecv --path accepts upgrades only on that path (404 elsewhere)" {
	wsrecv_start --path /ingest
	run wsclient "ws://127.0.0.1:$PORT/ingest" --text yes
	assert_success
	run wsclient "ws://127.0.0.1:$PORT/other" --text no
	assert_output "status 404"
	wsrecv_stop
	run cat "$OUT"
	assert_output "yes"
}

@test "wsrecv --cert and --key serve wss:// and https://" {
	run openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem"
	assert_success
	wsrecv_start --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem"
	run wsclient "wss://127.0.0.1:$PORT/" --insecure --count 3 --prefix tls
	assert_success
	run timeout 5 curl -sk "https://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq .messages)" 3
	wsrecv_stop
	run cat "$OUT"
	assert_output $'tls-1-1\ntls-1-2\ntls-1-3'
}

@test "wsrecv serves IPv6 with -a ::1" {
	wsrecv_start -a ::1
	run cat "$ERR"
	assert_output "wsrecv: listening on [::1]:$PORT"
	run wsclient "ws://[::1]:$PORT/" --text six
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output "six"
}

@test "wsrecv -a :: serves IPv4 and IPv6 clients on one port" {
	wsrecv_start -a ::
	run cat "$ERR"
	assert_output "wsrecv: listening on [::]:$PORT"
	run wsclient "ws://127.0.0.1:$PORT/" --text four
	assert_success
	run wsclient "ws://[::1]:$PORT/" --text six
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output $'four\nsix'
}

@test "wsrecv --reuseport lets two servers share one port" {
	wsrecv_start --reuseport
	local pid1=$WS_PID port=$PORT out1=$OUT
	OUT=$BATS_TEST_TMPDIR/out2
	wsrecv -p "$port" --reuseport >"$OUT" 2>"$BATS_TEST_TMPDIR/err2" 3>&- &
	local pid2=$!
	# Clients sent before it listens would all reach the first.
	wait_line_matching "$BATS_TEST_TMPDIR/err2" '^wsrecv: listening on ' 10
	run wsclient "ws://127.0.0.1:$port/" --conns 40 --count 5
	assert_success
	kill -TERM "$pid2"
	wait "$pid2"
	WS_PID=$pid1
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	assert_equal "$(cat "$out1" "$OUT" | wc -l)" 200
	# The kernel spread the 40 clients over both servers.
	[ -s "$out1" ] && [ -s "$OUT" ]
}

@test "wsrecv --www serves a folder's files; /healthz stays JSON" {
	mkdir "$BATS_TEST_TMPDIR/site"
	echo '<h1>demo</h1>' >"$BATS_TEST_TMPDIR/site/index.html"
	echo 'body{}' >"$BATS_TEST_TMPDIR/site/style.css"
	echo '{"a":1}' >"$BATS_TEST_TMPDIR/site/records.jsonl"
	wsrecv_start --www "$BATS_TEST_TMPDIR/site"
	run timeout 5 curl -sS "http://127.0.0.1:$PORT/"
	assert_output '<h1>demo</h1>'
	run timeout 5 curl -sS -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT/style.css"
	assert_output '200 text/css'
	run timeout 5 curl -sS -w ' %{http_code} %{content_type}' "http://127.0.0.1:$PORT/records.jsonl"
	assert_output '{"a":1}
 200 application/x-ndjson'
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/missing.txt"
	assert_output 404
	run timeout 5 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_equal "$(echo "$output" | jq -c .)" '{"connections":0,"messages":0,"bytes":0,"rejected":0,"buffered":0,"ready":true,"paused":false}'
	run wsclient "ws://127.0.0.1:$PORT/" --text still-websocket
	assert_success
	wsrecv_stop
	run cat "$OUT"
	assert_output still-websocket
	run timeout 10 wsrecv -p 0 --www "$BATS_TEST_TMPDIR/nowhere"
	[ "$status" -eq 2 ]
	assert_output "wsrecv: --www $BATS_TEST_TMPDIR/nowhere: No such file or directory"
}

@test "wsrecv exits 2, serving nothing, when a --token-file or --www it names cannot be read (as kprod and kcons do)" {
	local d=$BATS_TEST_TMPDIR
	run timeout 10 wsrecv -p 0 --token-file "$d/nowhere/token"
	[ "$status" -eq 2 ]
	assert_output "wsrecv: $d/nowhere/token: No such file or directory"
	: >"$d/empty"
	run timeout 10 wsrecv -p 0 --token-file "$d/empty"
	[ "$status" -eq 2 ]
	assert_output "wsrecv: $d/empty: no token on its first line"
	run timeout 10 wsrecv -p 0 --www "$d/empty"
	[ "$status" -eq 2 ]
	assert_output "wsrecv: --www $d/empty: not a folder"
}

@test "wsrecv exits 2, serving nothing, when a --cert, --key or --ack-from it names is missing or a folder (as kprod does)" {
	local d=$BATS_TEST_TMPDIR
	: >"$d/file"
	run --separate-stderr timeout 10 wsrecv -p 0 --cert "$d/nowhere.pem" --key "$d/file"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "wsrecv: --cert $d/nowhere.pem: No such file or directory"
	run --separate-stderr timeout 10 wsrecv -p 0 --cert "$d/file" --key "$d"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "wsrecv: --key $d: a folder, not a file"
	run --separate-stderr timeout 10 wsrecv -p 0 --ack --ack-from "$d/nowhere"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "wsrecv: --ack-from $d/nowhere: No such file or directory"
	run --separate-stderr timeout 10 wsrecv -p 0 --ack --ack-from "$d"
	[ "$status" -eq 2 ]
	assert_equal "$stderr" "wsrecv: --ack-from $d: a folder, not a file"
	assert_equal "$output" ""
}

@test "GET /healthz counts connections, messages, bytes, rejected and buffered" {
	wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --text 12345 --text 678
	run wsclient "ws://127.0.0.1:$PORT/" --hex 00 --hold 5
	rawws "$PORT" "t:$(hex open)" --timeout 10 >"$BATS_TEST_TMPDIR/held" &
	wait_healthz '.connections == 1'
	run timeout 5 curl -sS -i "http://127.0.0.1:$PORT/healthz"
	assert_line --partial "content-type: application/json"
	assert_equal "$(echo "$output" | tail -n 1 | jq -c .)" \
		'{"connections":1,"messages":3,"bytes":12,"rejected":1,"buffered":0,"ready":true,"paused":false}'
	wsrecv_stop
	wait
}

@test "SIGTERM: every received message is written, clients see 1001, exit 0" {
	wsrecv_start
	wsclient "ws://127.0.0.1:$PORT/" --conns 5 --count 2000 --sent-file "$BATS_TEST_TMPDIR/sent" \
		--hold 20 >"$BATS_TEST_TMPDIR/client" &
	local cpid=$!
	wait_for_file "$BATS_TEST_TMPDIR/sent" 20
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	wait "$cpid" || true
	run cat "$BATS_TEST_TMPDIR/client"
	assert_output "close 1001 server shutting down"
	# Messages sent before the signal all arrived, none torn.
	assert_equal "$(grep -c '^m-1-' "$OUT")" 2000
	assert_equal "$(grep -c -v '^m-[1-5]-[0-9]*$' "$OUT")" 0
	run tail -n 1 "$ERR"
	assert_output --regexp '^wsrecv: [0-9]+ messages, [0-9]+ bytes, 0 rejected$'
}

@test "a second SIGTERM quits at once without waiting for a stuck reader, exit 1" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	sleep 30 <"$BATS_TEST_TMPDIR/fifo" 3>&- &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --count 20000 --size 100
	assert_success
	kill -TERM "$WS_PID"
	# A second signal counts once wsrecv has taken the first (it says so).
	wait_line_matching "$ERR" '^wsrecv: stopping' 10
	sleep 0.5
	# Still waiting for the reader with the records it holds.
	kill -0 "$WS_PID"
	kill -TERM "$WS_PID"
	wsrecv_wait
	assert_equal "$WS_STATUS" 1
	run grep -c '^wsrecv: second signal: quitting without writing [0-9]* buffered bytes$' "$ERR"
	assert_output 1
	kill "$reader"
}

@test "the reader of stdout exiting: clients see 1011, wsrecv says so and exits 1" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	head -n 1 <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/first" &
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start
	# Python websockets reads nothing while its sends need no wait: a
	# client still sending when wsrecv's 5 s for the close handshake run
	# out (100,000 messages on a loaded machine) never reads the 1011.
	run wsclient "ws://127.0.0.1:$PORT/" --count 20000 --hold 20
	assert_output "close 1011 output closed"
	wsrecv_wait
	assert_equal "$WS_STATUS" 1
	run grep -c "^wsrecv: stdout closed: closing clients with 1011$" "$ERR"
	assert_output 1
	run cat "$BATS_TEST_TMPDIR/first"
	assert_output "m-1-1"
}

@test "wsrecv notices an idle reader going away and exits 1" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	head -n 1 <"$BATS_TEST_TMPDIR/fifo" >/dev/null &
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start
	run wsclient "ws://127.0.0.1:$PORT/" --text only-one
	assert_success
	wsrecv_wait
	assert_equal "$WS_STATUS" 1
	run grep -c "stdout closed" "$ERR"
	assert_output 1
}

@test "a slow reader loses nothing: wsrecv waits for it instead of dropping" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	(sleep 4; cat) <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --max-buffer 1M --max-message 256K
	# 16 MB in 200-byte messages: sixteen times the buffer.
	run wsclient "ws://127.0.0.1:$PORT/" --conns 4 --count 20000 --size 200
	assert_success
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	timeout 30 tail --pid="$reader" -f /dev/null
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/lines")" 80000
	for c in 1 2 3 4; do
		assert_equal "$(grep "^m-$c-" "$BATS_TEST_TMPDIR/lines" | tr -d . | md5sum)" \
			"$(seq -f "m-$c-%.0f" 1 20000 | md5sum)"
	done
}

@test "with a slow reader wsrecv's memory (VmHWM) grows by less than --max-buffer" {
	# ASan's allocator keeps freed memory in quarantine and adds shadow
	# pages, so peak RSS only means something for the release build.
	[[ $BIN != */asan/* ]] || skip "VmHWM is measured on the release build"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	(sleep 5; cat) <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --max-buffer 4M
	local base hwm
	base=$(awk '/^VmHWM/ {print $2}' "/proc/$WS_PID/status")
	# 40 MB in 200-byte messages: ten times the buffer.
	run wsclient "ws://127.0.0.1:$PORT/" --conns 4 --count 50000 --size 200
	assert_success
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$WS_PID/status")
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	timeout 30 tail --pid="$reader" -f /dev/null
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/lines")" 200000
	echo "# VmHWM at start ${base} kB, at the end ${hwm} kB" >&3
	[ $((hwm - base)) -lt 4096 ]
}

@test "while the reader is slow, health checks and new connections are served" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	(sleep 4; cat) <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/lines" &
	local reader=$!
	OUT=$BATS_TEST_TMPDIR/fifo wsrecv_start --max-buffer 1M --max-message 256K
	wsclient "ws://127.0.0.1:$PORT/" --count 20000 --size 200 >/dev/null &
	local cpid=$!
	sleep 1.5
	run timeout 2 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_success
	local buffered
	buffered=$(echo "$output" | jq .buffered)
	[ "$buffered" -gt 0 ] && [ "$buffered" -le 1048576 ]
	run timeout 3 "$PY" "$CLIENTS/wsclient.py" "ws://127.0.0.1:$PORT/" --text late
	assert_success
	wait "$cpid"
	wsrecv_stop
	timeout 30 tail --pid="$reader" -f /dev/null
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/lines")" 20001
}

@test "Node ws clients: 20 connections x 500 messages, each client's in its order" {
	wsrecv_start
	run node_send "ws://127.0.0.1:$PORT/" 20 500 node
	assert_success
	assert_output "done 10000"
	wsrecv_stop
	assert_equal "$(wc -l <"$OUT")" 10000
	for c in 1 7 20; do
		assert_equal "$(grep "^node-$c-" "$OUT")" "$(seq -f "node-$c-%.0f" 1 500)"
	done
}

@test "1,000 concurrent clients x 100 messages: exactly 100,000 lines, each client's in order" {
	heavy_test
	wsrecv_start
	run node_send "ws://127.0.0.1:$PORT/" 1000 100 c
	assert_success
	assert_output "done 100000"
	wsrecv_stop
	assert_equal "$WS_STATUS" 0
	assert_equal "$(wc -l <"$OUT")" 100000
	# Each line is whole, and each client's lines are in its order.
	run awk -F- '!/^c-[0-9]+-[0-9]+$/ { bad++ } { if ($3 != last[$2] + 1) bad++; last[$2] = $3 }
		END { n = 0; for (k in last) { n++; if (last[k] != 100) bad++ } print n, bad + 0 }' "$OUT"
	assert_output "1000 0"
}

@test "the man page is lint-clean" {
	run mandoc -T lint -W warning "$ROOT/man/wsrecv.1"
	assert_success
	assert_output ""
}
