#!/usr/bin/python3
"""avro-peer: Confluent's Python client as the peer of kprod -s value=avro and
kcons -s value=avro in bench/avro-kafka.sh: confluent-kafka's Producer with
its AvroSerializer, its Consumer with its AvroDeserializer, and its
SchemaRegistryClient, all at their defaults, used as their docs show
(PYTHONPATH=tests/.deps/python, installed by tests/deps).

  avro-peer.py produce BROKERS REGISTRY SCHEMA TOPIC < JSON_LINES
      parses each line, serializes it with the schema in file SCHEMA
      (registered under TOPIC-value, the serializer's default) and produces
      it, poll(0) after each, flush at the end; prints the number of
      messages delivered on stdout, exit 1 if any failed
  avro-peer.py consume BROKERS REGISTRY TOPIC COUNT
      reads COUNT messages from the beginning of every partition of TOPIC
      (assigned, not subscribed: no wait for a group's rebalance), decodes
      each value with its writer's schema, writes it as a JSON line on stdout
"""
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def produce(brokers, registry, schema_file, topic):
    with open(schema_file) as f:
        schema = f.read()
    ser = AvroSerializer(SchemaRegistryClient({"url": registry}), schema)
    ctx = SerializationContext(topic, MessageField.VALUE)
    p = Producer({"bootstrap.servers": brokers})
    result = {"ok": 0, "failed": 0}

    def delivered(err, _msg):
        result["failed" if err is not None else "ok"] += 1

    for line in sys.stdin:
        value = ser(json.loads(line), ctx)
        while True:
            try:
                p.produce(topic, value=value, on_delivery=delivered)
                break
            except BufferError:
                # The local queue is full: serve deliveries, then retry.
                p.poll(0.1)
        p.poll(0)
    p.flush()
    print(result["ok"])
    return 1 if result["failed"] else 0


def consume(brokers, registry, topic, count):
    de = AvroDeserializer(SchemaRegistryClient({"url": registry}))
    ctx = SerializationContext(topic, MessageField.VALUE)
    c = Consumer({"bootstrap.servers": brokers, "group.id": "avro-peer-%s" % topic,
                  "auto.offset.reset": "earliest"})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    out = sys.stdout
    n = 0
    while n < count:
        msg = c.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            sys.exit("avro-peer: %s" % msg.error())
        out.write(json.dumps(de(msg.value(), ctx), separators=(",", ":")) + "\n")
        n += 1
    c.close()
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "produce":
        return produce(*argv[2:6])
    if len(argv) == 6 and argv[1] == "consume":
        return consume(argv[2], argv[3], argv[4], int(argv[5]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
