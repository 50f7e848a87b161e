#!/usr/bin/env bats
# kcons -s avro: messages in a schema registry's framing (magic byte 0, the
# schema id, the Avro body) decoded with their writer's schema, fetched by
# id from a real Apicurio Registry (/apis/ccompat/v7) of the suite's own.
# The writers: Confluent's Python client (confluent-kafka's AvroSerializer
# and SchemaRegistryClient at their defaults), and our codec's encoder
# (tests/bin/avro_test) with the bytes sent as they are.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	broker_start
	registry_start
}

teardown_file() {
	registry_stop
	broker_stop
}

PEER="$ROOT/tests/clients/avroreg.py"

# Every Avro type and the logical types, for the round trip with our codec.
ALL='{"type":"record","name":"All","namespace":"t","fields":[{"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},{"name":"by","type":"bytes"},{"name":"s","type":"string"},{"name":"e","type":{"type":"enum","name":"Suit","symbols":["HEARTS","SPADES"]}},{"name":"fx","type":{"type":"fixed","name":"F2","size":2}},{"name":"a","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"string"}},{"name":"u","type":["null","string","long"]},{"name":"day","type":{"type":"int","logicalType":"date"}},{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},{"name":"id","type":{"type":"string","logicalType":"uuid"}}]}'
# Values of ALL in the JSON our decoder writes (lib/avrodec.h).
ALL_VALUES='{"n":null,"b":true,"i":-1,"l":9007199254740993,"f":1.5,"d":-0.25,"by":"\u0000ÿ","s":"é\n\"x\"","e":"SPADES","fx":"ab","a":[1,2,3],"m":{"k":"v"},"u":"str","day":19000,"ts":1700000000000,"dec":"-12.34","id":"123e4567-e89b-12d3-a456-426614174000"}
{"n":null,"b":false,"i":2147483647,"l":-9223372036854775808,"f":0.0,"d":1e+300,"by":"","s":"","e":"HEARTS","fx":"\u0000\u0001","a":[],"m":{},"u":null,"day":0,"ts":0,"dec":"0.00","id":"00000000-0000-0000-0000-000000000000"}
{"n":null,"b":true,"i":0,"l":0,"f":"NaN","d":"-Infinity","by":"a","s":"s","e":"HEARTS","fx":"zz","a":[-5],"m":{"a":"1","b":"2"},"u":7,"day":-1,"ts":-1,"dec":"9999.99","id":"ffffffff-ffff-ffff-ffff-ffffffffffff"}'
MOVIE='{"type":"record","name":"Movie","fields":[{"name":"title","type":"string"},{"name":"released","type":"int"}]}'

# Registers schema $2 under subject $1 as an operator would; prints its id.
register() {
	jq -cn --arg s "$2" '{schema:$s}' |
		timeout 20 curl -sS -f -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data @- "$REGISTRY_URL/subjects/$1/versions" | jq -e .id
}

# The 5-byte header of schema id $1, in hex.
header() {
	printf '00%08x' "$1"
}

# Produces stdin's "KEYHEX VALUEHEX" lines to partition 0 of topic $1, as bytes.
produce_hex() {
	timeout 60 /usr/bin/python3 "$PEER" "$BROKERS" - raw "$1"
}

# Runs kcons on the suite's registry: kcons -s ... -r URL ARGS.
kc() {
	run --separate-stderr timeout 30 kcons -b "$BROKERS" -r "$REGISTRY_URL" "$@"
}

@test "kcons -s value=avro decodes every Avro type our encoder wrote to exactly the JSON it was given" {
	t=$(new_topic 1)
	id=$(register "$t-value" "$ALL")
	"$ROOT/tests/bin/avro_test" enc "$ALL" <<<"$ALL_VALUES" | sed "s/^/- $(header "$id")/" | produce_hex "$t"
	kc -s value=avro -e "$t"
	assert_success
	assert_output "$ALL_VALUES"
	assert_equal "$stderr" ''
}

@test "kcons -s avro decodes what Confluent's Python AvroSerializer wrote through Apicurio, keys too, each message with its writer's version of the schema" {
	t=$(new_topic 1)
	expected=$(timeout 120 /usr/bin/python3 "$PEER" "$BROKERS" "$REGISTRY_URL" movies "$t" 30)
	assert_equal "$(wc -l <<<"$expected")" 30
	# Three versions of TOPIC-value were registered by the serializer.
	run timeout 20 curl -sS -f "$REGISTRY_URL/subjects/$t-value/versions"
	assert_output '[1,2,3]'
	kc -s avro -K '\t' -v -e "$t"
	assert_success
	# One request per schema (a key's, three values'), not one per message.
	grep -q '^kcons: 30 messages, .*; 0 written undecoded, 4 schema registry requests$' <<<"$stderr"
	assert_equal "$(grep -v '^kcons: librdkafka' <<<"$stderr" | grep -vc '^kcons: 30 messages')" 0
	assert_equal "${#lines[@]}" 30
	# Equal JSON values: each side's members sorted, numbers as jq reads them.
	got=$(while IFS=$'\t' read -r k v; do
		printf '%s\t%s\n' "$(jq -cS . <<<"$k")" "$(jq -cS . <<<"$v")"
	done <<<"$output")
	want=$(while IFS=$'\t' read -r k v; do
		printf '%s\t%s\n' "$(jq -cS . <<<"$k")" "$(jq -cS . <<<"$v")"
	done <<<"$expected")
	assert_equal "$got" "$want"
	# The first of each version, exactly as our decoder writes it.
	assert_line --index 0 $'{"imdb":"tt0000000"}\t{"title":"Movie \u00e9 \\"0\\"","released":1900}'
	assert_line --index 1 $'{"imdb":"tt0000001"}\t{"title":"Movie \u00e9 \\"1\\"","released":1901,"rating":0.5}'
	assert_line --index 2 $'{"imdb":"tt0000002"}\t{"title":"Movie \u00e9 \\"2\\"","released":1902,"rating":1.0,"genres":["drama","sci-fi"],"director":"Dir 2"}'
}

@test "kcons -s avro -J puts the decoded key and value in the envelope as JSON values" {
	t=$(new_topic 1)
	expected=$(timeout 120 /usr/bin/python3 "$PEER" "$BROKERS" "$REGISTRY_URL" movies "$t" 6)
	kc -s avro -J -e "$t"
	assert_success
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 6
	got=$(jq -cS '[.topic, .partition, .offset, .key, .payload]' <<<"$output")
	want=$(i=0; while IFS=$'\t' read -r k v; do
		jq -cnS --arg t "$t" --argjson o "$i" --argjson k "$k" --argjson v "$v" '[$t, 0, $o, $k, $v]'
		i=$((i + 1))
	done <<<"$expected")
	assert_equal "$got" "$want"
	assert_line --index 0 --regexp '"key":\{"imdb":"tt0000000"\},"payload":\{"title":"Movie é \\"0\\"","released":1900\}\}$'
}

@test "kcons -s value=avro -f writes the decoded value for %s and the key's bytes for %k" {
	t=$(new_topic 1)
	id=$(register "$t-value" "$MOVIE")
	body=$("$ROOT/tests/bin/avro_test" enc "$MOVIE" <<<'{"title":"Alien","released":1979}')
	echo "$(printf k1 | xxd -p) $(header "$id")$body" | produce_hex "$t"
	kc -s value=avro -f '%o %k %s\n' -e "$t"
	assert_success
	assert_output '0 k1 {"title":"Alien","released":1979}'
}

# Produces to topic $1 seven values: good, no magic byte, cut short, an
# unknown id, a body that does not decode, good, the unknown id again. Sets
# GOOD (hex) and BAD (the four bad values, hex, a line each).
produce_bad() {
	local id
	id=$(register "$1-value" "$MOVIE")
	GOOD=$(header "$id")$("$ROOT/tests/bin/avro_test" enc "$MOVIE" <<<'{"title":"Up","released":2009}')
	# 40: a string of 32 bytes, where none follow.
	BAD="$(printf 'plain text' | xxd -p)
0000
$(header 2147480000)0455700000
$(header "$id")40"
	{
		echo "- $GOOD"
		sed 's/^/- /' <<<"$BAD"
		echo "- $GOOD"
		echo "- $(sed -n 3p <<<"$BAD")"
	} | produce_hex "$1"
}

@test "kcons names, writes undecoded, counts and exits 7 for values with no magic byte, cut short, of an unknown id, or that do not decode" {
	t=$(new_topic 1)
	produce_bad "$t"
	run --separate-stderr bash -c 'timeout 30 kcons -b "$1" -r "$2" -s value=avro -v -e "$3" | xxd -p | tr -d "\n"' \
		_ "$BROKERS" "$REGISTRY_URL" "$t"
	json=$(printf '{"title":"Up","released":2009}\n' | xxd -p | tr -d '\n')
	assert_output "$json$(sed 's/$/0a/' <<<"$BAD" | tr -d '\n')$json$(sed -n 3p <<<"$BAD")0a"
	stderr=$(grep -v '^kcons: librdkafka' <<<"$stderr")
	assert_equal "$(grep -c '; written undecoded$' <<<"$stderr")" 5
	grep -qx "kcons: $t \[0\] at offset 1: value: magic byte 112, not 0: not in the schema registry's framing; written undecoded" <<<"$stderr"
	grep -qx "kcons: $t \[0\] at offset 2: value: 2 bytes, too short for the 5-byte schema registry header; written undecoded" <<<"$stderr"
	grep -qx "kcons: $t \[0\] at offset 3: value: schema id 2147480000: HTTP 404: .*; written undecoded" <<<"$stderr"
	grep -qx "kcons: $t \[0\] at offset 4: value: schema id [0-9]*: .title: string cut short at byte 1; written undecoded" <<<"$stderr"
	grep -qx "kcons: $t \[0\] at offset 6: value: schema id 2147480000: HTTP 404: .*; written undecoded" <<<"$stderr"
	# The schema and the unknown id asked once each.
	grep -q "^kcons: 7 messages, .*; 5 written undecoded, 2 schema registry requests$" <<<"$stderr"
	run timeout 30 kcons -b "$BROKERS" -r "$REGISTRY_URL" -s value=avro -q -e "$t"
	assert_equal "$status" 7
}

@test "kcons names, writes undecoded and exits 7 for values whose id is a schema not Avro, asking the registry once" {
	t=$(new_topic 1)
	id=$(timeout 20 curl -sS -f -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		--data '{"schemaType":"JSON","schema":"{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\"}"}' \
		"$REGISTRY_URL/subjects/$t-value/versions" | jq -e .id)
	printf -- '- %s\n' "$(header "$id")7b7d" "$(header "$id")5b5d" | produce_hex "$t"
	run --separate-stderr bash -c 'set -o pipefail; timeout 30 kcons -b "$1" -r "$2" -s value=avro -v -e "$3" |
		xxd -p | tr -d "\n"' _ "$BROKERS" "$REGISTRY_URL" "$t"
	assert_equal "$status" 7
	assert_output "$(header "$id")7b7d0a$(header "$id")5b5d0a"
	stderr=$(grep -v '^kcons: librdkafka' <<<"$stderr")
	assert_equal "$stderr" "kcons: $t [0] at offset 0: value: schema id $id: a JSON schema, not Avro; written undecoded
kcons: $t [0] at offset 1: value: schema id $id: a JSON schema, not Avro; written undecoded
$(tail -n 1 <<<"$stderr")"
	grep -q '; 2 written undecoded, 1 schema registry requests$' <<<"$stderr"
}

@test "kcons -s avro -J writes a value it cannot decode as payload_b64, and a decoded one as payload" {
	t=$(new_topic 1)
	produce_bad "$t"
	kc -s value=avro -J -e "$t"
	assert_equal "$status" 7
	assert_equal "${#lines[@]}" 7
	run jq -c '[.offset, .payload, (.payload_b64 // null)]' <<<"$output"
	b64() { xxd -r -p <<<"$1" | base64 -w0; }
	assert_output - <<-EOF
	[0,{"title":"Up","released":2009},null]
	[1,null,"$(b64 "$(sed -n 1p <<<"$BAD")")"]
	[2,null,"$(b64 "$(sed -n 2p <<<"$BAD")")"]
	[3,null,"$(b64 "$(sed -n 3p <<<"$BAD")")"]
	[4,null,"$(b64 "$(sed -n 4p <<<"$BAD")")"]
	[5,{"title":"Up","released":2009},null]
	[6,null,"$(b64 "$(sed -n 3p <<<"$BAD")")"]
	EOF
}

@test "kcons -g commits a message written undecoded like any other: the next run reads nothing again" {
	t=$(new_topic 1)
	produce_bad "$t"
	g=g$RANDOM$$
	# shellcheck disable=SC2046
	kc -s value=avro -J -g "$g" $(group_opts) -e "$t"
	assert_equal "$status" 7
	assert_equal "${#lines[@]}" 7
	# shellcheck disable=SC2046
	kc -s value=avro -g "$g" $(group_opts) -e "$t"
	assert_success
	assert_output ''
}

@test "kcons stops with status 6 before a message whose schema the unreachable registry holds, and -g commits nothing of it" {
	t=$(new_topic 1)
	id=$(register "$t-value" "$MOVIE")
	for i in 1 2 3; do
		echo "- $(header "$id")$("$ROOT/tests/bin/avro_test" enc "$MOVIE" <<<"{\"title\":\"M$i\",\"released\":$i}")"
	done | produce_hex "$t"
	port=$("$ROOT/tests/free-port")
	g=g$RANDOM$$
	# shellcheck disable=SC2046
	run --separate-stderr timeout 60 kcons -b "$BROKERS" -r "http://127.0.0.1:$port/apis/ccompat/v7" \
		-s value=avro -g "$g" $(group_opts) -e "$t"
	assert_equal "$status" 6
	assert_output ''
	grep -q "^kcons: $t \[0\] at offset 0: value: schema id $id: .*127.0.0.1.*$port" <<<"$stderr"
	# The registry back: every message, none lost.
	# shellcheck disable=SC2046
	kc -s value=avro -g "$g" $(group_opts) -e "$t"
	assert_success
	assert_output - <<-EOF
	{"title":"M1","released":1}
	{"title":"M2","released":2}
	{"title":"M3","released":3}
	EOF
}

@test "kcons -s key=avro decodes the keys only, keeps a null key and a tombstone null, and writes a key it cannot decode as key_b64" {
	t=$(new_topic 1)
	id=$(register "$t-key" '"string"')
	key=$(header "$id")$("$ROOT/tests/bin/avro_test" enc '"string"' <<<'"k1"')
	produce_hex "$t" <<-EOF
	$key $(printf v1 | xxd -p)
	- $(printf v2 | xxd -p)
	$key -
	$(printf rawkey | xxd -p) $(printf v4 | xxd -p)
	EOF
	kc -s key=avro -J -e "$t"
	assert_equal "$status" 7
	run jq -c '[.offset, .key, .key_b64, .payload]' <<<"$output"
	assert_output - <<-EOF
	[0,"k1",null,"v1"]
	[1,null,null,"v2"]
	[2,"k1",null,null]
	[3,null,"$(printf rawkey | base64)","v4"]
	EOF
	kc -s key=avro -K = -e "$t"
	assert_equal "$status" 7
	assert_output - <<-EOF
	"k1"=v1
	=v2
	"k1"=
	rawkey=v4
	EOF
	assert_equal "$stderr" "kcons: $t [0] at offset 3: key: magic byte 114, not 0: not in the schema registry's framing; written undecoded"
}

@test "kcons takes the registry from -X schema.registry.url or from a -F file instead of -r" {
	t=$(new_topic 1)
	id=$(register "$t-value" "$MOVIE")
	echo "- $(header "$id")$("$ROOT/tests/bin/avro_test" enc "$MOVIE" <<<'{"title":"X","released":1}')" | produce_hex "$t"
	run timeout 30 kcons -b "$BROKERS" -s value=avro -X "schema.registry.url=$REGISTRY_URL" -e "$t"
	assert_success
	assert_output '{"title":"X","released":1}'
	echo "schema.registry.url=$REGISTRY_URL" >"$BATS_TEST_TMPDIR/props"
	run timeout 30 kcons -b "$BROKERS" -s value=avro -F "$BATS_TEST_TMPDIR/props" -e "$t"
	assert_success
	assert_output '{"title":"X","released":1}'
}

@test "kcons -s avro without a registry, or a registry without -s avro, is a usage error (status 2)" {
	run --separate-stderr timeout 10 kcons -b "$BROKERS" -s value=avro -e t
	assert_equal "$status" 2
	assert_equal "$stderr" 'kcons: -s avro needs a schema registry: -r URL (or -X schema.registry.url=URL)'
	run --separate-stderr timeout 10 kcons -b "$BROKERS" -r "$REGISTRY_URL" -e t
	assert_equal "$status" 2
	run --separate-stderr timeout 10 kcons -b "$BROKERS" -s json -r "$REGISTRY_URL" -e t
	assert_equal "$status" 2
	assert_equal "$stderr" 'kcons: -s json: expected [key=|value=]avro (or string)'
}

@test "kcons -s value=avro decodes what kafkajs with @kafkajs/confluent-schema-registry (the setup's own stack) wrote" {
	t=$(new_topic 1)
	local f=$BATS_TEST_TMPDIR/movie.avsc
	printf '%s\n' '{"type":"record","name":"Movie","fields":[{"name":"title","type":"string"},{"name":"released","type":"int"},{"name":"rating","type":["null","double"],"default":null}]}' >"$f"
	printf '%s\n' '{"title":"The Matrix","released":1999,"rating":8.7}' '{"title":"Heat \u00e9","released":1995,"rating":null}' |
		timeout 120 node "$ROOT/tests/clients/kafkajs-avro.js" "$BROKERS" "$REGISTRY_URL" send "$t" "$f"
	kc -s value=avro -e "$t"
	assert_success
	assert_output '{"title":"The Matrix","released":1999,"rating":8.7}
{"title":"Heat é","released":1995,"rating":null}'
}
