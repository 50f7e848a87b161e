#!/bin/bash
# What an ack from Kafka costs (bench/acks.sh) on a real Apache Kafka of its
# own: writes bench/out/kafka-acks.md.
#   bench/kafka-acks.sh [N] [SECS] [RUNS]
ACKS_BROKER=kafka exec "$(dirname "$0")/acks.sh" "$@"
