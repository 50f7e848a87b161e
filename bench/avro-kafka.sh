#!/bin/bash
# Avro through a schema registry, end to end: kprod -s value=avro against
# kprod on the same JSON lines and against Confluent's Python producer with
# its AvroSerializer (and kafkajs with @kafkajs/confluent-schema-registry when
# npm can install them into tests/.deps/node); kcons -s value=avro against
# kcons on the same topic's raw bytes and against Confluent's Python consumer
# with its AvroDeserializer. Starts its own test broker and its own registry
# (tests/registry/server); writes bench/out/avro-kafka.md.
#   bench/avro-kafka.sh [N_RECORDS] [RUNS]      (defaults 1000000 and 5)
# The peers are slower by far: they get PEER_RECORDS (N / 10) records a run.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
N=${1:-${BENCH_RECORDS:-1000000}}
RUNS=${2:-${BENCH_RUNS:-5}}
PN=${PEER_RECORDS:-$((N / 10))}
PARTS=${PARTS:-64}
KPROD=$(readlink -f "${KPROD:-bin/kprod}")
KCONS=$(readlink -f "${KCONS:-bin/kcons}")
PY=/usr/bin/python3
PYDEPS=$(readlink -f tests/.deps/python)
NODEDEPS=$(readlink -f tests/.deps)/node
OUT=bench/out/avro-kafka.md
for f in "$KPROD" "$KCONS" tests/bin/mockbroker /usr/bin/time "$PY"; do
	[ -x "$f" ] || { echo "bench/avro-kafka.sh: $f missing (make all testtools)" >&2; exit 2; }
done
command -v kcat >/dev/null || { echo "bench/avro-kafka.sh: needs kcat" >&2; exit 2; }
PYTHONPATH=$PYDEPS "$PY" -c 'import confluent_kafka.schema_registry.avro' 2>/dev/null ||
	{ echo "bench/avro-kafka.sh: confluent-kafka missing in $PYDEPS (tests/deps)" >&2; exit 2; }

tmp=$(mktemp -d)
bpid=
cleanup() {
	bench_broker_stop
	tests/registry/server stop "$tmp/registry" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

bench_broker_start -t "src:$PARTS"
R=$(tests/registry/server start "$tmp/registry" </dev/null 3>&-) ||
	{ echo "bench/avro-kafka.sh: the registry did not start" >&2; exit 1; }

cat >"$tmp/movie.avsc" <<'SCHEMA'
{"type":"record","name":"Movie","namespace":"com.example","fields":[
 {"name":"title","type":"string"},
 {"name":"released","type":"int"},
 {"name":"rating","type":"double"},
 {"name":"genres","type":{"type":"array","items":"string"}}]}
SCHEMA
# The records, about 75 bytes of JSON each; the peers get the first PN.
awk -v n="$N" 'BEGIN { split("drama,sci-fi,action,comedy,thriller", g, ",")
	for (i = 1; i <= n; i++) printf "{\"title\":\"Film %d\",\"released\":%d,\"rating\":%.1f,\"genres\":[\"%s\",\"%s\"]}\n",
		i, 1920 + i % 100, (i % 91) / 10 + 1, g[i % 5 + 1], g[(i + 2) % 5 + 1] }' >"$tmp/movies"
head -n "$PN" "$tmp/movies" >"$tmp/movies.peer"
# The consumers' topic: the records as kprod -s value=avro writes them.
"$KPROD" -b "$B" -q -t src -s value=avro -r "$R" --value-schema "$tmp/movie.avsc" <"$tmp/movies"
[ "$(delivered src)" = "$N" ] || { echo "bench/avro-kafka.sh: src got $(delivered src) of $N" >&2; exit 1; }
# What kcons writes of the raw bytes: the values and a newline each (Avro
# may hold newlines, so the check is on bytes, from kcat's sizes).
RAWBYTES=$(timeout 120 kcat -b "$B" -C -e -q -t src -f '%S\n' | awk '{ n += $1 + 1 } END { print n }')
AVROSIZE=$(awk -v b="$RAWBYTES" -v n="$N" 'BEGIN { printf "%.0f", b / n - 1 }')
JSONSIZE=$(awk -v n="$N" '{ b += length($0) } END { printf "%.0f", b / n }' "$tmp/movies")

# kafkajs and the registry package, if npm can install them.
KJS=
if [ -d "$NODEDEPS/node_modules/kafkajs" ] && [ -d "$NODEDEPS/node_modules/@kafkajs/confluent-schema-registry" ]; then
	KJS=ok
elif command -v npm >/dev/null &&
	timeout 300 npm install --no-audit --no-fund --prefix "$NODEDEPS" kafkajs@2 @kafkajs/confluent-schema-registry@4 >"$tmp/npm.log" 2>&1; then
	KJS=ok
else
	echo "bench/avro-kafka.sh: npm could not install kafkajs and @kafkajs/confluent-schema-registry: kafkajs not measured" >&2
fi

# Runs "$@" (a shell command line) under /usr/bin/time; appends
# "wall cpu count" to file $1 after checking topic $2 got $3 records (if given).
measure() {
	local file=$1 topic=$2 count=$3
	shift 3
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c "$*"
	if [ -n "$topic" ]; then
		local got
		got=$(delivered "$topic")
		[ "$got" = "$count" ] || { echo "bench/avro-kafka.sh: $topic got $got of $count records ($*)" >&2; exit 1; }
	fi
	awk -v n="$count" '{ printf "%s %.3f %d\n", $1, $2 + $3, n }' "$tmp/time" >>"$tmp/$file"
}

# The commands, run in $tmp, with $T the topic of the run.
P_LINE="$KPROD -b $B -t \$T < movies"
P_AVRO="$KPROD -b $B -t \$T -s value=avro -r $R --value-schema movie.avsc < movies"
P_PY="env PYTHONPATH=$PYDEPS $PY $PWD/bench/avro-peer.py produce $B $R movie.avsc \$T < movies.peer"
P_KJS="env NODE_PATH=$NODEDEPS/node_modules node $PWD/bench/avro-peer.js $B $R movie.avsc \$T < movies.peer"
# -q: Avro's bytes hold newlines, which kcons writes and warns about once.
C_RAW="$KCONS -b $B -e -q src"
C_AVRO="$KCONS -b $B -e -s value=avro -r $R src"
C_PY="env PYTHONPATH=$PYDEPS $PY $PWD/bench/avro-peer.py consume $B $R src $PN"
producers="p_line p_avro p_py"
[ -z "$KJS" ] || producers="$producers p_kjs"

for r in $(seq "$RUNS"); do
	for name in $producers; do
		t="${name}_$r"
		broker_cmd "topic $t $PARTS"
		case $name in
		p_line) cmd=$P_LINE n=$N ;; p_avro) cmd=$P_AVRO n=$N ;;
		p_py) cmd=$P_PY n=$PN ;; p_kjs) cmd=$P_KJS n=$PN ;;
		esac
		measure "$name" "$t" "$n" "cd '$tmp' && ${cmd//\$T/$t} >/dev/null"
	done
	# Timed alone (exec), writing into a pipe to wc, which checks the count.
	measure c_raw "" "$N" "exec $C_RAW" | wc -c >"$tmp/count"
	[ "$(cat "$tmp/count")" = "$RAWBYTES" ] || { echo "bench/avro-kafka.sh: kcons wrote $(cat "$tmp/count") of $RAWBYTES bytes" >&2; exit 1; }
	measure c_avro "" "$N" "exec $C_AVRO" | wc -l >"$tmp/count"
	[ "$(cat "$tmp/count")" = "$N" ] || { echo "bench/avro-kafka.sh: kcons -s value=avro read $(cat "$tmp/count") of $N" >&2; exit 1; }
	# A fresh consumer group each run (the topic's name is the group's).
	measure c_py "" "$PN" "exec $C_PY" | wc -l >"$tmp/count"
	[ "$(cat "$tmp/count")" = "$PN" ] || { echo "bench/avro-kafka.sh: the Python consumer read $(cat "$tmp/count") of $PN" >&2; exit 1; }
done
# The decoded JSON is the JSON produced (the same fields in the same order).
"$KCONS" -b "$B" -e -q -s value=avro -r "$R" src | sort >"$tmp/decoded"
sort "$tmp/movies" | cmp -s - "$tmp/decoded" || { echo "bench/avro-kafka.sh: kcons -s value=avro did not give back the JSON produced" >&2; exit 1; }

# Median of column $2 of file $1.
median() { sort -g -k"$2","$2" "$tmp/$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
# Messages/s and CPU s per million of file $1 (its runs' counts in column 3).
rate() { awk -v w="$(median "$1" 1)" -v n="$(head -n 1 "$tmp/$1" | cut -d ' ' -f 3)" 'BEGIN { printf "%.0f", n / w }'; }
cpu() { awk -v c="$(median "$1" 2)" -v n="$(head -n 1 "$tmp/$1" | cut -d ' ' -f 3)" 'BEGIN { printf "%.3f", c * 1e6 / n }'; }
# A table row: label, file.
row() { echo "| $1 | $(head -n 1 "$tmp/$2" | cut -d ' ' -f 3) | $(rate "$2") | $(cpu "$2") |"; }
# "a / b" of the msgs/s (rate) or CPU per message (cpu) of two files.
# ("1/N" when below 0.1, else "Rx").
ratio() {
	awk -v a="$($1 "$2")" -v b="$($1 "$3")" 'BEGIN { r = a / b
		if (r < 0.1) printf "1/%.0f", b / a; else printf "%.2fx", r }'
}
# "met" or "MISSED": whether the ratio (kind $1) of files $2 / $3 is at most
# (le) or at least (ge) the goal $5.
goal() {
	awk -v a="$($1 "$2")" -v b="$($1 "$3")" -v op="$4" -v g="$5" 'BEGIN { r = a / b
		print (op == "le" ? r <= g : r >= g) ? "met" : "MISSED" }'
}
# The version of Node package $1 in tests/.deps/node.
kjs_version() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$NODEDEPS/node_modules/$1/package.json"; }
mkdir -p bench/out
{
	echo "## Avro through a schema registry"
	echo
	echo "\`bench/avro-kafka.sh $N $RUNS\`: movie records of $JSONSIZE bytes of JSON on average"
	echo "(title, released, rating, two genres; one Avro schema with those fields, $AVROSIZE"
	echo "bytes of Avro with the 5 of the framing), a registry of its own (Apicurio Registry, tests/registry), the"
	echo "test broker, every producer run to a fresh $PARTS-partition topic and counted there;"
	echo "the consumers read the $N records kprod -s value=avro wrote, counted (and the decoded"
	echo "JSON checked equal to what was produced). The Python (and Node) peers get the first"
	echo "$PN records a run: a rate, not a total, is compared. Median of $RUNS runs, measured"
	echo "alternately, $(nproc) cores; CPU is user + sys of the process (/usr/bin/time)."
	echo
	echo "| | records | msgs/s | CPU s per million |"
	echo "|---|---:|---:|---:|"
	row "kprod (the JSON lines as they are)" p_line
	row "kprod -s value=avro" p_avro
	row "confluent-kafka 2.16.1 Producer + AvroSerializer (Python)" p_py
	[ -z "$KJS" ] || row "kafkajs $(kjs_version kafkajs) + @kafkajs/confluent-schema-registry $(kjs_version @kafkajs/confluent-schema-registry), batched sends (Node $(node --version))" p_kjs
	row "kcons (the raw Avro bytes)" c_raw
	row "kcons -s value=avro (JSON lines)" c_avro
	row "confluent-kafka 2.16.1 Consumer + AvroDeserializer (Python)" c_py
	echo
	echo "- kprod -s value=avro: $(ratio cpu p_avro p_line) the CPU per message of kprod on the same"
	echo "  JSON lines (goal: at most 1.5x, $(goal cpu p_avro p_line le 1.5)), $(ratio rate p_avro p_line) its messages/s;"
	echo "  $(ratio rate p_avro p_py) the messages/s of Python's AvroSerializer producer (goal: at least 10x, $(goal rate p_avro p_py ge 10)),"
	echo "  CPU per message: $(ratio cpu p_avro p_py) of Python's."
	[ -z "$KJS" ] || echo "- kprod -s value=avro: $(ratio rate p_avro p_kjs) the messages/s of kafkajs (goal: at least 10x, $(goal rate p_avro p_kjs ge 10)), CPU per message: $(ratio cpu p_avro p_kjs) of kafkajs's."
	[ -n "$KJS" ] || echo "- kafkajs: not measured (npm could not install kafkajs and @kafkajs/confluent-schema-registry)."
	echo "- kcons -s value=avro: $(ratio rate c_avro c_py) the messages/s of Python's AvroDeserializer"
	echo "  consumer (goal: at least 10x, $(goal rate c_avro c_py ge 10)), CPU per message: $(ratio cpu c_avro c_py) of Python's;"
	echo "  $(ratio cpu c_avro c_raw) the CPU per message of kcons writing the raw bytes."
	echo
	echo "Commands (\$T a fresh topic, movies the JSON lines, movies.peer the first $PN;"
	echo "the consumers write into a pipe to wc, which checks the count and is not timed):"
	echo
	echo '```'
	cmds=("$P_LINE" "$P_AVRO" "$P_PY")
	[ -z "$KJS" ] || cmds+=("$P_KJS")
	for c in "${cmds[@]}" "$C_RAW" "$C_AVRO" "$C_PY"; do
		c=${c//$B/BROKER}
		c=${c//$R/REGISTRY}
		c=${c//$PYDEPS/tests\/.deps\/python}
		c=${c//$NODEDEPS/tests\/.deps\/node}
		c=${c//$KPROD/kprod}
		c=${c//$KCONS/kcons}
		echo "${c//$PWD\//}"
	done
	echo '```'
} | tee "$OUT"
