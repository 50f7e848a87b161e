#!/bin/bash
# The JSON envelope against the line modes: kprod -J and kcons -J against
# kprod and kcons on plain lines and against kcat's line mode, and the two
# ways to key a browser's JSON messages by a field (kprod --key-field, or
# jq writing envelopes for kprod -J). Starts its own test broker (or
# Kafka); writes bench/out/envelope.md.
#   bench/envelope.sh [N_RECORDS] [RUNS]        (defaults 1000000 and 5)
#   ENVELOPE_BROKER=kafka  the same on a single-node Apache Kafka of its own
#                       (bench/kafka.bash), 8 partitions, into
#                       bench/out/kafka-envelope.md (bench/kafka-envelope.sh)
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
N=${1:-1000000}
RUNS=${2:-5}
PARTS=${PARTS:-$([ "${ENVELOPE_BROKER:-}" = kafka ] && echo 8 || echo 64)}
KPROD=$(readlink -f "${KPROD:-bin/kprod}")
KCONS=$(readlink -f "${KCONS:-bin/kcons}")
for f in "$KPROD" "$KCONS" tests/bin/mockbroker /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/envelope.sh: $f missing (make all testtools)" >&2; exit 2; }
done
command -v kcat >/dev/null && command -v jq >/dev/null || { echo "bench/envelope.sh: needs kcat and jq" >&2; exit 2; }

bench_tmp
NAME=envelope
bench_any_broker "${ENVELOPE_BROKER:-test}"
new_topic src

# The source topic: N records of about 100 bytes, written by kcat with keys.
awk -v n="$N" 'BEGIN { pad = sprintf("%80s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= n; i++) printf "k%d\t%010d %s\n", i % 1000, i, pad }' >"$tmp/keyed"
kcat -b "$B" -P -t src -K '\t' <"$tmp/keyed"
# The inputs of the producer runs: the same records as kcons writes them.
"$KCONS" -b "$B" -e -q src >"$tmp/lines"
"$KCONS" -b "$B" -e -q -J src >"$tmp/envelopes"
# The same envelopes naming no partition and no key (as wsrecv -J writes
# them): they go out in sticky batches, as unkeyed lines do.
sed 's/"partition":[0-9]*,//; s/"key":"[^"]*"/"key":null/' "$tmp/envelopes" >"$tmp/unplaced"
"$KCONS" -b "$B" -e -q -K '\t' src >"$tmp/keyed"
# The same values as wsrecv -J writes a browser's messages; kcat gets the
# lines with the same headers by -H.
bench_wsenv "$tmp/lines" "$tmp/wsenv"
M=$(wc -l <"$tmp/lines")
[ "$M" -eq "$N" ] || { echo "bench/envelope.sh: the broker kept $M of $N records" >&2; N=$M; }
# The browser's records: movie/actor JSON, keyed by actor.
awk -v n="$N" 'BEGIN { split("Keanu Reeves,Carrie-Anne Moss,Laurence Fishburne,Hugo Weaving,Sandra Bullock", a, ",")
	for (i = 1; i <= n; i++) printf "{\"type\":\"movie\",\"title\":\"Film %d\",\"year\":%d,\"actor\":\"%s\"}\n", i, 1990 + i % 30, a[i % 5 + 1] }' >"$tmp/movies"

# Runs "$@" (a shell command line) under /usr/bin/time; appends
# "wall cpu" to file $1 after checking topic $2 got N records (if given).
measure() {
	local file=$1 topic=$2
	shift 2
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" bash -c "$*"
	if [ -n "$topic" ]; then
		local got
		got=$(delivered "$topic")
		[ "$got" = "$N" ] || { echo "bench/envelope.sh: $topic got $got of $N records ($*)" >&2; exit 1; }
	fi
	awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$tmp/time" >>"$tmp/$file"
}

# The commands, run in $tmp, with $T the topic of the run.
P_LINE="$KPROD -b $B -t \$T < lines"
P_JSON="$KPROD -b $B -J -t \$T < envelopes"
P_JFREE="$KPROD -b $B -J -t \$T < unplaced"
P_KCAT="kcat -P -b $B -t \$T -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true < lines"
P_JWS="$KPROD -b $B -J -t \$T < wsenv"
P_HKCAT="kcat -P -b $B -t \$T $(bench_headers "$N") -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true < lines"
# With the keys the envelopes carry, records spread over all the partitions
# as they do with -J (the envelopes name them), not in sticky batches.
P_KLINE="$KPROD -b $B -t \$T -K '\\t' < keyed"
P_KKCAT="kcat -P -b $B -t \$T -K '\\t' -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true < keyed"
C_LINE="$KCONS -b $B -e src"
C_JSON="$KCONS -b $B -e -J src"
C_KCAT="kcat -b $B -C -e -q -t src"
K_FIELD="$KPROD -b $B -t \$T --key-field actor < movies"
K_JQ="jq -R -c --unbuffered '{key: (try (fromjson | .actor | if type == \"string\" or . == null then . else tojson end) catch null), payload: .}' < movies | $KPROD -b $B -J -t \$T"
K_NONE="$KPROD -b $B -t \$T < movies"

for r in $(seq "$RUNS"); do
	for name in p_line p_json p_jfree p_kcat p_jws p_hkcat p_kline p_kkcat k_none k_field k_jq; do
		t="${name}_$r"
		new_topic "$t"
		case $name in
		p_line) cmd=$P_LINE ;; p_json) cmd=$P_JSON ;; p_jfree) cmd=$P_JFREE ;; p_kcat) cmd=$P_KCAT ;;
		p_jws) cmd=$P_JWS ;; p_hkcat) cmd=$P_HKCAT ;;
		p_kline) cmd=$P_KLINE ;; p_kkcat) cmd=$P_KKCAT ;;
		k_none) cmd=$K_NONE ;; k_field) cmd=$K_FIELD ;; k_jq) cmd=$K_JQ ;;
		esac
		measure "$name" "$t" "cd '$tmp' && ${cmd//\$T/$t}"
	done
	for name in c_line c_json c_kcat; do
		case $name in c_line) cmd=$C_LINE ;; c_json) cmd=$C_JSON ;; c_kcat) cmd=$C_KCAT ;; esac
		# Timed alone (exec), writing into a pipe to wc -l, which checks the count.
		measure "$name" "" "exec $cmd" | wc -l >"$tmp/count"
		[ "$(cat "$tmp/count")" = "$N" ] || { echo "bench/envelope.sh: $cmd read $(cat "$tmp/count") of $N" >&2; exit 1; }
	done
done

# Median of column $2 of file $1.
median() { sort -g -k"$2","$2" "$tmp/$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
# A table row: label, file.
row() {
	awk -v l="$1" -v w="$(median "$2" 1)" -v c="$(median "$2" 2)" -v n="$N" \
		'BEGIN { printf "| %s | %.0f | %.3f |\n", l, n / w, c * 1e6 / n }'
}
# "a / b" of the msgs/s (rate) or CPU per message (cpu) of two files.
ratio() {
	local col=$([ "$1" = rate ] && echo 1 || echo 2)
	awk -v a="$(median "$2" "$col")" -v b="$(median "$3" "$col")" -v k="$1" \
		'BEGIN { printf "%.2f", k == "rate" ? b / a : a / b }'
}
mkdir -p bench/out
{
	echo "## The JSON envelope against the line modes${KAFKA_VERSION:+, on Apache Kafka $KAFKA_VERSION}"
	echo
	echo "$N records of about 100 bytes (kcat -P with keys into a $PARTS-partition topic), as"
	echo "kcons writes them: values a line, keys and values a line (\`-K '\\t'\`), or -J envelopes"
	echo "of about 200 bytes (topic, partition, offset, tstype, ts, broker, key, payload); every"
	echo "producer run to a fresh $PARTS-partition topic, counts checked; median of $RUNS runs,"
	echo "$BROKER_NAME, $(nproc) cores. Records without keys go out in sticky batches to one"
	echo "partition at a time; with keys, or with the partition an envelope names, they spread"
	echo "over all $PARTS, which costs the producer and the broker more: compare -J with keyed lines."
	echo
	echo "| | msgs/s | CPU s per million |"
	echo "|---|---:|---:|"
	row "kprod (lines)" p_line
	row "kprod -J (envelopes)" p_json
	row "kprod -J (envelopes naming no partition or key)" p_jfree
	row "kcat -P (lines)" p_kcat
	row "kprod -J (envelopes as wsrecv -J writes them: ts, four headers)" p_jws
	row "kcat -P -H (lines, four headers)" p_hkcat
	row "kprod -K (keyed lines)" p_kline
	row "kcat -P -K (keyed lines)" p_kkcat
	row "kcons (lines)" c_line
	row "kcons -J (envelopes)" c_json
	row "kcat -C (lines)" c_kcat
	echo
	echo "- kprod -J: $(ratio cpu p_json p_kline)x the CPU per message of kprod's keyed line mode,"
	echo "  $(ratio cpu p_json p_line)x that of unkeyed lines (goal: at most 1.5x);"
	echo "  $(ratio rate p_json p_kkcat)x the messages/s of kcat -P on the same keyed records,"
	echo "  $(ratio rate p_json p_kcat)x on unkeyed lines (goal: ahead, above 1);"
	echo "  naming no partition or key, $(ratio rate p_jfree p_kcat)x kcat -P's messages/s on unkeyed lines"
	echo "  at $(ratio cpu p_jfree p_line)x the CPU per message of kprod's unkeyed lines."
	echo "- kprod -J on envelopes as wsrecv -J writes them: $(ratio rate p_jws p_hkcat)x the messages/s of"
	echo "  kcat -P -H on the same values with the same headers, at $(ratio cpu p_jws p_hkcat)x its CPU per message"
	echo "  (goal: at least 1x the messages/s at no more CPU); $(ratio rate p_jws p_kcat)x kcat -P on the bare lines."
	echo "- kcons -J: $(ratio cpu c_json c_line)x the CPU per message of kcons's line mode,"
	echo "  $(ratio rate c_json c_kcat)x kcat -C's messages/s."
	echo
	echo "Keys from the browser's JSON: $N movie records of about 75 bytes keyed by their"
	echo "actor field, CPU of the whole pipeline (jq included):"
	echo
	echo "| | msgs/s | CPU s per million |"
	echo "|---|---:|---:|"
	row "kprod, no key" k_none
	row "kprod --key-field actor" k_field
	row "jq (envelopes) \\| kprod -J" k_jq
	echo
	echo "- --key-field: $(ratio cpu k_field k_none)x the CPU of no key; jq: $(ratio cpu k_jq k_field)x the CPU of --key-field."
	echo
	echo "Commands (\$T a fresh topic; lines, keyed and envelopes are kcons's output,"
	echo "unplaced the envelopes without their partition and key, wsenv the values as"
	echo "wsrecv -J envelopes;"
	echo "the consumers write into a pipe to wc -l, which checks the count and is not timed):"
	echo
	echo '```'
	for c in "$P_LINE" "$P_JSON" "$P_JFREE" "$P_KCAT" "$P_JWS" "$P_HKCAT" "$P_KLINE" "$P_KKCAT" "$C_LINE" "$C_JSON" "$C_KCAT" "$K_NONE" "$K_FIELD" "$K_JQ"; do
		c=${c//$B/BROKER}
		c=${c//$KPROD/kprod}
		echo "${c//$KCONS/kcons}"
	done
	echo '```'
} | tee "$OUT"
