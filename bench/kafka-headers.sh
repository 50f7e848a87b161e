#!/bin/bash
# What a record's headers cost the producer (bench/headers.sh) on a real
# Apache Kafka of its own: writes bench/out/kafka-headers.md.
#   bench/kafka-headers.sh [N_RECORDS] [RUNS]
HEADERS_BROKER=kafka exec "$(dirname "$0")/headers.sh" "$@"
