# Apicurio Registry 2.4.2.Final on loopback: the one mechanism behind
# `make registry` (tests/registry/run) and the suites' registries
# (tests/registry/server). Sourced by bash; functions return non-zero with a
# message on stderr, never exit.
#
# A running registry lives in one folder:
#   DIR/port     its HTTP port on 127.0.0.1
#   DIR/scheme   http, or https when it serves TLS (below)
#   DIR/pid      the JVM's process id
#   DIR/log      what it wrote (stdout and stderr)
#
# Storage is in memory (H2): a registry forgets everything when it stops.
#
# TLS instead of plain HTTP, on the same port, when REGISTRY_TLS_CERT and
# REGISTRY_TLS_KEY name its certificate and key (PEM files). A client may
# then present a certificate, which must be signed by a CA in the PKCS12
# trust store REGISTRY_TLS_TRUST (password REGISTRY_TLS_TRUST_PASSWORD);
# one it presents and the store does not trust ends the handshake.

REGISTRY_HOME=${REGISTRY_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REGISTRY_JAR=$REGISTRY_HOME/target/quarkus-app/quarkus-run.jar
# A small machine: Apicurio needs no more than this for the tests.
REGISTRY_JVM_OPTS=${REGISTRY_JVM_OPTS:--Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}

# Prints the path of the registry's jar, building it on first use.
registry_jar() {
	command -v java >/dev/null || {
		echo "registry: java not found: install Java 17 (make deps installs Debian's default-jre-headless)" >&2
		return 1
	}
	"$REGISTRY_HOME/fetch" || return 1
	echo "$REGISTRY_JAR"
}

# True when something listens on 127.0.0.1:$1.
registry_port_taken() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the Confluent-compatible API's URL of the registry in $1.
registry_url() {
	echo "$(cat "$1/scheme")://127.0.0.1:$(cat "$1/port")/apis/ccompat/v7"
}

# True while the registry in $1 runs.
registry_node_alive() {
	[ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null
}

# Starts a registry in the background on port $2 (0 or empty: a free one),
# its state in folder $1 (stdin closed, fd 3 closed, output to DIR/log).
registry_node_start() {
	local dir=$1 port=${2:-0} jar
	jar=$(registry_jar) || return 1
	mkdir -p "$dir" || return 1
	if [ "$port" = 0 ]; then
		port=$("$REGISTRY_HOME/../free-port") || return 1
	elif registry_port_taken "$port"; then
		echo "registry: port $port on 127.0.0.1 is taken; stop what listens there or pick another (REGISTRY_PORT=0 picks a free one)" >&2
		return 1
	fi
	echo "$port" >"$dir/port"
	local tls=()
	echo http >"$dir/scheme"
	if [ -n "${REGISTRY_TLS_CERT:-}" ]; then
		echo https >"$dir/scheme"
		tls=(-Dquarkus.http.insecure-requests=disabled -Dquarkus.http.ssl-port="$port"
			-Dquarkus.http.ssl.certificate.files="$REGISTRY_TLS_CERT"
			-Dquarkus.http.ssl.certificate.key-files="${REGISTRY_TLS_KEY:?REGISTRY_TLS_KEY: the key of REGISTRY_TLS_CERT}")
		[ -z "${REGISTRY_TLS_TRUST:-}" ] ||
			tls+=(-Dquarkus.http.ssl.certificate.trust-store-file="$REGISTRY_TLS_TRUST"
				-Dquarkus.http.ssl.certificate.trust-store-password="${REGISTRY_TLS_TRUST_PASSWORD:-}")
	fi
	# HTTP_PORT: the app's prod profile reads it (a -D would lose to that
	# profile's own value). The pool sizes: Apicurio's prod defaults keep
	# 20 connections open to an in-memory database that needs one or two.
	# shellcheck disable=SC2086
	HTTP_PORT=$port java $REGISTRY_JVM_OPTS -Dquarkus.http.host=127.0.0.1 "${tls[@]}" \
		-D%prod.quarkus.datasource.jdbc.initial-size=2 -D%prod.quarkus.datasource.jdbc.min-size=2 \
		-jar "$jar" </dev/null >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
}

# Waits (at most $2 seconds, default 90) until the registry in $1 answers
# its Confluent-compatible API. Prints its last lines when it exits.
registry_wait_ready() {
	local dir=$1 secs=${2:-90} end url
	end=$((SECONDS + secs))
	url=$(registry_url "$dir")
	# -k: this asks whether it answers, not whom to trust.
	until timeout 5 curl -sfk -o /dev/null "$url/subjects" 2>/dev/null; do
		if ! registry_node_alive "$dir"; then
			echo "registry: exited while starting:" >&2
			tail -n 5 "$dir/log" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "registry: not answering after $secs s (see $dir/log)" >&2
			return 1
		fi
		sleep 0.2
	done
}

# Stops the registry in $1 (SIGTERM, a clean shutdown; SIGKILL after 30 s)
# and waits for it to be gone.
registry_node_stop() {
	local dir=$1 pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -TERM "$pid" 2>/dev/null || { rm -f "$dir/pid"; return 0; }
	if ! timeout 30 tail --pid="$pid" -f /dev/null; then
		echo "registry: pid $pid still running 30 s after SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		timeout 10 tail --pid="$pid" -f /dev/null
	fi
	rm -f "$dir/pid"
}
