#!/usr/bin/python3
"""avroreg: Confluent's own Python client as the peer of kcons -s avro:
confluent-kafka's Producer with its AvroSerializer and SchemaRegistryClient,
all at their defaults (PyPI confluent-kafka[avro,schemaregistry], installed
by tests/deps under tests/.deps/python).

  avroreg.py BROKERS REGISTRY movies TOPIC COUNT
      produces COUNT movie records, keyed by an Avro record, their values
      written in turn with three versions of the Movie schema (the
      serializer registers each under TOPIC-value, as its default naming
      does); prints each message's key and value as JSON (sorted keys, one
      line: KEY<TAB>VALUE), the values a reader decoding with the writer's
      schema must give
  avroreg.py BROKERS - raw TOPIC
      produces each line of stdin, "KEYHEX VALUEHEX" ("-" for null),
      to partition 0 as bytes, in order
  avroreg.py BROKERS REGISTRY read TOPIC COUNT
      consumes COUNT messages of partition 0 from the beginning with
      confluent-kafka's Consumer and AvroDeserializer (each value with its
      writer's schema, by the id in its framing) and prints each value as
      JSON (sorted keys, one line)
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".deps", "python"))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402

KEY = {"type": "record", "name": "MovieKey", "namespace": "com.example",
       "fields": [{"name": "imdb", "type": "string"}]}
V1 = {"type": "record", "name": "Movie", "namespace": "com.example", "fields": [
    {"name": "title", "type": "string"},
    {"name": "released", "type": "int"}]}
V2 = {"type": "record", "name": "Movie", "namespace": "com.example", "fields": [
    {"name": "title", "type": "string"},
    {"name": "released", "type": "int"},
    {"name": "rating", "type": "double", "default": 0.0}]}
V3 = {"type": "record", "name": "Movie", "namespace": "com.example", "fields": [
    {"name": "title", "type": "string"},
    {"name": "released", "type": "int"},
    {"name": "rating", "type": "double", "default": 0.0},
    {"name": "genres", "type": {"type": "array", "items": "string"}, "default": []},
    {"name": "director", "type": ["null", "string"], "default": None}]}


def movie(i, version):
    """The value of record i in schema version 1, 2 or 3."""
    v = {"title": "Movie \u00e9 \"%d\"" % i, "released": 1900 + i}
    if version >= 2:
        v["rating"] = (i % 20) / 2.0
    if version >= 3:
        v["genres"] = ["drama", "sci-fi"][: i % 3]
        v["director"] = None if i % 2 else "Dir %d" % i
    return v


def delivered(err, msg):
    if err is not None:
        sys.exit("avroreg: delivery failed: %s" % err)


def movies(brokers, registry, topic, count):
    client = SchemaRegistryClient({"url": registry})
    key_ser = AvroSerializer(client, json.dumps(KEY))
    sers = [AvroSerializer(client, json.dumps(s)) for s in (V1, V2, V3)]
    p = Producer({"bootstrap.servers": brokers})
    out = []
    for i in range(count):
        version = i % 3 + 1
        key = {"imdb": "tt%07d" % i}
        value = movie(i, version)
        k = key_ser(key, SerializationContext(topic, MessageField.KEY))
        v = sers[version - 1](value, SerializationContext(topic, MessageField.VALUE))
        p.produce(topic, key=k, value=v, partition=0, on_delivery=delivered)
        out.append("%s\t%s" % (json.dumps(key, sort_keys=True), json.dumps(value, sort_keys=True)))
    if p.flush(30) != 0:
        sys.exit("avroreg: messages not delivered in 30 s")
    print("\n".join(out))


def raw(brokers, topic):
    p = Producer({"bootstrap.servers": brokers})
    for line in sys.stdin:
        k, v = line.split()
        while True:
            try:
                p.produce(topic, key=None if k == "-" else bytes.fromhex(k),
                          value=None if v == "-" else bytes.fromhex(v),
                          partition=0, on_delivery=delivered)
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                p.poll(0.1)
    if p.flush(30) != 0:
        sys.exit("avroreg: messages not delivered in 30 s")


def read(brokers, registry, topic, count):
    deser = AvroDeserializer(SchemaRegistryClient({"url": registry}))
    c = Consumer({"bootstrap.servers": brokers, "group.id": "avroreg", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = 0
    while got < count:
        m = c.poll(30)
        if m is None:
            sys.exit("avroreg: %d messages of %s, %d expected" % (got, topic, count))
        if m.error():
            continue
        value = deser(m.value(), SerializationContext(topic, MessageField.VALUE))
        print(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False), flush=True)
        got += 1
    c.close()


def main():
    brokers, registry, cmd, topic = sys.argv[1:5]
    if cmd == "movies":
        movies(brokers, registry, topic, int(sys.argv[5]))
    elif cmd == "raw":
        raw(brokers, topic)
    elif cmd == "read":
        read(brokers, registry, topic, int(sys.argv[5]))
    else:
        sys.exit("avroreg: unknown command " + cmd)


if __name__ == "__main__":
    main()
