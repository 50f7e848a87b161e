#!/usr/bin/python3
"""kafkapy: an independent Kafka client for the tests (kafka-python, pure
Python, installed by tests/deps under tests/.deps/python).

  kafkapy.py BROKERS fill TOPIC         produce the records below, built to hold
                                        every case a copy must keep; prints how many
  kafkapy.py BROKERS send TOPIC TS VALUE...
                                        produce each VALUE to partition 0 of TOPIC
                                        with CreateTime TS (0 is sent as 0)
  kafkapy.py BROKERS dump TOPIC COUNT   print the first COUNT records of TOPIC,
                                        one line each: partition offset tstype ts
                                        key value [headers], by partition and
                                        offset (bytes as hex, a long value as its
                                        length and SHA-256, None for null)

kafka-python cannot send a null header value (its producer measures every
value's length) nor a record whose key and value are both null (it asserts
one of them); it reads both. The tests add such records with kcat.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".deps", "python"))

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

OLD_TS = 1500000000000  # a CreateTime in 2017: a copy must keep it


def records():
    """(partition, key, value, headers, timestamp_ms): the cases a copy keeps."""
    big = bytes((i * 7919) % 256 for i in range(150000))
    yield 0, None, b"plain value, null key", [], None
    yield 0, b"", b"empty key, not null", [], None
    yield 1, b"k-tombstone", None, [], None
    yield 1, b"k-empty-value", b"", [], None
    yield 2, b"\xff\xfe\x00key", b"bin\x00ary\n\r\xff\x80 value", [], None
    yield 0, b"hdr", b"headers in order, repeated, null, binary", [
        ("h", b"1"), ("h", b"2"), ("bin", b"\x00\xff\n"), ("h", b"3"), ("", b"empty name")], None
    yield 1, b"old", b"an old CreateTime", [], OLD_TS
    yield 2, b"big", big, [], None
    yield 0, b"latin1", b"caf\xe9 is not UTF-8", [], None
    yield 1, "text \u00e9\U0001f600 \"q\" \\ \x01\x1f \u2028".encode(), \
        "json-ish {\"a\":[1,2]} \t tab \u00e9\U0001f600".encode(), [("t", "\u00e9".encode())], None
    yield 2, b"a:b\x1fc", b"delimiters : \x1f \x00 inside", [], None
    for i in range(30):
        yield i % 3, ("key-%d" % (i % 7)).encode(), ("value %d" % i).encode(), [], None


def fill(brokers, topic):
    p = KafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=0, api_version_auto_timeout_ms=20000)
    n = 0
    for part, key, value, headers, ts in records():
        p.send(topic, key=key, value=value, partition=part, headers=headers, timestamp_ms=ts).get(timeout=30)
        n += 1
    p.flush()
    p.close()
    print(n)


def send(brokers, topic, ts, values):
    p = KafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=0, api_version_auto_timeout_ms=20000)
    for v in values:
        p.send(topic, value=v.encode(), partition=0, timestamp_ms=ts).get(timeout=30)
    p.flush()
    p.close()


def show(b):
    """Bytes as hex (a long value as its length and SHA-256), None for null."""
    if b is None:
        return "None"
    if len(b) > 64:
        return "%d:sha256:%s" % (len(b), hashlib.sha256(b).hexdigest())
    return b.hex()


def dump(brokers, topic, count):
    c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False, api_version_auto_timeout_ms=20000)
    parts = sorted(c.partitions_for_topic(topic) or [])
    tps = [TopicPartition(topic, p) for p in parts]
    c.assign(tps)
    for tp in tps:
        c.seek(tp, 0)  # every test topic starts at 0 (no offset lookup needed)
    out = []
    while len(out) < count:
        batch = c.poll(timeout_ms=10000)
        if not batch:
            sys.exit("kafkapy: %d records of %s, %d expected" % (len(out), topic, count))
        for msgs in batch.values():
            for m in msgs:
                hdrs = ",".join("%s=%s" % (show(k.encode()), show(v)) for k, v in m.headers)
                out.append((m.partition, m.offset, "%d %d %d %s %s %s [%s]" % (
                    m.partition, m.offset, m.timestamp_type, m.timestamp, show(m.key), show(m.value), hdrs)))
    c.close()
    for _, _, line in sorted(out):
        print(line)


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "fill":
        fill(sys.argv[1], sys.argv[3])
    elif len(sys.argv) >= 6 and sys.argv[2] == "send":
        send(sys.argv[1], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    elif len(sys.argv) == 5 and sys.argv[2] == "dump":
        dump(sys.argv[1], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
