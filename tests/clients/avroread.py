#!/usr/bin/python3
"""avroread: reads Avro values (and keys) in a schema registry's framing
with clients that share no code with ours: kafka-python fetches the
messages, urllib the writer's schema by id from the registry, fastavro
decodes (both from tests/.deps/python).

  avroread.py BROKERS TOPIC COUNT REGISTRY_URL [--key]

Prints COUNT lines, by partition and offset: the schema id, a tab, and the
decoded value as JSON (keys sorted, compact); with --key, the key's id and
JSON first, then a tab. A message not in the framing prints "not avro".
"""
import io
import json
import os
import struct
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".deps", "python"))

import fastavro  # noqa: E402
from kafka import KafkaConsumer, TopicPartition  # noqa: E402

schemas = {}


def decode(data, url):
    """The framing's id and the decoded value of data."""
    if data is None or len(data) < 5 or data[0] != 0:
        return None, None
    sid = struct.unpack(">I", data[1:5])[0]
    if sid not in schemas:
        with urllib.request.urlopen(f"{url}/schemas/ids/{sid}") as r:
            text = json.load(r)["schema"]
        schemas[sid] = fastavro.parse_schema(json.loads(text))
    return sid, fastavro.schemaless_reader(io.BytesIO(data[5:]), schemas[sid])


def show(data, url):
    sid, value = decode(data, url)
    if sid is None:
        return "not avro"
    return f"{sid}\t" + json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def main():
    brokers, topic, count, url = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with_key = "--key" in sys.argv[5:]
    c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False, api_version_auto_timeout_ms=20000)
    tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or [])]
    c.assign(tps)
    for tp in tps:
        c.seek(tp, 0)  # every test topic starts at 0
    got = []
    while len(got) < count:
        batch = c.poll(timeout_ms=10000)
        if not batch:
            break
        for msgs in batch.values():
            got += [(m.partition, m.offset, m) for m in msgs]
    for _, _, m in sorted(got, key=lambda t: (t[0], t[1])):
        line = show(m.value, url)
        if with_key:
            line = show(m.key, url) + "\t" + line
        print(line)
    return 0 if len(got) == count else 1


if __name__ == "__main__":
    sys.exit(main())
