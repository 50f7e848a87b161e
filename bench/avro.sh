#!/bin/bash
# The JSON <-> Avro codec (lib/avroenc, lib/avrodec) against just parsing the
# same JSON with lib/jsonread: CPU per record on N movie records (seeded,
# about 200 bytes of JSON each, some escapes and non-ASCII), medians of RUNS
# runs of tests/bin/avro_test bench. Writes bench/out/avro.md.
#   bench/avro.sh [N_RECORDS] [RUNS]        (defaults 1000000 and 5)
set -eu
cd "$(dirname "$0")/.."
N=${1:-${BENCH_RECORDS:-1000000}}
RUNS=${2:-${BENCH_RUNS:-5}}
OUT=bench/out/avro.md
mkdir -p bench/out
[ -x tests/bin/avro_test ] || { echo "bench/avro.sh: tests/bin/avro_test missing (make testtools)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/movie.avsc" <<'SCHEMA'
{"type":"record","name":"Movie","namespace":"com.example","fields":[
 {"name":"title","type":"string"},
 {"name":"released","type":"int"},
 {"name":"rating","type":"double"},
 {"name":"genres","type":{"type":"array","items":"string"}},
 {"name":"cast","type":{"type":"array","items":{"type":"record","name":"Role","fields":[
   {"name":"name","type":"string"},{"name":"role","type":"string"}]}}}]}
SCHEMA
/usr/bin/python3 - "$N" >"$tmp/movies.json" <<'PY'
import json, random, sys
r = random.Random(16)
words = ["The", "Matrix", "Night", "of", "Amélie", "Ghost", "\"Quoted\"", "Reloaded", "Dune", "東京"]
genres = ["Action", "Drama", "Sci-Fi", "Comedy", "Thriller", "Romance"]
names = ["Keanu Reeves", "Carrie-Anne Moss", "Laurence Fishburne", "Hugo Weaving", "Zoë Kravitz"]
out = sys.stdout
for i in range(int(sys.argv[1])):
    m = {"title": " ".join(r.choice(words) for _ in range(r.randint(1, 4))),
         "released": r.randint(1920, 2026), "rating": round(r.uniform(1, 10), 1),
         "genres": r.sample(genres, r.randint(1, 3)),
         "cast": [{"name": r.choice(names), "role": r.choice(words)} for _ in range(r.randint(1, 4))]}
    out.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n")
PY

for _ in $(seq "$RUNS"); do
	tests/bin/avro_test bench "$tmp/movie.avsc" "$tmp/movies.json" >>"$tmp/runs"
done
median() {
	sed -n "s/^$1 \([0-9]*\) ns\/record$/\1/p" "$tmp/runs" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
parse=$(median parse) encode=$(median encode) decode=$(median decode)
sizes=$(head -n 1 "$tmp/runs")
{
	echo "## The Avro codec: JSON -> Avro -> JSON"
	echo
	echo "\`bench/avro.sh $N $RUNS\`: $sizes; CPU per record, medians of $RUNS runs."
	echo
	echo "| step | ns/record | vs parsing |"
	echo "|---|---|---|"
	echo "| parse the JSON (lib/jsonread, jr_skip) | $parse | 1.0x |"
	awk -v p="$parse" -v e="$encode" -v d="$decode" 'BEGIN {
		printf "| encode JSON -> Avro (lib/avroenc) | %d | %.1fx |\n", e, e / p
		printf "| decode Avro -> JSON (lib/avrodec) | %d | %.1fx |\n", d, d / p }'
} | tee "$OUT"
