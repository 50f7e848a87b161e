# Shared by the wsrecv suites: start and stop a server on a free port and
# run the test clients. Load after helpers: `load helpers; load wsrecv_helpers`.

CLIENTS=$ROOT/tests/clients
PY=/usr/bin/python3
export NODE_PATH=/usr/share/nodejs
# A jq prefix binding $m to a -J record's headers as an object (conn, seq,
# peer, path), as wsrecv(1) shows: jq "$JQ_WS_HEADERS"' | $m.conn'.
JQ_WS_HEADERS='(.headers as $h | [range(0; $h | length; 2) | {($h[.]): $h[. + 1]}] | add) as $m'

# Starts wsrecv -p 0 with the given options, stdout to $OUT (a file, or a
# FIFO whose reader the test started), stderr to $ERR. Sets WS_PID, PORT.
wsrecv_start() {
	OUT=${OUT:-$BATS_TEST_TMPDIR/out}
	ERR=$BATS_TEST_TMPDIR/err
	: >"$ERR"
	wsrecv -p 0 "$@" >"$OUT" 2>"$ERR" 3>&- &
	WS_PID=$!
	wait_listening "$ERR" "$WS_PID" || return 1
	export PORT WS_PID
}

# Waits (at most 10 s) for the "listening on" line in $1, the stderr of the
# wsrecv whose pid is $2, and sets PORT from it; fails, showing $1, when
# wsrecv exits first or the line never comes.
wait_listening() {
	local file=$1 pid=$2
	PORT=
	ws_listening() {
		PORT=$(sed -n 's/^wsrecv: listening on .*:\([0-9][0-9]*\)$/\1/p' "$file")
		[ -n "$PORT" ] || pid_gone "$pid"
	}
	wait_until 10 ws_listening && [ -n "$PORT" ] && return 0
	cat "$file" >&2
	return 1
}

# Sends SIGTERM and waits (at most 15 s) for the server; sets WS_STATUS.
wsrecv_stop() {
	kill -TERM "$WS_PID" 2>/dev/null || true
	wsrecv_wait
}

# Waits (at most 15 s) for the server to exit by itself; sets WS_STATUS.
wsrecv_wait() {
	WS_STATUS=
	if ! wait_until 15 pid_gone "$WS_PID"; then
		kill -KILL "$WS_PID" 2>/dev/null || true
		WS_STATUS=timeout
	fi
	local rc=0
	wait "$WS_PID" 2>/dev/null || rc=$?
	WS_STATUS=${WS_STATUS:-$rc}
	WS_PID=
}

# Teardown: never leave a server behind.
wsrecv_cleanup() {
	if [ -n "${WS_PID:-}" ]; then
		kill -KILL "$WS_PID" 2>/dev/null || true
		wait "$WS_PID" 2>/dev/null || true
	fi
}

# Waits up to $2 seconds (default 30) until wsrecv's /healthz satisfies the
# jq condition $1 (e.g. '.buffered > 1000'); fails naming the last answer.
wait_healthz() {
	local cond=$1 health=
	healthz_meets() {
		health=$(timeout 5 curl -s "http://127.0.0.1:$PORT/healthz")
		[ "$(jq "$cond" <<<"$health" 2>/dev/null)" = true ]
	}
	wait_until "${2:-30}" healthz_meets && return 0
	echo "healthz never met $cond: $health" >&2
	return 1
}

# True when wsrecv's /healthz answers with HTTP status $1; sets HEALTHZ_CODE.
healthz_answers() {
	HEALTHZ_CODE=$(timeout 5 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
	[ "$HEALTHZ_CODE" = "$1" ]
}

# The Python websockets client (see tests/clients/wsclient.py), capped.
wsclient() {
	timeout 60 "$PY" "$CLIENTS/wsclient.py" "$@"
}

# The raw-socket client (see tests/clients/rawws.py), capped.
rawws() {
	timeout 30 "$PY" "$CLIENTS/rawws.py" "$@"
}

# The Node ws client (see tests/clients/node-send.js), capped.
node_send() {
	timeout 120 node "$CLIENTS/node-send.js" "$@"
}

# Hex of a string, for rawws frames.
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}
