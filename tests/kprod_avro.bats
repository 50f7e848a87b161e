#!/usr/bin/env bats
# kprod -s value=avro: plain JSON in, Avro in a schema registry's framing
# out, against a real Apicurio Registry; what kprod wrote is read back by
# kafka-python, the registry's HTTP API and fastavro (tests/clients/avroread.py).

load helpers
load drive_helpers
bats_require_minimum_version 1.5.0

setup_file() {
	broker_start
	registry_start
}

teardown_file() {
	registry_stop
	broker_stop
}

teardown() {
	# TERM first: the driver then closes its Chromium.
	if [ -n "${DRIVE_PID:-}" ] && kill -TERM "$DRIVE_PID" 2>/dev/null; then
		timeout 5 tail --pid="$DRIVE_PID" -f /dev/null || kill -KILL "$DRIVE_PID" 2>/dev/null
	fi
	[ -z "${FD_PID:-}" ] || front_door_kill "$FD_PID"
	return 0
}

MOVIE='{"type":"record","name":"Movie","namespace":"demo","fields":[
 {"name":"title","type":"string"},
 {"name":"released","type":"int"},
 {"name":"rating","type":["null","double"],"default":null},
 {"name":"genres","type":{"type":"array","items":"string"},"default":[]}]}'

# Writes MOVIE (or $1) to a schema file and prints its path.
schema_file() {
	local f=$BATS_TEST_TMPDIR/schema-$RANDOM.avsc
	printf '%s\n' "${1:-$MOVIE}" >"$f"
	echo "$f"
}

# Prints the decoded values of topic $1's first $2 messages: "ID<tab>JSON".
avroread() {
	timeout 60 "$PY" "$CLIENTS/avroread.py" "$BROKERS" "$1" "$2" "$REGISTRY_URL" "${@:3}"
}

# How many messages topic $1 holds (kcat).
consume_count() {
	timeout 20 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -f 'm\n' | wc -l
}

# The subject's latest schema id, from the registry's own API.
latest_id() {
	curl -sS "$REGISTRY_URL/subjects/$1/versions/latest" | jq -r .id
}

PY=/usr/bin/python3
CLIENTS=$BATS_TEST_DIRNAME/clients

@test "kprod -s value=avro --value-schema registers the schema under TOPIC-value and writes each JSON record as Avro that fastavro reads back equal, defaults filled" {
	local t f
	t=$(new_topic 2)
	f=$(schema_file)
	run kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f" -p 0 <<'EOF2'
{"title":"The Matrix","released":1999,"rating":8.7,"genres":["sci-fi","action"]}
{"released":1995,"title":"Heat"}
{"title":"Alien","released":1979,"rating":{"double":8.5}}
EOF2
	assert_success
	local id
	id=$(latest_id "$t-value")
	[ "$id" -gt 0 ]
	run avroread "$t" 3
	assert_success
	assert_output "$id	{\"genres\":[\"sci-fi\",\"action\"],\"rating\":8.7,\"released\":1999,\"title\":\"The Matrix\"}
$id	{\"genres\":[],\"rating\":null,\"released\":1995,\"title\":\"Heat\"}
$id	{\"genres\":[],\"rating\":8.5,\"released\":1979,\"title\":\"Alien\"}"
}

@test "kprod -s avro: a record that does not fit is named by number, field and reason, kept in --failed as read, and the rest delivered: exit 1" {
	local t f
	t=$(new_topic)
	f=$(schema_file)
	printf '%s\n' '{"title":"A","released":1}' '{"title":"B","released":"1999"}' \
		'{"title":"C"}' 'not json' '{"title":"D","released":4,"extra":1}' '{"title":"E","released":5}' \
		>"$BATS_TEST_TMPDIR/in"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f" \
		--failed "$BATS_TEST_TMPDIR/failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	[[ $stderr == *'record 2 '*'.released: expected int, got "1999"'* ]]
	[[ $stderr == *'record 3 '*'.released'* ]]
	[[ $stderr == *'record 5 '*'extra'* ]]
	run cat "$BATS_TEST_TMPDIR/failed"
	assert_output "$(sed -n '2,5p' "$BATS_TEST_TMPDIR/in")"
	run avroread "$t" 2
	assert_output --regexp $'^[0-9]+\t\\{"genres":\\[\\],"rating":null,"released":1,"title":"A"\\}\n[0-9]+\t\\{"genres":\\[\\],"rating":null,"released":5,"title":"E"\\}$'
}

@test "kprod -s avro without a schema uses the subject's latest version, --value-schema-id a given one; a subject with none is a clear error, exit 6, nothing produced" {
	local t f id
	t=$(new_topic)
	f=$(schema_file)
	echo '{"title":"first","released":1}' | kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f"
	id=$(latest_id "$t-value")
	echo '{"title":"latest","released":2}' | kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL"
	echo '{"title":"by id","released":3}' | kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema-id "$id"
	run avroread "$t" 3
	assert_output "$id	{\"genres\":[],\"rating\":null,\"released\":1,\"title\":\"first\"}
$id	{\"genres\":[],\"rating\":null,\"released\":2,\"title\":\"latest\"}
$id	{\"genres\":[],\"rating\":null,\"released\":3,\"title\":\"by id\"}"
	local other
	other=$(new_topic)
	run --separate-stderr kprod -b "$BROKERS" -t "$other" -s value=avro -r "$REGISTRY_URL" <<<'{"title":"x","released":1}'
	assert_equal "$status" 6
	[[ $stderr == "kprod: the latest schema of subject $other-value: HTTP 404"*"(give a schema with --value-schema)" ]]
	run consume_count "$other"
	assert_output 0
}

@test "kprod -s avro: a schema the registry refuses under its compatibility rule gets the registry's message, exit 6, and nothing is produced" {
	local t f
	t=$(new_topic)
	f=$(schema_file)
	echo '{"title":"a","released":1}' | kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f"
	curl -sS -X PUT -H 'Content-Type: application/json' -d '{"compatibility":"BACKWARD"}' \
		"$REGISTRY_URL/config/$t-value" >/dev/null
	# A new field with no default: readers of it cannot read the old data.
	local rated
	rated=$(schema_file '{"type":"record","name":"Movie","namespace":"demo","fields":[{"name":"title","type":"string"},{"name":"released","type":"int"},{"name":"studio","type":"string"}]}')
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$rated" <<<'{"title":"b","released":2,"studio":"x"}'
	assert_equal "$status" 6
	[[ $stderr == "kprod: $rated: registering a schema under subject $t-value: HTTP 409: Incompatible"* ]]
	run consume_count "$t"
	assert_output 1
	# An invalid schema: refused by the registry too.
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$(schema_file '{"type":"recrod"}')" <<<'{}'
	assert_equal "$status" 6
	[[ $stderr == *"HTTP 4"* ]]
}

@test "kprod -s avro with a registry that cannot be reached says so, exit 6, produces nothing; usage errors exit 2" {
	local t f port
	t=$(new_topic)
	f=$(schema_file)
	port=$(free_port)
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -r "http://127.0.0.1:$port" --value-schema "$f" <<<'{"title":"a","released":1}'
	assert_equal "$status" 6
	[[ $stderr == *"Couldn't connect"* ]]
	run consume_count "$t"
	assert_output 0
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: -s avro needs a schema registry: -r URL (or -X schema.registry.url=URL)"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" --value-schema "$f" </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: --value-schema: the value is not Avro (add -s value=avro)"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=protobuf </dev/null
	assert_equal "$status" 2
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s key=avro -r "$REGISTRY_URL" </dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "kprod: -s key=avro: the key's JSON comes from -K, -k or -J"
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$BATS_TEST_TMPDIR/none.avsc" </dev/null
	assert_equal "$status" 2
	[[ $stderr == *"none.avsc: No such file or directory" ]]
	# The registry's properties go to the registry, by Confluent's names.
	run --separate-stderr kprod -b "$BROKERS" -t "$t" -s value=avro -X "schema.registry.url=$REGISTRY_URL" \
		-X schema.registry.request.timeout.ms=5000 --value-schema "$f" <<<'{"title":"b","released":2}'
	assert_success
	run consume_count "$t"
	assert_output 1
}

@test "kprod -s key=avro -K: the key's JSON is encoded with TOPIC-key's schema, the value's with TOPIC-value's" {
	local t kf vf
	t=$(new_topic)
	kf=$(schema_file '{"type":"record","name":"MovieKey","fields":[{"name":"id","type":"long"}]}')
	vf=$(schema_file)
	run kprod -b "$BROKERS" -t "$t" -s avro -r "$REGISTRY_URL" --key-schema "$kf" --value-schema "$vf" -K '|' <<'EOF2'
{"id":1}|{"title":"The Matrix","released":1999}
{"id":2}|{"title":"Heat","released":1995}
EOF2
	assert_success
	local kid vid
	kid=$(latest_id "$t-key")
	vid=$(latest_id "$t-value")
	run avroread "$t" 2 --key
	assert_output "$kid	{\"id\":1}	$vid	{\"genres\":[],\"rating\":null,\"released\":1999,\"title\":\"The Matrix\"}
$kid	{\"id\":2}	$vid	{\"genres\":[],\"rating\":null,\"released\":1995,\"title\":\"Heat\"}"
}

@test "kprod -s avro: records that cannot be delivered go to --failed as the JSON read, not as Avro" {
	local t f port
	t=$(new_topic)
	f=$(schema_file)
	port=$(free_port)
	printf '%s\n' '{"title":"a","released":1}' '{"title":"b","released":2}' >"$BATS_TEST_TMPDIR/in"
	run kprod -b "127.0.0.1:$port" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f" \
		-X message.timeout.ms=2000 --failed "$BATS_TEST_TMPDIR/failed" <"$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 3
	run cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/failed"
	assert_success
}

@test "Confluent's Python AvroDeserializer at its defaults reads what kprod -s value=avro wrote as the same values" {
	local t f
	t=$(new_topic)
	f=$(schema_file)
	kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f" <<'EOF2'
{"title":"The Matrix","released":1999,"rating":8.7,"genres":["sci-fi","action"]}
{"released":1995,"title":"Heat \u00e9"}
EOF2
	run timeout 120 /usr/bin/python3 "$CLIENTS/avroreg.py" "$BROKERS" "$REGISTRY_URL" read "$t" 2
	assert_success
	assert_output '{"genres":["sci-fi","action"],"rating":8.7,"released":1999,"title":"The Matrix"}
{"genres":[],"rating":null,"released":1995,"title":"Heat é"}'
}

# Every Avro type and the logical types, for the round trip through kcons.
ALL='{"type":"record","name":"All","namespace":"t","fields":[{"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},{"name":"by","type":"bytes"},{"name":"s","type":"string"},{"name":"e","type":{"type":"enum","name":"Suit","symbols":["HEARTS","SPADES"]}},{"name":"fx","type":{"type":"fixed","name":"F2","size":2}},{"name":"a","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"string"}},{"name":"u","type":["null","string","long"]},{"name":"ul","type":["int","long"]},{"name":"day","type":{"type":"int","logicalType":"date"}},{"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},{"name":"id","type":{"type":"string","logicalType":"uuid"}}]}'

@test "kcons -s value=avro | kprod -s value=avro gives the same Avro bytes again, for every type" {
	local t1 t2 f id
	t1=$(new_topic)
	t2=$(new_topic)
	f=$(schema_file "$ALL")
	kprod -b "$BROKERS" -t "$t1" -s value=avro -r "$REGISTRY_URL" --value-schema "$f" <<'EOF2'
{"n":null,"b":true,"i":-1,"l":9007199254740993,"f":1.5,"d":-0.25,"by":"\u0000\u00ff","s":"\u00e9\n\"x\"","e":"SPADES","fx":"ab","a":[1,2,3],"m":{"k":"v"},"u":"str","ul":{"long":5},"day":"2024-05-17","ts":"2024-05-17T13:45:30.250001Z","dec":-12.34,"id":"123e4567-e89b-12d3-a456-426614174000"}
{"n":null,"b":false,"i":2147483647,"l":-9223372036854775808,"f":0.0,"d":1e300,"by":"","s":"","e":"HEARTS","fx":"\u0000\u0001","a":[],"m":{},"u":null,"ul":7,"day":0,"ts":0,"dec":"0.00","id":"00000000-0000-0000-0000-000000000000"}
{"n":null,"b":true,"i":0,"l":0,"f":"NaN","d":"-Infinity","by":"a","s":"s","e":"HEARTS","fx":"zz","a":[-5],"m":{"a":"1","b":"2"},"u":7,"ul":{"long":-3000000000},"day":-1,"ts":-1,"dec":"9999.99","id":"ffffffff-ffff-ffff-ffff-ffffffffffff"}
EOF2
	id=$(latest_id "$t1-value")
	timeout 30 kcons -b "$BROKERS" -s value=avro -r "$REGISTRY_URL" -e "$t1" >"$BATS_TEST_TMPDIR/decoded"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/decoded")" 3
	kprod -b "$BROKERS" -t "$t2" -s value=avro -r "$REGISTRY_URL" --value-schema-id "$id" <"$BATS_TEST_TMPDIR/decoded"
	# The values, byte for byte (kafka-python, as hex).
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t1' 3 | cut -d' ' -f5,6"
	assert_success
	local first=$output
	[ "$(wc -l <<<"$first")" -eq 3 ]
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t2' 3 | cut -d' ' -f5,6"
	assert_equal "$output" "$first"
}

@test "kprod -J -s avro reads the decoded envelopes kcons -s avro -J writes and gives the same Avro bytes, keys, headers and timestamps; a payload that is a string of JSON (wsrecv -J) is encoded too" {
	local t1 t2 kf vf kid vid
	t1=$(new_topic)
	t2=$(new_topic)
	kf=$(schema_file '{"type":"record","name":"MovieKey","fields":[{"name":"id","type":"long"}]}')
	vf=$(schema_file)
	printf '%s\n' '{"id":1}|{"title":"The Matrix","released":1999,"genres":["sci-fi"]}' '{"id":2}|{"title":"Heat","released":1995,"rating":7.5}' |
		kprod -b "$BROKERS" -t "$t1" -s avro -r "$REGISTRY_URL" --key-schema "$kf" --value-schema "$vf" -K '|' -H origin=test
	kid=$(latest_id "$t1-key")
	vid=$(latest_id "$t1-value")
	timeout 30 kcons -b "$BROKERS" -s avro -r "$REGISTRY_URL" -J -e "$t1" >"$BATS_TEST_TMPDIR/env"
	run jq -c '[.key, .payload, .headers]' "$BATS_TEST_TMPDIR/env"
	assert_output '[{"id":1},{"title":"The Matrix","released":1999,"rating":null,"genres":["sci-fi"]},["origin","test"]]
[{"id":2},{"title":"Heat","released":1995,"rating":7.5,"genres":[]},["origin","test"]]'
	kprod -b "$BROKERS" -t "$t2" -J -s avro -r "$REGISTRY_URL" --key-schema-id "$kid" --value-schema-id "$vid" <"$BATS_TEST_TMPDIR/env"
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t1' 2 | cut -d' ' -f3-"
	local first=$output
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t2' 2 | cut -d' ' -f3-"
	assert_equal "$output" "$first"
	# A browser's JSON as wsrecv -J writes it: a string holding the JSON.
	local t3
	t3=$(new_topic)
	printf '%s\n' '{"headers":["peer","1.2.3.4"],"key":null,"payload":"{\"title\":\"Alien\",\"released\":1979}"}' |
		kprod -b "$BROKERS" -t "$t3" -J -s value=avro -r "$REGISTRY_URL" --value-schema-id "$vid"
	run avroread "$t3" 1
	assert_output "$vid	{\"genres\":[],\"rating\":null,\"released\":1979,\"title\":\"Alien\"}"
}

@test "kprod -J -s avro takes an envelope's string as the value itself where the schema takes a string: string keys and values come back the same bytes, quotes and JSON-looking text included" {
	local t1 t2 kf vf kid vid
	t1=$(new_topic)
	t2=$(new_topic)
	kf=$(schema_file '"string"')
	vf=$(schema_file '["null","string"]')
	printf '%s\n' '"k\"1\""|"say \"hi\""' '"plain"|"{\"a\":1}"' '"3"|"3"' |
		kprod -b "$BROKERS" -t "$t1" -s avro -r "$REGISTRY_URL" --key-schema "$kf" --value-schema "$vf" -K '|'
	kid=$(latest_id "$t1-key")
	vid=$(latest_id "$t1-value")
	timeout 30 kcons -b "$BROKERS" -s avro -r "$REGISTRY_URL" -J -e "$t1" >"$BATS_TEST_TMPDIR/env"
	run jq -c '[.key, .payload]' "$BATS_TEST_TMPDIR/env"
	assert_output '["k\"1\"","say \"hi\""]
["plain","{\"a\":1}"]
["3","3"]'
	kprod -b "$BROKERS" -t "$t2" -J -s avro -r "$REGISTRY_URL" --key-schema-id "$kid" --value-schema-id "$vid" <"$BATS_TEST_TMPDIR/env"
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t1' 3 | cut -d' ' -f3-"
	local first=$output
	[ "$(wc -l <<<"$first")" -eq 3 ]
	run bash -c "timeout 60 '$PY' '$CLIENTS/kafkapy.py' '$BROKERS' dump '$t2' 3 | cut -d' ' -f3-"
	assert_equal "$output" "$first"
}

@test "kafkajs with @kafkajs/confluent-schema-registry (the setup's own stack) decodes what kprod -s value=avro wrote" {
	local t f
	t=$(new_topic)
	f=$(schema_file)
	printf '%s\n' '{"title":"The Matrix","released":1999,"rating":8.7,"genres":["sci-fi"]}' '{"released":1995,"title":"Heat"}' |
		kprod -b "$BROKERS" -t "$t" -s value=avro -r "$REGISTRY_URL" --value-schema "$f"
	run timeout 120 node "$CLIENTS/kafkajs-avro.js" "$BROKERS" "$REGISTRY_URL" read "$t" 2
	assert_success
	assert_output '{"title":"The Matrix","released":1999,"rating":8.7,"genres":["sci-fi"]}
{"title":"Heat","released":1995,"rating":null,"genres":[]}'
}

# The front door with a schema: ws-to-kafka passes -s, --registry and
# --value-schema to kprod. A message that does not fit is refused to its
# client (never acked as stored, never in the topic, in --failed as sent),
# and the later messages of that connection are acked as stored.
@test "ws-to-kafka -s value=avro --key-field: the browser's JSON lands as keyed Avro; a message that does not fit is refused to its client with the reason, and the later ones are acked" {
	local t f
	t=$(new_topic 1)
	f=$BATS_TEST_TMPDIR/movie.avsc
	cp "$ROOT/pipelines/demo/movie.avsc" "$f"
	FD_OPTS=(-r 0 -s value=avro --registry "$REGISTRY_URL" --value-schema "$f" --key-field actor
		--failed "$BATS_TEST_TMPDIR/failed")
	front_door_start "$t" --ack
	local good1='{"actor":"Keanu Reeves","movie":"The Matrix","released":1999,"role":"Neo"}'
	local bad='{"actor":"Keanu Reeves","movie":"Speed","released":"1994","role":"Jack Traven"}'
	local good2='{"actor":"Sandra Bullock","movie":"Speed"}'
	run timeout 60 "$PY" "$CLIENTS/wsclient.py" "ws://127.0.0.1:$FD_PORT/" --text "$good1" --text "$bad" --text "$good2" --acks
	assert_output $'refused 2 .released: "1994" fits no branch of union [null,int]\nacked 3'
	kill -TERM "$FD_PID"
	timeout 30 tail --pid="$FD_PID" -f /dev/null
	run wait "$FD_PID"
	assert_equal "$status" 1 # kprod counted a record it could not produce
	FD_PID=
	run tail -n 1 "$BATS_TEST_TMPDIR/front.err"
	assert_output "ws-to-kafka: stopped (wsrecv 0, kprod 1)"
	run cat "$BATS_TEST_TMPDIR/failed"
	assert_output "$bad"
	run timeout 30 kcons -b "$BROKERS" -e -s value=avro -r "$REGISTRY_URL" "$t"
	assert_success
	assert_output "$good1"$'\n''{"actor":"Sandra Bullock","movie":"Speed","released":null,"role":null}'
	run timeout 30 kcat -b "$BROKERS" -C -t "$t" -e -q -f '%k\n'
	assert_output $'Keanu Reeves\nSandra Bullock'
}

@test "the demo page in headless Chromium shows a refused record, does not send it again, and goes on storing the next" {
	local t
	t=$(new_topic 1)
	FD_OPTS=(-r 0 -s value=avro --registry "$REGISTRY_URL" --value-schema "$ROOT/pipelines/demo/movie.avsc")
	front_door_start "$t" --www "$ROOT/pipelines/demo" --ack
	drive_start "http://127.0.0.1:$FD_PORT/"
	drive open >/dev/null
	drive click misfit >/dev/null
	run drive until "demo.counts.refused === 1 && demo.pending() === 0 && document.getElementById('refused').textContent === '1' && document.getElementById('log').textContent.includes('refused, not stored: ') && document.getElementById('log').textContent.includes('fits no branch of union')"
	assert_output true
	drive click send >/dev/null
	run drive wait acked 1
	assert_output --partial '"sent":2,"acked":1,"pending":0'
	drive_stop
	kill -TERM "$FD_PID"
	timeout 30 tail --pid="$FD_PID" -f /dev/null
	FD_PID=
	run timeout 30 kcons -b "$BROKERS" -e -s value=avro -r "$REGISTRY_URL" "$t"
	assert_success
	assert_output '{"actor":"Keanu Reeves","movie":"The Matrix","released":1999,"role":"Neo"}'
}
