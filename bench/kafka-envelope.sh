#!/bin/bash
# The JSON envelope against the line modes (bench/envelope.sh) on a real
# Apache Kafka of its own: writes bench/out/kafka-envelope.md.
#   bench/kafka-envelope.sh [N_RECORDS] [RUNS]
ENVELOPE_BROKER=kafka exec "$(dirname "$0")/envelope.sh" "$@"
