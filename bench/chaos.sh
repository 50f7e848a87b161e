#!/bin/bash
# The chaos test (tests/chaos.bats) as a measurement: how many messages come
# twice because a fault lost their ack (at least once: none is lost, the
# test checks that), per fault, on the test broker and on a real Apache
# Kafka. Prints a markdown section (also written to bench/out/chaos.md).
#   bench/chaos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "chaos: on the test broker..." >&2
CHAOS_REPORT=$tmp/mock.md BIN=bin bats tests/chaos.bats -f '^chaos: nothing' >&2
echo "chaos: on Apache Kafka..." >&2
MOCK=0 ASAN=0 CHAOS_REPORT=$tmp/kafka.md tests/run tests/chaos.bats >&2
{
	echo "## Chaos: duplicates per fault (none lost)"
	echo
	echo "\`tests/chaos.bats\`: 5 Python websockets clients (defaults) send 7,500 messages per"
	echo "fault through \`pipelines/ws-to-kafka\` with Kafka acks, keeping each message until its"
	echo "ack and sending it again otherwise, while the fault strikes a third of the way in;"
	echo "kprod runs with \`-X message.timeout.ms=6000\`. Every acknowledged message was in the"
	echo "topic (read by kcat) and every message was acknowledged in the end; the counts are"
	echo "the messages stored twice because the fault lost their ack, and what a \`kcons -g\`"
	echo "reading the topic throughout saw twice (its group resumes from committed offsets)."
	echo
	echo "On the test broker:"
	echo
	cat "$tmp/mock.md"
	echo
	echo "On Apache Kafka (one node of its own, killed and started again for the outages):"
	echo
	cat "$tmp/kafka.md"
	echo
	echo "Command: \`bench/chaos.sh\` (one run each; the counts vary from run to run with where the"
	echo "fault lands)."
} | tee bench/out/chaos.md
