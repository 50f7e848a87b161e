#!/usr/bin/env bash
# What a connection costs wsrecv: its VmHWM (peak resident memory) before
# and after N clients that each hold one kind of connection open:
#   idle    an established WebSocket that sends nothing
#   head16k an unfinished request head of 16,000 bytes
#   tls     a finished TLS handshake (wss://) that sends nothing more
#   tls16k  a finished TLS handshake and an unfinished head of 16,000 bytes
# and the difference per connection. The release build; nothing else runs
# in wsrecv meanwhile.
#
#   [WSRECV=path] bench/connmem.sh [N] [KIND...]   (default 5000 idle head16k)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.bash
n=${1:-5000}
shift || true
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(idle head16k)
ulimit -n $((n + 256))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
for kind in "${kinds[@]}"; do
	tls=() scheme=http
	case $kind in tls*) tls=(--cert "$tmp/cert.pem" --key "$tmp/key.pem") scheme=https ;; esac
	"${WSRECV:-bin/wsrecv}" -p 0 --idle 120 --ping 0 --max-conns $((n + 100)) "${tls[@]}" >/dev/null 2>"$tmp/err" 3>&- &
	ws=$!
	port=$(listening_port "$tmp/err")
	base=$(hwm $ws)
	case $kind in
	idle) client=(tests/clients/stallers.py "$port" "$n" --idle --hold 600) ;;
	head16k) client=(tests/clients/halfopen.py "$port" "$n" --head-bytes 16000 --hold 600) ;;
	tls) client=(tests/clients/halfopen.py "$port" "$n" --silent --tls --hold 600) ;;
	tls16k) client=(tests/clients/halfopen.py "$port" "$n" --head-bytes 16000 --tls --hold 600) ;;
	*) echo "connmem: unknown kind $kind" >&2; exit 2 ;;
	esac
	/usr/bin/python3 "${client[@]}" >"$tmp/client" 3>&- &
	cl=$!
	for _ in $(seq 1200); do
		grep -q "^open $n" "$tmp/client" && break
		kill -0 $cl 2>/dev/null || { cat "$tmp/client" >&2; exit 1; }
		sleep 0.1
	done
	grep -q "^open $n" "$tmp/client"
	# Let wsrecv read what was sent: until its peak stops growing.
	prev=0
	for _ in $(seq 50); do
		timeout 5 curl -sk "$scheme://127.0.0.1:$port/healthz" >/dev/null || true
		now=$(hwm $ws)
		[ "$now" = "$prev" ] && break
		prev=$now
		sleep 0.5
	done
	peak=$(hwm $ws)
	echo "$kind: $n connections, VmHWM $base kB -> $peak kB, $(((peak - base) * 1024 / n)) bytes a connection"
	kill $cl
	wait $cl 2>/dev/null || true
	kill -TERM $ws
	wait $ws 2>/dev/null || true
done
