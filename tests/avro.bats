#!/usr/bin/env bats
# lib/avro*: the JSON <-> Avro binary codec kprod and kcons use with a schema
# registry. Exact bytes for every type (checked against the Avro 1.11
# specification by hand, and against fastavro, a library that shares no
# code with ours), every message, round trips, and a fuzzer, all run under
# ASan+UBSan (tests/bin/avro_test_asan).

load helpers
bats_require_minimum_version 1.5.0

AVRO="$ROOT/tests/bin/avro_test_asan"

MOVIE='{"type":"record","name":"Movie","namespace":"com.example","fields":[
 {"name":"title","type":"string"},
 {"name":"released","type":"int"},
 {"name":"rating","type":"double","default":0},
 {"name":"genres","type":{"type":"array","items":"string"},"default":[]},
 {"name":"cast","type":{"type":"array","items":{"type":"record","name":"Role","fields":[
   {"name":"name","type":"string"},{"name":"role","type":["null","string"],"default":null}]}},"default":[]}]}'

# The hex of the Avro encoding of JSON $2 (or the error) in schema $1.
enc() {
	printf '%s\n' "$2" | timeout 20 "$AVRO" enc "$1"
}
# The JSON of the Avro bytes in hex $2 (or the error) in schema $1.
dec() {
	printf '%s\n' "$2" | timeout 20 "$AVRO" dec "$1"
}
# JSON $2 in schema $1 encoded, decoded and encoded again: the decoded JSON.
rt() {
	printf '%s\n' "$2" | timeout 20 "$AVRO" rt "$1"
}

@test "avro: null, boolean, int and long are written as the specification says (zigzag varints)" {
	assert_equal "$(enc '"null"' null)" ""
	assert_equal "$(enc '"boolean"' true)" "01"
	assert_equal "$(enc '"boolean"' false)" "00"
	assert_equal "$(enc '"int"' 0)" "00"
	assert_equal "$(enc '"int"' -1)" "01"
	assert_equal "$(enc '"int"' 1)" "02"
	assert_equal "$(enc '"int"' 63)" "7e"
	assert_equal "$(enc '"int"' 64)" "8001"
	assert_equal "$(enc '"int"' -65)" "8101"
	assert_equal "$(enc '"int"' 1999)" "9e1f"
	assert_equal "$(enc '"int"' 2147483647)" "feffffff0f"
	assert_equal "$(enc '"int"' -2147483648)" "ffffffff0f"
	assert_equal "$(enc '"long"' 9223372036854775807)" "feffffffffffffffff01"
	assert_equal "$(enc '"long"' -9223372036854775808)" "ffffffffffffffffff01"
}

@test "avro: float and double are little-endian IEEE 754; NaN and the infinities are strings" {
	assert_equal "$(enc '"float"' 1.5)" "0000c03f"
	assert_equal "$(enc '"float"' 0.1)" "cdcccc3d"
	assert_equal "$(enc '"float"' 3)" "00004040"
	assert_equal "$(enc '"double"' 1.5)" "000000000000f83f"
	assert_equal "$(enc '"double"' -0.0)" "0000000000000080"
	assert_equal "$(enc '"double"' 1e300)" "9c7500883ce4377e"
	assert_equal "$(enc '"double"' '"NaN"')" "000000000000f87f"
	assert_equal "$(enc '"double"' '"Infinity"')" "000000000000f07f"
	assert_equal "$(enc '"float"' '"-Infinity"')" "000080ff"
}

@test "avro: bytes and fixed are strings of code points 0-255; string is UTF-8; enum its index" {
	assert_equal "$(enc '"bytes"' '"\u00ff\u0000a"')" "06ff0061"
	assert_equal "$(enc '"bytes"' '"ÿ"')" "02ff"
	assert_equal "$(enc '"bytes"' '""')" "00"
	assert_equal "$(enc '"string"' '"é"')" "04c3a9"
	assert_equal "$(enc '"string"' '"\ud83d\ude00"')" "08f09f9880"
	assert_equal "$(enc '{"type":"fixed","name":"F","size":3}' '"a\u0000\u00ff"')" "6100ff"
	assert_equal "$(enc '{"type":"enum","name":"E","symbols":["A","B","C"]}' '"C"')" "04"
}

@test "avro: arrays and maps are one block of items and an empty block; 64 items take a 2-byte count" {
	assert_equal "$(enc '{"type":"array","items":"int"}' '[1,2,3]')" "0602040600"
	assert_equal "$(enc '{"type":"array","items":"int"}' '[]')" "00"
	assert_equal "$(enc '{"type":"array","items":"int"}' "[$(printf '0,%.0s' $(seq 63))0]")" "8001$(printf '00%.0s' $(seq 64))00"
	assert_equal "$(enc '{"type":"map","values":"int"}' '{"a":1,"b":-1}')" "0402610202620100"
	assert_equal "$(enc '{"type":"map","values":"int"}' '{}')" "00"
	assert_equal "$(enc '{"type":"array","items":{"type":"array","items":"null"}}' '[[null,null],[]]')" "04040000"'00'
}

@test "avro: a record takes its members in any order and defaults for the missing ones" {
	local want=14546865204d61747269789e1f00000000000000000000
	assert_equal "$(enc "$MOVIE" '{"title":"The Matrix","released":1999}')" "$want"
	assert_equal "$(enc "$MOVIE" '{"released":1999,"title":"The Matrix"}')" "$want"
	assert_equal "$(enc "$MOVIE" ' { "cast" : [ ] , "released" : 1999 , "title" : "The Matrix" } ')" "$want"
	# rating 8.7, genres ["Action"], cast [{"name":"Keanu"}] (role defaults to null).
	assert_equal "$(enc "$MOVIE" '{"cast":[{"name":"Keanu"}],"genres":["Action"],"rating":8.7,"title":"The Matrix","released":1999}')" \
		"14546865204d61747269789e1f6666666666662140020c416374696f6e00020a4b65616e750000"
}

@test "avro: a union takes the first branch its JSON kind fits, or the wrapper {\"branch\":value}" {
	assert_equal "$(enc '["null","string"]' null)" "00"
	assert_equal "$(enc '["null","string"]' '"x"')" "020278"
	assert_equal "$(enc '["null","string"]' '{"string":"x"}')" "020278"
	assert_equal "$(enc '["int","long"]' 5)" "000a"
	assert_equal "$(enc '["int","long"]' 3000000000)" "0280f882ad16"
	assert_equal "$(enc '["int","long"]' '{"long":5}')" "020a"
	assert_equal "$(enc '["int","double"]' 1.5)" "02000000000000f83f"
	assert_equal "$(enc '["null","boolean",{"type":"array","items":"int"}]' '[1]')" "04020200"
	local r='["null",{"type":"record","name":"R","namespace":"com.x","fields":[{"name":"a","type":"int"}]}]'
	assert_equal "$(enc "$r" '{"a":1}')" "0202"
	assert_equal "$(enc "$r" '{"com.x.R":{"a":1}}')" "0202"
	assert_equal "$(enc "$r" '{"R":{"a":1}}')" "0202"
	# A map whose one key is not a branch's name is the map itself.
	assert_equal "$(enc '["null",{"type":"map","values":"int"}]' '{"a":1}')" "0202026102""00"
}

@test "avro: date, time and timestamp take their number or an ISO-8601 string" {
	assert_equal "$(enc '{"type":"int","logicalType":"date"}' '"2024-05-17"')" "a8b602"
	assert_equal "$(enc '{"type":"int","logicalType":"date"}' 19860)" "a8b602"
	assert_equal "$(enc '{"type":"int","logicalType":"date"}' '"1969-12-31"')" "01"
	assert_equal "$(enc '{"type":"int","logicalType":"time-millis"}' '"13:45:30.250"')" "94969e2f"
	assert_equal "$(enc '{"type":"int","logicalType":"time-millis"}' '"00:00:01"')" "d00f"
	assert_equal "$(enc '{"type":"long","logicalType":"time-micros"}' '"00:00:00.000001"')" "02"
	assert_equal "$(enc '{"type":"long","logicalType":"timestamp-millis"}' '"2024-05-17T13:45:30.250Z"')" "94d6e7ecf063"
	assert_equal "$(enc '{"type":"long","logicalType":"timestamp-millis"}' '"2024-05-17T15:45:30.250+02:00"')" "94d6e7ecf063"
	assert_equal "$(enc '{"type":"long","logicalType":"timestamp-millis"}' 1715953530250)" "94d6e7ecf063"
	assert_equal "$(enc '{"type":"long","logicalType":"timestamp-micros"}' '"1970-01-01T00:00:00.000001Z"')" "02"
	assert_equal "$(enc '{"type":"long","logicalType":"local-timestamp-millis"}' '"2024-05-17T13:45:30.250"')" "94d6e7ecf063"
	assert_equal "$(enc '{"type":"long","logicalType":"local-timestamp-micros"}' '"1970-01-01T00:00:01"')" "80897a"
}

@test "avro: decimal takes a number or a string, read exactly, as big-endian two's complement" {
	local d='{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}'
	assert_equal "$(enc "$d" '"12.34"')" "0404d2"
	assert_equal "$(enc "$d" 12.34)" "0404d2"
	assert_equal "$(enc "$d" 12.3)" "0404ce"
	assert_equal "$(enc "$d" -1.5)" "04ff6a"
	assert_equal "$(enc "$d" 0)" "0200"
	assert_equal "$(enc "$d" '"1.27"')" "027f"
	assert_equal "$(enc "$d" '"-1.28"')" "04ff80"
	assert_equal "$(enc "$d" '"-1e-2"')" "02ff"
	local f='{"type":"fixed","name":"F4","size":4,"logicalType":"decimal","precision":9,"scale":2}'
	assert_equal "$(enc "$f" 12.34)" "000004d2"
	assert_equal "$(enc "$f" -0.01)" "ffffffff"
	assert_equal "$(enc '{"type":"bytes","logicalType":"decimal","precision":38,"scale":0}' '"-99999999999999999999999999999999999999"')" \
		"20b4c4b357a5793b85f675ddc000000001"
}

@test "avro: uuid is its string; a logical type on a type it does not fit is ignored" {
	assert_equal "$(enc '{"type":"string","logicalType":"uuid"}' '"123e4567-e89b-12d3-a456-426614174000"')" \
		"4831323365343536372d653839622d313264332d613435362d343236363134313734303030"
	assert_equal "$(enc '{"type":"string","logicalType":"date"}' '"x"')" "0278"
	assert_equal "$(enc '{"type":"bytes","logicalType":"decimal","precision":0}' '"x"')" "0278"
}

@test "avro: a value that does not fit names the field's path and why" {
	run enc "$MOVIE" '{"title":"x","released":"1999"}'
	assert_output 'error: .released: expected int, got "1999"'
	run enc "$MOVIE" '{"title":"x","released":1,"cast":[{"name":"a"},{"name":"b"},{"role":"r"}]}'
	assert_output 'error: .cast[2].name: missing field with no default'
	run enc "$MOVIE" '{"title":"x","released":3000000000}'
	assert_output 'error: .released: 3000000000 is out of range for int'
	run enc "$MOVIE" '{"title":"x","released":1999.5}'
	assert_output 'error: .released: expected int, got 1999.5'
	run enc "$MOVIE" '{"title":"x","released":1,"director":"W"}'
	assert_output 'error: .director: no such field in record com.example.Movie'
	run enc "$MOVIE" '{"title":"x","title":"y","released":1}'
	assert_output 'error: .title: field given twice'
	run enc "$MOVIE" '{"title":"x","released":1,"cast":[{"name":"a","role":5}]}'
	assert_output 'error: .cast[0].role: 5 fits no branch of union [null,string]'
	run enc "$MOVIE" '{"title":"x","released":1,"genres":"Action"}'
	assert_output 'error: .genres: expected array, got "Action"'
	run enc "$MOVIE" '{"title":"x","released":1} x'
	assert_output "error: bad JSON at byte 28: trailing characters after the value"
	run enc "$MOVIE" '{"title":"x","released":1'
	assert_output "error: bad JSON at byte 26: expected ',' or '}'"
	run enc "$MOVIE" '[1]'
	assert_output 'error: expected record com.example.Movie, got an array'
	# A message cuts a long value at a character, and shows no bytes that are not UTF-8.
	run enc "$MOVIE" '{"title":"x","released":"ééééééééééééééééééééééééé"}'
	assert_output 'error: .released: expected int, got "ééééééééééééééééé...'
	run enc "$MOVIE" $'{"title":"x","released":"\xff"}'
	assert_output 'error: .released: expected int, got a string'
	run enc '"long"' 9223372036854775808
	assert_output 'error: 9223372036854775808 is out of range for long'
	run enc '"float"' 1e39
	assert_output 'error: 1e39 is out of range for float'
	run enc '{"type":"enum","name":"E","symbols":["A"]}' '"B"'
	assert_output 'error: "B" is not a symbol of enum E'
	run enc '{"type":"fixed","name":"F","size":3}' '"ab"'
	assert_output 'error: fixed F needs 3 bytes, got 2'
	run enc '"bytes"' '"€"'
	assert_output 'error: a character above U+00FF in bytes'
	run enc '{"type":"map","values":"int"}' '{"a":1,"b c":"x"}'
	assert_output 'error: ["b c"]: expected int, got "x"'
	run enc '{"type":"int","logicalType":"date"}' '"2023-02-29"'
	assert_output 'error: expected date, got "2023-02-29"'
	run enc '{"type":"int","logicalType":"time-millis"}' '"10:00:00.0001"'
	assert_output 'error: expected time-millis, got "10:00:00.0001"'
	run enc '{"type":"long","logicalType":"timestamp-millis"}' '"2024-05-17T13:45:30"'
	assert_output 'error: expected timestamp-millis, got "2024-05-17T13:45:30"'
	run enc '{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}' 12.345
	assert_output 'error: 12.345 has more digits after the point than the scale for decimal(5,2)'
	run enc '{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}' '"1234.5"'
	assert_output 'error: "1234.5" has more digits than the precision for decimal(5,2)'
	run enc '{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}' '"12,5"'
	assert_output 'error: "12,5" is not a decimal number for decimal(5,2)'
	run enc '{"type":"string","logicalType":"uuid"}' '"not-a-uuid"'
	assert_output 'error: expected uuid, got "not-a-uuid"'
}

@test "avro: a schema that avro-c refuses, or whose default does not fit, is an error" {
	run timeout 20 "$AVRO" schema '{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}'
	assert_output 'Unknown Avro "type": Nope'
	run timeout 20 "$AVRO" schema '{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}'
	assert_output 'R.a: bad default: expected int, got "x"'
	run timeout 20 "$AVRO" schema '{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":1}]}'
	assert_output 'R.a: bad default: expected null, got 1'
	run timeout 20 "$AVRO" schema '["int","int"]'
	assert_output 'a union holds int twice'
	run timeout 20 "$AVRO" schema '{"type":"record","name":"R","fields":[{"name":"b","type":"bytes","default":"\u00ff\u0000"}]}'
	assert_output ok
	assert_equal "$(enc '{"type":"record","name":"R","fields":[{"name":"b","type":"bytes","default":"\u00ff\u0000"}]}' '{}')" "04ff00"
	# A record default that leaves out a member takes that member's own default.
	assert_equal "$(enc '{"type":"record","name":"O","fields":[{"name":"in","type":{"type":"record","name":"I","fields":[{"name":"a","type":"int","default":7},{"name":"b","type":"string"}]},"default":{"b":"x"}}]}' '{}')" "0e0278"
	run timeout 20 "$AVRO" schema '{"type":"record","name":"O","fields":[{"name":"in","type":{"type":"record","name":"I","fields":[{"name":"a","type":"int","default":7},{"name":"b","type":"string"}]},"default":{}}]}'
	assert_output 'O.in: bad default: .b: missing field with no default'
}

@test "avro: bytes that do not decode are an error naming the path, never a read past the end" {
	run dec '"int"' 80
	assert_output 'error: int cut short at byte 1'
	run dec '"int"' ffffffff1f
	assert_output 'error: bad varint for int at byte 5'
	run dec '"long"' ffffffffffffffffffff01
	assert_output 'error: bad varint for long at byte 10'
	run dec '["null","string"]' 04
	assert_output 'error: union index 2 out of range at byte 1'
	run dec '"int"' 0000
	assert_output 'error: 1 trailing bytes after the value at byte 1'
	run dec '"string"' 02ff
	assert_output 'error: invalid UTF-8 in a string at byte 1'
	run dec '"string"' 0a61
	assert_output 'error: string cut short at byte 1'
	run dec '"bytes"' 01
	assert_output 'error: negative length for bytes at byte 1'
	run dec '"boolean"' 02
	assert_output 'error: bad boolean 2 at byte 0'
	run dec '{"type":"enum","name":"E","symbols":["A"]}' 02
	assert_output 'error: enum index 1 out of range for E at byte 1'
	run dec '"double"' 0000
	assert_output 'error: double cut short at byte 0'
	run dec "$MOVIE" 14546865204d61747269789e1f000000000000000000020261
	assert_output 'error: .cast[0].role: union index cut short at byte 25'
	run dec "$MOVIE" 14546865204d61747269789e1f000000000000000000020a61
	assert_output 'error: .cast[0].name: string cut short at byte 24'
	run dec '{"type":"array","items":"null"}' feffffffffffffffff01
	assert_output 'error: too many items at byte 10'
	run dec '{"type":"bytes","logicalType":"decimal","precision":2,"scale":0}' 04ff9c
	assert_output 'error: decimal has more digits than its precision at byte 3'
	run dec '{"type":"bytes","logicalType":"decimal","precision":2,"scale":0}' 040064
	assert_output 'error: decimal has more digits than its precision at byte 3'
}

@test "avro: the decoder writes plain JSON on one line, wrapped only where a union needs it" {
	run dec "$MOVIE" 14546865204d61747269789e1f6666666666662140020c416374696f6e00020a4b65616e750000
	assert_output '{"title":"The Matrix","released":1999,"rating":8.7,"genres":["Action"],"cast":[{"name":"Keanu","role":null}]}'
	assert_equal "$(dec '"bytes"' 06ff0061)" '"ÿ\u0000a"'
	assert_equal "$(dec '"double"' 0000000000000040)" '2.0'
	assert_equal "$(dec '"float"' cdcccc3d)" '0.1'
	assert_equal "$(dec '"double"' 000000000000f87f)" '"NaN"'
	assert_equal "$(dec '["null","string"]' 020278)" '"x"'
	assert_equal "$(dec '["int","long"]' 020a)" '{"long":5}'
	assert_equal "$(dec '["int","long"]' 000a)" '5'
	assert_equal "$(dec '["string","bytes"]' 020278)" '{"bytes":"x"}'
	assert_equal "$(dec '["null","double"]' 02000000000000f87f)" '{"double":"NaN"}'
	assert_equal "$(dec '["null",{"type":"map","values":"int"}]' 0202086e756c6c0200)" '{"map":{"null":1}}'
	assert_equal "$(dec '{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}' 04ff6a)" '"-1.50"'
	assert_equal "$(dec '{"type":"int","logicalType":"date"}' a8b602)" '19860'
	# Blocks with a byte size (negative counts) and several blocks are read too.
	assert_equal "$(dec '{"type":"array","items":"int"}' 050602040600)" '[1,2,3]'
	assert_equal "$(dec '{"type":"array","items":"int"}' 0202020400)" '[1,2]'
}

@test "avro: JSON -> Avro -> JSON -> Avro is byte-exact for every type, and the JSON is as expected" {
	local all='{"type":"record","name":"All","namespace":"t","fields":[
	 {"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},
	 {"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
	 {"name":"by","type":"bytes"},{"name":"s","type":"string"},
	 {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
	 {"name":"fx","type":{"type":"fixed","name":"F","size":2}},
	 {"name":"a","type":{"type":"array","items":["null","E","F","long","int"]}},
	 {"name":"m","type":{"type":"map","values":["string","bytes"]}},
	 {"name":"dt","type":{"type":"int","logicalType":"date"}},
	 {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
	 {"name":"dec","type":{"type":"fixed","name":"D","size":3,"logicalType":"decimal","precision":6,"scale":3}},
	 {"name":"id","type":{"type":"string","logicalType":"uuid"}},
	 {"name":"next","type":["null","All"],"default":null}]}'
	run rt "$all" '{"n":null,"b":true,"i":-5,"l":4294967296,"f":0.1,"d":-1e-300,"by":"\u0000\u00ff","s":"\u2028\ud83d\ude00\"","e":"B","fx":"xy","a":[null,"A","zz",5,{"int":6}],"m":{"k":"v","w":{"bytes":"\u0001"}},"dt":"2000-02-29","ts":"2024-05-17T13:45:30.123456+05:30","dec":"-8.5","id":"123e4567-e89b-12d3-a456-426614174000","next":{"n":null,"b":false,"i":0,"l":0,"f":"-Infinity","d":0,"by":"","s":"","e":"A","fx":"\u00ff\u0000","a":[],"m":{},"dt":0,"ts":0,"dec":0,"id":"00000000-0000-0000-0000-000000000000"}}'
	assert_success
	assert_output '{"n":null,"b":true,"i":-5,"l":4294967296,"f":0.1,"d":-1e-300,"by":"\u0000ÿ","s":"'$'\u2028''😀\"","e":"B","fx":"xy","a":[null,"A",{"t.F":"zz"},5,{"int":6}],"m":{"k":"v","w":{"bytes":"\u0001"}},"dt":11016,"ts":1715933730123456,"dec":"-8.500","id":"123e4567-e89b-12d3-a456-426614174000","next":{"n":null,"b":false,"i":0,"l":0,"f":"-Infinity","d":0.0,"by":"","s":"","e":"A","fx":"ÿ\u0000","a":[],"m":{},"dt":0,"ts":0,"dec":"0.000","id":"00000000-0000-0000-0000-000000000000","next":null}}'
}

@test "avro: the Confluent framing is magic byte 0 and the schema id in 4 bytes big-endian" {
	run timeout 20 "$AVRO" frame 000000002a02
	assert_output 'id 42 body 02'
	run timeout 20 "$AVRO" frame 00ffffffff
	assert_output 'id 4294967295 body '
	run timeout 20 "$AVRO" frame 0100000001
	assert_output "error: magic byte 1, not 0: not in the schema registry's framing"
	run timeout 20 "$AVRO" frame 0000
	assert_output 'error: 2 bytes, too short for the 5-byte schema registry header'
}

@test "avro: on random values of six schemas our bytes are fastavro's, each reads the other's, and our JSON of its bytes gives them again" {
	run timeout 300 /usr/bin/python3 "$ROOT/tests/clients/avropeer.py" "$AVRO" 16 400
	assert_success
	assert_output - <<-EOF
	movie: 400 values agree
	primitives: 400 values agree
	complex: 400 values agree
	logical: 400 values agree
	list: 400 values agree
	ambiguous: 400 values agree
	EOF
}

@test "avro: random bytes and random JSON keep every property of the decoder and the encoder" {
	run timeout 300 "$ROOT/tests/bin/avro_fuzz" 200000
	assert_success
	assert_line --index 0 --regexp '^avro_fuzz: seed [0-9]+$'
	assert_line --index 1 "avro_fuzz: 200000 random inputs, all properties hold"
}
