# Apache Kafka nodes on loopback, in KRaft mode, each node a combined broker
# and controller: the one mechanism behind `make kafka` (tests/kafka/run),
# the suites' clusters and the benchmarks (tests/kafka/cluster). Sourced by
# bash; functions return non-zero with a message on stderr, never exit.
#
# A cluster lives in one folder:
#   DIR/cluster       nodes=N, cluster id, the voters
#   DIR/N/            one folder per node id: server.properties, data/,
#                     logs/server.log, stderr, pid, port

KAFKA_HOME=${KAFKA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# A small machine: Kafka's own defaults are a 1 GiB heap and these G1 flags.
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}

# Prints the classpath of the Kafka jars, fetching them on first use.
kafka_classpath() {
	command -v java >/dev/null || {
		echo "kafka: java not found: install Java 17 (make deps installs Debian's default-jre-headless)" >&2
		return 1
	}
	"$KAFKA_HOME/fetch" || return 1
	cat "$KAFKA_HOME/classpath"
}

# Runs a Java main class from the Kafka jars: kafka_java CLASS ARGS...
# (the console tools and the perf tool; the log config keeps stdout for data).
# KAFKA_TOOL_OPTS: the JVM's flags; by default tuned to start fast (the
# tests), the benchmarks use those of Kafka's own scripts.
kafka_java() {
	local cp
	cp=$(kafka_classpath) || return 1
	# shellcheck disable=SC2086
	java ${KAFKA_TOOL_OPTS:--Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
		-Dlog4j2.configurationFile="$KAFKA_HOME/log4j2-tools.properties" -cp "$cp" "$@"
}

# Prints a TCP port that is free right now on 127.0.0.1, other than the
# ports given (tests/free-port).
kafka_free_port() {
	"$(dirname "${BASH_SOURCE[0]}")/../free-port" "$@"
}

# True when something listens on 127.0.0.1:$1.
kafka_port_taken() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a new cluster id: 16 random bytes in URL-safe base64, as Kafka's
# Uuid, which draws again when the text starts with '-' (a command line
# would take it for an option: kafka-storage format --cluster-id -x...).
kafka_new_id() {
	local id=-
	while [ "${id#-}" != "$id" ]; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	done
	echo "$id"
}

# Writes the configuration of a cluster of $2 nodes in folder $1 and formats
# each node's storage. $3: the first node's client port (0 or empty: a free
# one). Further arguments are extra broker properties (name=value) for every
# node. Does nothing to a folder already set up (a restart keeps its data).
kafka_cluster_init() {
	local dir=$1 n=$2 port=${3:-0}
	shift 3
	[ -f "$dir/cluster" ] && return 0
	local cp
	cp=$(kafka_classpath) || return 1
	mkdir -p "$dir" || return 1
	local i voters= cport ports=() cports=()
	for i in $(seq 1 "$n"); do
		if [ "$i" = 1 ] && [ "$port" != 0 ]; then
			ports[i]=$port
		else
			ports[i]=$(kafka_free_port "${ports[@]}" "${cports[@]}") || return 1
		fi
		cport=$(kafka_free_port "${ports[@]}" "${cports[@]}") || return 1
		cports+=("$cport")
		voters="$voters${voters:+,}$i@127.0.0.1:$cport"
		mkdir -p "$dir/$i/logs"
		echo "${ports[i]} $cport" >"$dir/$i/ports"
	done
	local id isr=$((n < 2 ? 1 : 2)) rf=$((n < 3 ? n : 3))
	id=$(kafka_new_id)
	for i in $(seq 1 "$n"); do
		read -r port cport <"$dir/$i/ports"
		{
			echo "# node $i of a $n-node KRaft cluster (tests/kafka/lib.bash)"
			echo "process.roles=broker,controller"
			echo "node.id=$i"
			echo "controller.quorum.voters=$voters"
			echo "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
			echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
			echo "controller.listener.names=CONTROLLER"
			echo "inter.broker.listener.name=PLAINTEXT"
			echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
			echo "log.dirs=$dir/$i/data"
			# Replication as the cluster's size allows: 3 and min.insync.replicas=2
			# on three nodes, 1 on one.
			echo "default.replication.factor=$rf"
			echo "min.insync.replicas=$isr"
			echo "offsets.topic.replication.factor=$rf"
			echo "transaction.state.log.replication.factor=$rf"
			echo "transaction.state.log.min.isr=$isr"
			# A group's first member starts at once instead of after 3 s.
			echo "group.initial.rebalance.delay.ms=0"
			# Two cores: fewer threads than Kafka's defaults (3 network, 8 I/O).
			echo "num.network.threads=2"
			echo "num.io.threads=4"
			local prop
			for prop in "$@"; do echo "$prop"; done
		} >"$dir/$i/server.properties"
	done
	printf 'nodes=%s\nid=%s\nvoters=%s\n' "$n" "$id" "$voters" >"$dir/cluster.new"
	# Format every node's storage (one JVM each, in parallel).
	local pids=() status=0
	for i in $(seq 1 "$n"); do
		java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" \
			-Dkafka.logs.dir="$dir/$i/logs" -cp "$cp" kafka.tools.StorageTool format \
			-t "$id" -c "$dir/$i/server.properties" >"$dir/$i/format.out" 2>&1 </dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || status=1; done
	if [ "$status" != 0 ]; then
		echo "kafka: formatting the storage in $dir failed:" >&2
		cat "$dir"/*/format.out >&2
		return 1
	fi
	mv "$dir/cluster.new" "$dir/cluster"
}

# Prints the number of nodes of the cluster in folder $1.
kafka_nodes() {
	sed -n 's/^nodes=//p' "$1/cluster"
}

# Prints the bootstrap address of the cluster in $1 (every node).
kafka_bootstrap() {
	local dir=$1 i port cport out=
	for i in $(seq 1 "$(kafka_nodes "$dir")"); do
		read -r port cport <"$dir/$i/ports"
		out="$out${out:+,}127.0.0.1:$port"
	done
	echo "$out"
}

# Starts node $2 of the cluster in $1 in the background (stdin closed,
# fd 3 closed, stderr to the node's folder); its pid goes to DIR/N/pid.
kafka_node_start() {
	local dir=$1 i=$2 cp port cport
	cp=$(kafka_classpath) || return 1
	read -r port cport <"$dir/$i/ports"
	local p
	for p in "$port" "$cport"; do
		if kafka_port_taken "$p"; then
			echo "kafka: port $p on 127.0.0.1 is taken (node $i cannot listen there)" >&2
			return 1
		fi
	done
	# shellcheck disable=SC2086
	java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" \
		-Dkafka.logs.dir="$dir/$i/logs" -cp "$cp" kafka.Kafka "$dir/$i/server.properties" \
		</dev/null >"$dir/$i/stdout" 2>"$dir/$i/stderr" 3>&- &
	echo $! >"$dir/$i/pid"
}

# True while node $2 of the cluster in $1 runs.
kafka_node_alive() {
	[ -f "$1/$2/pid" ] && kill -0 "$(cat "$1/$2/pid")" 2>/dev/null
}

# Stops node $2 of the cluster in $1 with signal $3 (default TERM, a clean
# shutdown) and waits for it to be gone (KILL after 30 s).
kafka_node_stop() {
	local dir=$1 i=$2 sig=${3:-TERM} pid
	[ -f "$dir/$i/pid" ] || return 0
	pid=$(cat "$dir/$i/pid")
	kill "-$sig" "$pid" 2>/dev/null || { rm -f "$dir/$i/pid"; return 0; }
	if ! timeout 30 tail --pid="$pid" -f /dev/null; then
		echo "kafka: node $i (pid $pid) still running 30 s after SIG$sig; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		timeout 10 tail --pid="$pid" -f /dev/null
	fi
	rm -f "$dir/$i/pid"
}

# Waits (at most $2 seconds, default 60) until every node of the cluster in
# $1 answers a metadata request and is listed in it as a live broker (a
# fenced broker is not), by asking each node with kcat. Prints the node's
# last error lines when one dies.
kafka_wait_ready() {
	local dir=$1 secs=${2:-60} n i end
	n=$(kafka_nodes "$dir")
	end=$((SECONDS + secs))
	for i in $(seq 1 "$n"); do
		local port cport
		read -r port cport <"$dir/$i/ports"
		until [ "$(timeout 5 kcat -b "127.0.0.1:$port" -L -m 2 2>/dev/null |
			grep -c '^  broker [0-9]* at ')" -ge "$n" ]; do
			if ! kafka_node_alive "$dir" "$i"; then
				echo "kafka: node $i exited while starting:" >&2
				tail -n 5 "$dir/$i/stderr" >&2
				return 1
			fi
			if [ "$SECONDS" -ge "$end" ]; then
				echo "kafka: node $i not ready after $secs s (see $dir/$i/logs/server.log)" >&2
				return 1
			fi
			sleep 0.1
		done
	done
}

# Prints the node id leading partition $3 of topic $2 on the cluster in $1.
kafka_leader() {
	timeout 10 kcat -b "$(kafka_bootstrap "$1")" -L -J -t "$2" |
		jq -e --argjson p "$3" '.topics[0].partitions[] | select(.partition == $p) | .leader'
}

# Waits (at most $3 seconds, default 60) until every partition of topic $2
# has all the cluster's nodes in sync again (after a node came back).
kafka_wait_isr() {
	local dir=$1 t=$2 secs=${3:-60} n end
	n=$(kafka_nodes "$dir")
	end=$((SECONDS + secs))
	until timeout 10 kcat -b "$(kafka_bootstrap "$dir")" -L -J -t "$t" 2>/dev/null |
		jq -e --argjson n "$n" '.topics[0].partitions | length > 0 and all(.isrs | length == $n)' >/dev/null; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "kafka: $t not fully in sync after $secs s" >&2
			return 1
		fi
		sleep 0.2
	done
}
