#!/bin/sh
# End-to-end latency (bench/latency.sh) on a real Apache Kafka of its own,
# kcons with default settings: writes bench/out/kafka-latency.md.
#   bench/kafka-latency.sh [SECONDS] [RUNS]
LAT_BROKER=kafka exec "$(dirname "$0")/latency.sh" "$@"
