#!/bin/bash
# Benchmarks wsrecv against the Node ws server it replaces (bench/node-ws-server.js),
# both fed by bench/bin/wsload with 1, 100 and 1,000 connections sending
# 100-byte messages, stdout to `wc -l` (the count is checked). Reports
# messages/s, server CPU seconds per million messages and peak RSS,
# then RSS with 10,000 idle connections. Prints a markdown section and
# writes it to bench/out/wsrecv.md.
#   bench/wsrecv.sh [MESSAGES] [RUNS]     (defaults: 1000000 and 3; the median run is kept)
#   WSRECV=path    another wsrecv (e.g. one built before a change)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
MESSAGES=${1:-1000000}
RUNS=${2:-3}
IDLE=${IDLE_CONNS:-10000}
export NODE_PATH=/usr/share/nodejs
ulimit -n "$(ulimit -Hn)"

WSRECV=${WSRECV:-bin/wsrecv}
[ -x "$WSRECV" ] && [ -x bench/bin/wsload ] || { echo "wsrecv.sh: run make all testtools first" >&2; exit 2; }
tmp=$(mktemp -d)
server_pid=
cleanup() {
	[ -z "$server_pid" ] || kill -KILL "$server_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# Starts server $1 ("wsrecv" or "node") under /usr/bin/time, stdout to
# wc -l; sets server_pid, time_pid, port.
start_server() {
	rm -f "$tmp/fifo" "$tmp/err" "$tmp/count" "$tmp/time"
	mkfifo "$tmp/fifo"
	wc -l <"$tmp/fifo" >"$tmp/count" &
	wc_pid=$!
	case $1 in
	wsrecv) cmd=("$WSRECV" -p 0 -q --max-conns 20000 --idle 0) ;;
	node) cmd=(node bench/node-ws-server.js 0) ;;
	esac
	/usr/bin/time -o "$tmp/time" -f '%U %S %M' "${cmd[@]}" >"$tmp/fifo" 2>"$tmp/err" &
	time_pid=$!
	port=$(listening_port "$tmp/err")
	server_pid=$(pgrep -P "$time_pid")
}

# Stops the server (it finishes writing first) and waits for wc -l.
stop_server() {
	kill -TERM "$server_pid"
	wait "$time_pid" || true
	server_pid=
	wait "$wc_pid"
}

# One measured run: prints "rate cpu_per_million hwm_MB". The time runs from
# the first connection to the last line out of the server.
run_one() {
	local server=$1 conns=$2 t0 t1
	start_server "$server"
	t0=$(date +%s.%N)
	bench/bin/wsload -c "$conns" -n "$MESSAGES" -s 100 -p "$port" >/dev/null
	stop_server
	t1=$(date +%s.%N)
	local count
	count=$(cat "$tmp/count")
	if [ "$count" -ne "$MESSAGES" ]; then
		echo "wsrecv.sh: $server with $conns connections wrote $count lines, not $MESSAGES" >&2
		exit 1
	fi
	awk -v m="$MESSAGES" -v s="$(echo "$t1 - $t0" | bc)" \
		'{ printf "%.0f %.2f %.1f\n", m / s, ($1 + $2) / m * 1e6, $3 / 1024 }' "$tmp/time"
}

# The median of RUNS runs, by rate.
median_of() {
	local i
	for i in $(seq "$RUNS"); do run_one "$@"; done | sort -k1,1n | sed -n "$(((RUNS + 1) / 2))p"
}

# RSS in MB of the server holding $IDLE idle connections.
idle_rss() {
	start_server "$1"
	bench/bin/wsload -c "$IDLE" -i 3 -p "$port" >"$tmp/idle" &
	local lpid=$!
	for _ in $(seq 600); do
		grep -q '^open' "$tmp/idle" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "^open $IDLE\$" "$tmp/idle" || { echo "wsrecv.sh: idle connections did not open" >&2; exit 1; }
	sleep 0.5
	awk '/^VmRSS/ { printf "%.1f\n", $2 / 1024 }' "/proc/$server_pid/status"
	wait "$lpid"
	stop_server
}

declare -A R
for conns in 1 100 1000; do
	for server in wsrecv node; do
		echo "running $server, $conns connections, $MESSAGES messages..." >&2
		R[$server,$conns]=$(median_of "$server" "$conns")
	done
done
echo "running $IDLE idle connections..." >&2
idle_w=$(idle_rss wsrecv)
idle_n=$(idle_rss node)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

{
	echo "## wsrecv vs the Node ws server"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores, $MESSAGES messages of 100 bytes per run, median of $RUNS runs;"
	echo "stdout to \`wc -l\` (counts checked); time from the first connection to the last line"
	echo "written. CPU is the server's user+system time; peak RSS its maximum resident set."
	echo
	echo "| connections | server | messages/s | CPU s per million | peak RSS (MB) |"
	echo "|---:|---|---:|---:|---:|"
	for conns in 1 100 1000; do
		for server in wsrecv node; do
			read -r rate cpu hwm <<<"${R[$server,$conns]}"
			echo "| $conns | $server | $rate | $cpu | $hwm |"
		done
		read -r rw cw hw <<<"${R[wsrecv,$conns]}"
		read -r rn cn hn <<<"${R[node,$conns]}"
		echo "| $conns | **wsrecv / node** | **$(ratio "$rw" "$rn")x** | **$(ratio "$cw" "$cn")x** | **$(ratio "$hw" "$hn")x** |"
	done
	echo
	echo "RSS with $IDLE idle connections: wsrecv $idle_w MB, node $idle_n MB ($(ratio "$idle_w" "$idle_n")x)."
	echo
	echo "Commands:"
	echo
	echo '```'
	echo "bin/wsrecv -p 0 -q --max-conns 20000 --idle 0 | wc -l"
	echo "NODE_PATH=/usr/share/nodejs node bench/node-ws-server.js 0 | wc -l"
	echo "bench/bin/wsload -c CONNS -n $MESSAGES -s 100 -p PORT     # CONNS = 1, 100, 1000"
	echo "bench/bin/wsload -c $IDLE -i 3 -p PORT                  # idle connections"
	echo "# CPU and peak RSS: /usr/bin/time -f '%U %S %M' SERVER; idle RSS: VmRSS in /proc/PID/status"
	echo '```'
} | tee "$tmp/report"
mkdir -p bench/out
cp "$tmp/report" bench/out/wsrecv.md
