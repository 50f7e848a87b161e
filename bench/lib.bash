# Sourced by the benchmarks that start a WebSocket server.

# Prints the port the server whose stderr is FILE says it listens on
# ("... listening on 127.0.0.1:PORT"), waiting up to 5 s for the line (the
# server may not even have opened FILE yet); fails, showing FILE, when no
# such line comes.
listening_port() {
	local port
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1" 2>/dev/null) || true
		if [ -n "$port" ]; then
			echo "$port"
			return 0
		fi
		sleep 0.05
	done
	echo "bench: no 'listening on' line from the server in $1:" >&2
	cat "$1" >&2 2>/dev/null
	return 1
}
