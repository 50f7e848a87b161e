#!/usr/bin/env bats
# The schema registry client (lib/registry, driven by tests/bin/registry_test
# under ASan+UBSan) against a real Apicurio Registry of the suite's own, and
# make registry (tests/registry/run). Needs no Kafka.

load helpers

setup_file() {
	registry_start
}

teardown_file() {
	registry_stop
}

teardown() {
	if [ -n "${MAKE_PID:-}" ] && kill -0 "$MAKE_PID" 2>/dev/null; then
		kill -TERM "$MAKE_PID" 2>/dev/null
		timeout 30 tail --pid="$MAKE_PID" -f /dev/null || kill -KILL "$MAKE_PID"
	fi
	[ -z "${HOLD_PID:-}" ] || kill "$HOLD_PID" 2>/dev/null
	[ -z "${TLS_DIR:-}" ] || timeout 60 "$ROOT/tests/registry/server" stop "$TLS_DIR"
	return 0
}

MOVIE='{"type":"record","name":"Movie","fields":[{"name":"title","type":"string"},{"name":"released","type":"int"}]}'
# MOVIE with a field added without a default: a reader of it cannot read
# MOVIE's data, so BACKWARD refuses it.
MOVIE_RATED='{"type":"record","name":"Movie","fields":[{"name":"title","type":"string"},{"name":"released","type":"int"},{"name":"rating","type":"int"}]}'

# Runs the driver on the suite's registry with the given questions.
ask() {
	run timeout 60 "$ROOT/tests/bin/registry_test" -X "schema.registry.url=$REGISTRY_URL" "$@"
}

# A subject no other test uses.
subject() {
	echo "t$BATS_TEST_NUMBER-$1"
}

# Sets the compatibility rule of subject $1 to $2, as an operator would.
set_compat() {
	run timeout 20 curl -sS -f -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
		--data "{\"compatibility\":\"$2\"}" "$REGISTRY_URL/config/$1"
	assert_success
	assert_output "{\"compatibility\":\"$2\"}"
}

# The id the registry itself gives the latest version of subject $1.
registry_id() {
	timeout 20 curl -sS -f "$REGISTRY_URL/subjects/$1/versions/latest" | jq -e .id
}

@test "registering a schema under a subject gives the registry's id, and the same schema again the same id" {
	s=$(subject value)
	ask register "$s" "$MOVIE" register "$s" "$MOVIE"
	assert_success
	id=$(registry_id "$s")
	assert_output "register $s: id $id
register $s: id $id"
}

@test "the latest version of a subject gives its id, version and exact schema" {
	s=$(subject value)
	ask register "$s" "$MOVIE"
	assert_success
	id=${output##* }
	set_compat "$s" NONE
	ask register "$s" '"string"' latest "$s"
	assert_success
	id2=$(registry_id "$s")
	[ "$id2" != "$id" ]
	assert_output "register $s: id $id2
latest $s: id $id2 version 2 type AVRO
schema: \"string\""
}

@test "a schema by id gives its exact text, as registered" {
	s=$(subject value)
	ask register "$s" "$MOVIE"
	assert_success
	id=${output##* }
	ask id "$id"
	assert_success
	assert_output "id $id: type AVRO
schema: $MOVIE"
}

@test "the client sends one request per schema, per subject and per id, however often it is asked" {
	s=$(subject value)
	ask register "$(subject first)" "$MOVIE"
	assert_success
	id=${output##* }
	ask register "$s" "$MOVIE" requests \
		register "$s" "$MOVIE" register "$s" "$MOVIE" requests \
		latest "$s" latest "$s" latest "$s" requests \
		id "$id" id "$id" id "$id" requests \
		register "$(subject other)" "$MOVIE" requests
	assert_success
	run grep '^requests:' <<<"$output"
	assert_output "requests: 1
requests: 1
requests: 2
requests: 3
requests: 4"
}

@test "a schema incompatible under the subject's BACKWARD rule is refused with the registry's message, and nothing is registered" {
	s=$(subject value)
	ask register "$s" "$MOVIE"
	assert_success
	set_compat "$s" BACKWARD
	ask register "$s" "$MOVIE_RATED" latest "$s"
	assert_failure 1
	assert_line --index 0 --regexp "^register $s: error refused: registering a schema under subject $s: HTTP 409: .*rating.* \\(error_code (0|409)\\)\$"
	# The latest version is still the first.
	assert_line --index 1 --regexp "^latest $s: id [0-9]+ version 1 type AVRO\$"
}

@test "an invalid schema is refused with the registry's message" {
	s=$(subject value)
	ask register "$s" '{"type":"recrod","name":"M","fields":[]}' register "$s" 'not a schema' requests
	assert_failure 1
	assert_output --regexp "^register $s: error refused: registering a schema under subject $s: HTTP 422: [^
]+ \\(error_code 422[0-9][0-9]\\)
register $s: error refused: registering a schema under subject $s: HTTP 422: [^
]+ \\(error_code 422[0-9][0-9]\\)
requests: 2\$"
}

@test "an unknown id is not found, with the registry's message, and asked only once" {
	ask id 2000000000 id 2000000000 requests
	assert_failure 1
	msg="schema id 2000000000: HTTP 404: No content with id/hash 'contentId-2000000000' was found. (error_code 40403)"
	assert_output "id 2000000000: error notfound: $msg
id 2000000000: error notfound: $msg
requests: 1"
}

@test "a subject with no version is not found, with the registry's message" {
	s=$(subject none)
	ask latest "$s"
	assert_failure 1
	assert_output --regexp "^latest $s: error notfound: the latest schema of subject $s: HTTP 404: .*$s.* \\(error_code (40401|40402)\\)\$"
}

@test "a subject with spaces, slashes and non-ASCII letters is sent escaped and answered" {
	s="$(subject 'a b/c?d é')"
	ask register "$s" "$MOVIE" latest "$s"
	assert_success
	id=${lines[0]#"register $s: id "}
	[[ $id =~ ^[0-9]+$ ]]
	assert_output "register $s: id $id
latest $s: id $id version 1 type AVRO
schema: $MOVIE"
}

@test "an unreachable registry gives curl's reason and the URL asked, never its password, and each question is asked again" {
	port=$(free_port)
	run timeout 60 "$ROOT/tests/bin/registry_test" -X "schema.registry.url=http://127.0.0.1:$port" \
		id 1 id 1 requests
	assert_failure 1
	why="id 1: error unreachable: schema id 1: http://127.0.0.1:$port/schemas/ids/1: Couldn't connect to server \\(Failed to connect to 127\\.0\\.0\\.1 port $port after [0-9]+ ms: Couldn't connect to server\\)"
	assert_output --regexp "^$why
$why
requests: 2\$"
	# A password in the URL is used, never shown.
	run timeout 60 "$ROOT/tests/bin/registry_test" -X "schema.registry.url=http://bob:hunter2@127.0.0.1:$port/" id 1
	assert_failure 1
	assert_output --regexp "^$why\$"
}

@test "with two URLs, the second answers when the first cannot be reached, and is asked first from then on" {
	s=$(subject value)
	port=$(free_port)
	run timeout 60 "$ROOT/tests/bin/registry_test" \
		-X "schema.registry.url=http://127.0.0.1:$port, $REGISTRY_URL/" \
		register "$s" "$MOVIE" requests latest "$s" requests
	assert_success
	assert_line --index 1 "requests: 2"
	assert_line --index 2 --regexp "^latest $s: id [0-9]+ version 1 type AVRO\$"
	assert_line --index 4 "requests: 3"
}

@test "settings are Confluent's property names; an unknown one or a URL that is not http(s) is refused" {
	run "$ROOT/tests/bin/registry_test" -X schema.registry.uri=http://x requests
	assert_failure 2
	assert_output "registry_test: -X schema.registry.uri: no such schema registry property"
	run "$ROOT/tests/bin/registry_test" -X schema.registry.url=ftp://127.0.0.1/ requests
	assert_failure 2
	assert_output "registry_test: schema.registry.url: ftp://127.0.0.1: expected http:// or https://"
	run "$ROOT/tests/bin/registry_test" -X basic.auth.user.info=nopassword requests
	assert_failure 2
	assert_output "registry_test: -X basic.auth.user.info: expected user:password"
	run "$ROOT/tests/bin/registry_test" requests
	assert_failure 2
	assert_output "registry_test: schema.registry.url: no URL given"
	run "$ROOT/tests/bin/registry_test" -X "schema.registry.url=$REGISTRY_URL" \
		-X schema.registry.ssl.ca.location=/etc/ssl/certs/ca-certificates.crt \
		-X basic.auth.user.info=u:p -X schema.registry.request.timeout.ms=5000 requests \
		knows schema.registry.url knows schema.registry.ssl.key.location knows bootstrap.servers \
		knows ssl.ca.location
	assert_success
	assert_output "requests: 0
knows schema.registry.url: yes
knows schema.registry.ssl.key.location: yes
knows bootstrap.servers: no
knows ssl.ca.location: no"
}

@test "make registry prints its URL once the registry answers, and SIGTERM stops it" {
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	env TMPDIR="$BATS_TEST_TMPDIR/tmp" REGISTRY_PORT=0 make -s -C "$ROOT" registry \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	MAKE_PID=$!
	registry_up() { grep -q '^registry: ' "$BATS_TEST_TMPDIR/out"; }
	up_or_gone() { registry_up || pid_gone "$MAKE_PID"; }
	{ wait_until --every 0.2 180 up_or_gone && registry_up; } || cat "$BATS_TEST_TMPDIR/err" >&2
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp '^registry: http://127\.0\.0\.1:[0-9]+/apis/ccompat/v7$'
	url=${output#registry: }
	port=${url#http://127.0.0.1:}
	port=${port%%/*}
	run timeout 20 curl -sS -f "$url/subjects"
	assert_output '[]'
	# Its folder (port, pid, log) exists while it runs.
	run ls "$BATS_TEST_TMPDIR/tmp"
	assert_output --regexp '^registry\.[A-Za-z0-9]+$'
	pid=$(cat "$BATS_TEST_TMPDIR/tmp/$output/pid")
	kill -TERM "$MAKE_PID"
	run timeout 60 tail --pid="$MAKE_PID" -f /dev/null
	assert_success
	MAKE_PID=
	run timeout 30 tail --pid="$pid" -f /dev/null
	assert_success
	run ls -A "$BATS_TEST_TMPDIR/tmp"
	assert_output ''
	run curl -sS "$url/subjects"
	assert_failure
}

@test "make registry on a port that is taken says so and exits 1" {
	port=$(free_port)
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$port" 3>&- &
	HOLD_PID=$!
	wait_port "$port"
	run timeout 60 env REGISTRY_PORT="$port" "$ROOT/tests/registry/run"
	assert_failure 1
	assert_output "registry: port $port on 127.0.0.1 is taken; stop what listens there or pick another (REGISTRY_PORT=0 picks a free one)"
	run timeout 60 env REGISTRY_PORT=http "$ROOT/tests/registry/run"
	assert_failure 1
	assert_output "registry: REGISTRY_PORT=http: expected a port number (0 picks a free one)"
}

@test "building the registry without a network says in one line that Maven Central cannot be reached" {
	unshare -n true 2>/dev/null || skip "needs a network namespace of its own (unshare -n, as root)"
	# A copy that was never built, and a Maven repository with nothing in it.
	mkdir "$BATS_TEST_TMPDIR/registry"
	cp -r "$ROOT"/tests/registry/{fetch,pom.xml,settings.xml,src} "$BATS_TEST_TMPDIR/registry/"
	run timeout 300 env MAVEN_OPTS="-Dmaven.repo.local=$BATS_TEST_TMPDIR/m2" unshare -n "$BATS_TEST_TMPDIR/registry/fetch"
	assert_failure 1
	assert_output "registry: building Apicurio Registry 2.4.2.Final from Maven Central (once)
registry: cannot reach Maven Central to download Apicurio Registry; check the network and run make deps again"
}

# Makes a CA, a server certificate for 127.0.0.1 and a client certificate
# signed by it, a PKCS12 trust store of the CA for the registry, and a
# client certificate of another CA, in folder $1.
make_certs() {
	local d=$1 ca
	mkdir -p "$d"
	for ca in ca other; do
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 \
			-subj "/CN=test $ca" 2>/dev/null
	done
	printf 'subjectAltName=IP:127.0.0.1\n' >"$d/san"
	local name signer
	for name in server:ca client:ca stranger:other; do
		signer=${name#*:} name=${name%:*}
		openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
			-subj "/CN=$name" 2>/dev/null
		openssl x509 -req -in "$d/$name.csr" -CA "$d/$signer.pem" -CAkey "$d/$signer.key" \
			-CAcreateserial -out "$d/$name.pem" -days 2 -extfile "$d/san" 2>/dev/null
	done
	keytool -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/trust.p12" \
		-storetype PKCS12 -storepass trustme >/dev/null 2>&1
}

@test "over https the client trusts the CA of schema.registry.ssl.ca.location and presents the certificate and key given" {
	c=$BATS_TEST_TMPDIR/certs
	make_certs "$c"
	TLS_DIR=$BATS_TEST_TMPDIR/tls
	url=$(REGISTRY_TLS_CERT=$c/server.pem REGISTRY_TLS_KEY=$c/server.key REGISTRY_TLS_TRUST=$c/trust.p12 \
		REGISTRY_TLS_TRUST_PASSWORD=trustme timeout 180 "$ROOT/tests/registry/server" start "$TLS_DIR")
	[[ $url == https://127.0.0.1:*/apis/ccompat/v7 ]]
	T=$ROOT/tests/bin/registry_test
	# The CA and a certificate the registry trusts: answered.
	run timeout 60 "$T" -X "schema.registry.url=$url" -X "schema.registry.ssl.ca.location=$c/ca.pem" \
		-X "schema.registry.ssl.certificate.location=$c/client.pem" \
		-X "schema.registry.ssl.key.location=$c/client.key" register tls-value '"int"' latest tls-value
	assert_success
	assert_line --index 1 --regexp '^latest tls-value: id [0-9]+ version 1 type AVRO$'
	# No CA: the registry's certificate is not trusted.
	run timeout 60 "$T" -X "schema.registry.url=$url" latest tls-value
	assert_failure 1
	assert_output "latest tls-value: error unreachable: the latest schema of subject tls-value: $url/subjects/tls-value/versions/latest: SSL peer certificate or SSH remote key was not OK (SSL certificate problem: unable to get local issuer certificate)"
	# A certificate of a CA the registry does not trust: the key and the
	# certificate were sent, and the registry ended the handshake.
	run timeout 60 "$T" -X "schema.registry.url=$url" -X "schema.registry.ssl.ca.location=$c/ca.pem" \
		-X "schema.registry.ssl.certificate.location=$c/stranger.pem" \
		-X "schema.registry.ssl.key.location=$c/stranger.key" latest tls-value
	assert_failure 1
	assert_output --regexp "^latest tls-value: error unreachable: the latest schema of subject tls-value: $url/subjects/tls-value/versions/latest: Failure when receiving data from the peer \\(.*alert (certificate unknown|bad certificate|unknown ca).*\\)\$"
	# A key that is not the certificate's: libcurl refuses it.
	run timeout 60 "$T" -X "schema.registry.url=$url" -X "schema.registry.ssl.ca.location=$c/ca.pem" \
		-X "schema.registry.ssl.certificate.location=$c/client.pem" \
		-X "schema.registry.ssl.key.location=$c/stranger.key" latest tls-value
	assert_failure 1
	assert_output "latest tls-value: error unreachable: the latest schema of subject tls-value: $url/subjects/tls-value/versions/latest: Problem with the local SSL certificate (unable to set private key file: '$c/stranger.key' type PEM)"
	timeout 60 "$ROOT/tests/registry/server" stop "$TLS_DIR"
	TLS_DIR=
}

# Starts a listener that answers one HTTP request with status line $1 and
# body $2, as a registry behind a proxy, or a server that is no registry,
# might; the request's head goes to $BATS_TEST_TMPDIR/head. Sets PORT and
# HOLD_PID (teardown ends it).
one_answer() {
	rm -f "$BATS_TEST_TMPDIR/port" "$BATS_TEST_TMPDIR/head"
	python3 -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); head = b""
while b"\r\n\r\n" not in head:
    data = c.recv(4096)
    if not data: break
    head += data
open(sys.argv[1], "wb").write(head)
body = sys.argv[3].encode()
c.sendall(b"HTTP/1.1 %s\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: %d\r\n\r\n%s" % (sys.argv[2].encode(), len(body), body))
c.close()' "$BATS_TEST_TMPDIR/head" "$1" "$2" >"$BATS_TEST_TMPDIR/port" 3>&- &
	HOLD_PID=$!
	wait_for_file "$BATS_TEST_TMPDIR/port" 20
	PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

@test "basic.auth.user.info is sent as HTTP basic authentication, and a 401 gives the registry's message" {
	# Apicurio checks basic credentials against an OpenID server, which is not
	# here: a one-request listener shows what the client sends and answers
	# as Confluent's registry answers a wrong password.
	one_answer "401 Unauthorized" '{"error_code":40101,"message":"Unauthorized"}'
	run timeout 60 "$ROOT/tests/bin/registry_test" -X "schema.registry.url=http://127.0.0.1:$PORT" \
		-X basic.auth.user.info=alice:s3cret:x id 7
	assert_failure 1
	assert_output "id 7: error refused: schema id 7: HTTP 401: Unauthorized (error_code 40101)"
	run grep -c $'^Authorization: Basic YWxpY2U6czNjcmV0Ong=\r$' "$BATS_TEST_TMPDIR/head"
	assert_output 1
	run grep -c '^GET /schemas/ids/7 HTTP/1.1' "$BATS_TEST_TMPDIR/head"
	assert_output 1
}

@test "answers that are not the API's are errors that say so, never a crash" {
	T=$ROOT/tests/bin/registry_test
	one_answer "200 OK" '{"sch\u0065ma":"\"int\""}'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" id 3
	assert_failure 1
	assert_output "id 3: error server: schema id 3: the answer holds no schema"
	one_answer "200 OK" '<html>a proxy</html>'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" latest s
	assert_failure 1
	assert_output "latest s: error server: the latest schema of subject s: the answer holds no id and version"
	one_answer "502 Bad Gateway" '<html>a proxy</html>'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" register s '"int"'
	assert_failure 1
	assert_output "register s: error server: registering a schema under subject s: HTTP 502 from the schema registry"
	one_answer "200 OK" '{"schema":"\u0000"}'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" id 3
	assert_failure 1
	assert_output "id 3: error server: schema id 3: the answer holds no schema"
	one_answer "200 OK" '{"id":-1}'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" register s '"int"'
	assert_failure 1
	assert_output "register s: error server: registering a schema under subject s: the answer holds no id"
	# Confluent's own answer: its content type, a schemaType, and escapes.
	one_answer "200 OK" '{"schema":"{\"type\":\"object\",\"title\":\"caf\u00e9\"}","schemaType":"JSON"}'
	run timeout 60 "$T" -X "schema.registry.url=http://127.0.0.1:$PORT" id 3
	assert_success
	assert_output 'id 3: type JSON
schema: {"type":"object","title":"café"}'
}
