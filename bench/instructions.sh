#!/bin/bash
# Instructions a record, counted by callgrind (valgrind), which a busy
# machine does not change as it changes times: kprod -J on envelopes as
# wsrecv -J writes them (a receive time and four headers) and as kcons -J
# writes them (topic, partition, offset, time, broker, key), against kcat -P
# given the same values with the same four headers by -H, and the same keys
# and values as keyed lines by -K (issue 19). Whole processes, librdkafka's
# threads included; also the instructions of reading the envelopes
# (envelope_read, inclusive). N records of about 100 bytes to a fresh
# 64-partition topic of a test broker each run, counts checked; medians of
# RUNS. KPROD_BEFORE=path adds rows for another kprod (e.g. one built
# before a change). Writes bench/out/instructions.md.
#   bench/instructions.sh [N_RECORDS] [RUNS]       (defaults 200000 and 3: at fewer
#                                                  records kprod's start, loading its
#                                                  libraries, weighs on its figures)
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.bash
. bench/lib.bash
N=${1:-200000}
RUNS=${2:-3}
PARTS=64
KPROD=$(readlink -f "${KPROD:-bin/kprod}")
BEFORE=${KPROD_BEFORE:+$(readlink -f "$KPROD_BEFORE")}
OUT=bench/out/instructions.md
mkdir -p bench/out
for f in "$KPROD" ${BEFORE:+"$BEFORE"} tests/bin/mockbroker; do
	[ -x "$f" ] || { echo "bench/instructions.sh: $f missing (make all testtools)" >&2; exit 2; }
done
for c in kcat valgrind callgrind_annotate; do
	command -v "$c" >/dev/null || { echo "bench/instructions.sh: needs $c" >&2; exit 2; }
done

bench_tmp
bench_broker_start -t "src:$PARTS"

bench_values "$N" "$tmp/lines"
bench_wsenv "$tmp/lines" "$tmp/wsenv"
awk '{ printf "{\"topic\":\"src\",\"partition\":%d,\"offset\":%d,\"tstype\":\"create\",\"ts\":%.0f,\"broker\":1,\"key\":\"k%d\",\"payload\":\"%s\"}\n",
	NR % 64, int(NR / 64), 1764740000000 + int(NR / 100), NR % 997, $0 }' "$tmp/lines" >"$tmp/kcenv"
awk '{ printf "k%d\t%s\n", NR % 997, $0 }' "$tmp/lines" >"$tmp/keyed"

H4=$(bench_headers "$N")
KCAT="kcat -P -b $B -t \$T -X partitioner=murmur2_random -X acks=all -X enable.idempotence=true"
declare -A CMD LABEL
NAMES=()
row() { NAMES+=("$1"); CMD[$1]=$2; LABEL[$1]=$3; }
if [ -n "$BEFORE" ]; then
	row b_wsenv "$BEFORE -b $B -J -t \$T < wsenv" "kprod -J before, envelopes as wsrecv -J writes them"
	row b_kcenv "$BEFORE -b $B -J -t \$T < kcenv" "kprod -J before, envelopes as kcons -J writes them"
fi
row wsenv "$KPROD -b $B -J -t \$T < wsenv" "kprod -J, envelopes as wsrecv -J writes them (time, four headers)"
row h4 "$KPROD -b $B -t \$T $H4 < lines" "kprod -H, the same values with the same four headers"
row kcat4 "$KCAT $H4 < lines" "kcat -P -H, the same values with the same four headers"
row kcenv "$KPROD -b $B -J -t \$T < kcenv" "kprod -J, envelopes as kcons -J writes them (partition, time, key)"
row kcatk "$KCAT -K '\t' < keyed" "kcat -P -K, the same keys and values as keyed lines"

i=0
for r in $(seq "$RUNS"); do
	for name in "${NAMES[@]}"; do
		i=$((i + 1))
		t="ins_${name}_$r"
		broker_cmd "topic $t $PARTS"
		cmd=${CMD[$name]//\$T/$t}
		(cd "$tmp" && eval "valgrind --tool=callgrind --callgrind-out-file=cg.out --log-file=vg.log $cmd")
		got=$(delivered "$t")
		[ "$got" = "$N" ] || { echo "bench/instructions.sh: $t got $got of $N records ($cmd)" >&2; exit 1; }
		total=$(awk '/I +refs:/ { gsub(/,/, "", $NF); print $NF }' "$tmp/vg.log")
		[ -n "$total" ] || { cat "$tmp/vg.log" >&2; exit 1; }
		env=$(callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null |
			awk '/envelope\.c:envelope_read/ { gsub(/,/, "", $1); print $1; exit }')
		echo "$total ${env:-0}" >>"$tmp/res.$name"
	done
done

median() { sort -g -k"$2","$2" "$tmp/res.$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
per() { awk -v a="$1" -v n="$N" 'BEGIN { printf "%.0f", a / n }'; }
{
	echo "## Instructions a record: kprod -J and kcat -P under callgrind (issue 19)"
	echo
	echo "\`bench/instructions.sh $N $RUNS\`${BEFORE:+ with KPROD_BEFORE}, $(date -u +%Y-%m-%d): $N records of about 100 bytes,"
	echo "a fresh 64-partition topic of the test broker each run, counts checked; instructions of the"
	echo "whole process (librdkafka's threads included) by callgrind, medians of $RUNS runs. librdkafka's"
	echo "own share varies from run to run by a few per cent (its threads' timing); reading the"
	echo "envelopes does not."
	echo
	echo "| | instructions a record | of which reading the envelope |"
	echo "|---|---:|---:|"
	for name in "${NAMES[@]}"; do
		env=$(median "$name" 2)
		echo "| ${LABEL[$name]} | $(per "$(median "$name" 1)") | $([ "$env" = 0 ] && echo - || per "$env") |"
	done
	echo
	w=$(median wsenv 1) k4=$(median kcat4 1) kc=$(median kcenv 1) kk=$(median kcatk 1)
	awk -v w="$w" -v k4="$k4" -v kc="$kc" -v kk="$kk" 'BEGIN {
		printf "- kprod -J on wsrecv -J envelopes: %.2fx the instructions of kcat -P -H on the same values and headers.\n", w / k4
		printf "- kprod -J on kcons -J envelopes: %.2fx the instructions of kcat -P -K on the same keys and values.\n", kc / kk }'
	if [ -n "$BEFORE" ]; then
		awk -v a="$(median b_wsenv 1)" -v b="$w" -v c="$(median b_wsenv 2)" -v d="$(median wsenv 2)" \
			-v e="$(median b_kcenv 1)" -v f="$kc" -v g="$(median b_kcenv 2)" -v h="$(median kcenv 2)" 'BEGIN {
			printf "- Against the kprod before: %.2fx the instructions on wsrecv -J envelopes (reading them %.2fx),\n", b / a, d / c
			printf "  %.2fx on kcons -J envelopes (reading them %.2fx).\n", f / e, h / g }'
	fi
	echo
	echo "Commands (\$T a fresh topic; each under \`valgrind --tool=callgrind\`):"
	echo
	echo '```'
	for name in "${NAMES[@]}"; do
		c=${CMD[$name]//$KPROD/kprod}
		[ -z "$BEFORE" ] || c=${c//$BEFORE/kprod-before}
		echo "${c//$B/BROKER}"
	done
	echo '```'
} | tee "$OUT"
