#!/usr/bin/python3
"""What Apache Kafka's broker spent on the produce requests to one topic,
from its request log (bench/kafka.bash's REQUEST_LOG=1: kafka.request.logger
at DEBUG writes a "Completed request:{...}" line of JSON for each request,
with its times in ms: waiting in the request queue, on the handler thread
("local": the append to the log), waiting for replicas, sending back).

Prints one line: "produce_requests=N local_p50_ms=X local_max_ms=X
slow=N slow_sum_ms=X slow_nth=K:N,..." where slow are the requests whose
local time passed SLOW_MS, and slow_nth says which request to its partition
each was (1 the partition's first, 2 its second...), the count of each.
librdkafka sends one partition's batch a request, so each names one.

  request-log.py SERVER_LOG TOPIC [SLOW_MS (20)]
"""
import json
import sys


def produce_requests(path, topic):
    """(partition, local ms) of each completed produce request to topic,
    in the order the broker completed them."""
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if "Completed request:" not in line or '"PRODUCE"' not in line:
                continue
            j = json.loads(line[line.index("{"):line.rindex("}") + 1])
            for t in j["request"].get("topicData", []):
                if t.get("name") != topic:
                    continue
                for p in t.get("partitionData", []):
                    yield p["index"], j["localTimeMs"]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    slow_ms = float(sys.argv[3]) if len(sys.argv) == 4 else 20.0
    nth = {}
    local = []
    slow_nth = {}
    for part, ms in produce_requests(sys.argv[1], sys.argv[2]):
        nth[part] = nth.get(part, 0) + 1
        local.append(ms)
        if ms > slow_ms:
            slow_nth[nth[part]] = slow_nth.get(nth[part], 0) + 1
    if not local:
        sys.exit("request-log.py: no produce request to %s in %s" % (sys.argv[2], sys.argv[1]))
    ordered = sorted(local)
    slow = [ms for ms in local if ms > slow_ms]
    print("produce_requests=%d local_p50_ms=%.1f local_max_ms=%.1f slow=%d slow_sum_ms=%.0f slow_nth=%s" % (
        len(local), ordered[(len(ordered) - 1) // 2], ordered[-1], len(slow), sum(slow),
        ",".join("%d:%d" % kv for kv in sorted(slow_nth.items())) or "-"))


main()
