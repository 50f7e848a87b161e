#!/usr/bin/python3
"""The chaos test's client: Python websockets at its defaults, keeping
every message until it is acknowledged and sending again, on a new
connection, whatever was not, however the connection ended.

  chaos.py send URL PHASE CONNS COUNT --acked FILE [--timeout SECS] [--rate N]
      CONNS senders, each with COUNT messages "PHASE-C-I:BODY" (I from 1),
      one connection at a time each, reconnecting (backoff 0.1 s to 1 s)
      until every message is acknowledged. Appends the id of every message
      acknowledged to FILE as the acks come. --rate sends at most N new
      messages a second per sender (what is sent again is not held back),
      so that a fault meets a stream in flow. Prints
      "acked N, connections M, closes CODE:COUNT ...", exits 1 if not all
      were acknowledged within SECS.
  chaos.py check TOPIC_DUMP ACKED_FILE PHASE:CONNS:COUNT...
      TOPIC_DUMP: the topic's records, one a line (kcat -C -e). Checks that
      every record is a whole, unaltered message, that every acknowledged
      message is there, and that every message of each phase is there.
      Prints per phase "PHASE messages M duplicates D"; exits 1 on a miss
      or an altered record.

Acks ({"ack":N}) count the messages of one connection: the first N sent
on it are stored. A new connection starts with the oldest message not
acknowledged, so its numbering starts over.
"""
import asyncio
import collections
import json
import sys
import time

import websockets


def body(phase, conn, i):
    """A message's body: 20 to 400 bytes, derived from its id."""
    n = 20 + (conn * 7919 + i * 104729) % 381
    seed = f"{phase}.{conn}.{i}."
    return (seed * (n // len(seed) + 1))[:n]


def message(phase, conn, i):
    return f"{phase}-{conn}-{i}:{body(phase, conn, i)}"


async def sender(url, phase, conn, count, log, stats, rate):
    pending = collections.deque(message(phase, conn, i) for i in range(1, count + 1))
    first_sent = 0  # messages sent at least once: the paced ones
    t0 = time.monotonic()
    backoff = 0.1
    while pending:
        try:
            async with websockets.connect(url, open_timeout=5, close_timeout=2) as ws:
                stats["connections"] += 1
                backoff = 0.1
                done_here = 0  # messages of this connection acknowledged so far

                async def read_acks():
                    nonlocal done_here
                    try:
                        async for data in ws:
                            n = json.loads(data)["ack"]
                            while done_here < n and pending:
                                m = pending.popleft()
                                log.write(m.split(":", 1)[0] + "\n")
                                done_here += 1
                            log.flush()
                            if not pending:
                                return
                    except websockets.ConnectionClosed as e:
                        code = e.rcvd.code if e.rcvd else 1006
                        stats["closes"][code] += 1

                reader = asyncio.ensure_future(read_acks())
                snapshot = list(pending)
                for n, m in enumerate(snapshot):
                    if reader.done():
                        break
                    if rate and first_sent < count and n >= len(snapshot) - (count - first_sent):
                        # a new message: keep to the rate
                        first_sent += 1
                        ahead = first_sent / rate - (time.monotonic() - t0)
                        if ahead > 0:
                            await asyncio.sleep(ahead)
                    await ws.send(m)
                await reader
                if pending and ws.close_code in (1000, 1001):  # closed normally, messages left
                    stats["closes"][ws.close_code] += 1
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else 1006
            stats["closes"][code] += 1
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake):
            stats["closes"]["connect"] += 1
        if pending:
            await asyncio.sleep(backoff)
            backoff = min(1.0, backoff * 2)


async def send(url, phase, conns, count, acked_path, timeout, rate):
    stats = {"connections": 0, "closes": collections.Counter()}
    with open(acked_path, "a") as log:
        tasks = [sender(url, phase, c, count, log, stats, rate) for c in range(1, conns + 1)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout)
            ok = True
        except asyncio.TimeoutError:
            ok = False
    acked = sum(1 for line in open(acked_path) if line.startswith(f"{phase}-"))
    closes = " ".join(f"{k}:{v}" for k, v in sorted(stats["closes"].items(), key=str))
    print(f"acked {acked}, connections {stats['connections']}, closes {closes or 'none'}")
    return 0 if ok else 1


def check(dump, acked_path, specs):
    seen = collections.Counter()
    bad = []
    for line in open(dump, "rb"):
        rec = line.rstrip(b"\n").decode(errors="replace")
        mid, _, text = rec.partition(":")
        parts = mid.rsplit("-", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            bad.append(f"not a message: {rec[:60]!r}")
            continue
        phase, conn, i = parts[0], int(parts[1]), int(parts[2])
        if text != body(phase, conn, i):
            bad.append(f"{mid}: altered or torn ({len(text)} bytes)")
        seen[mid] += 1
    for mid in open(acked_path).read().split():
        if not seen[mid]:
            bad.append(f"{mid} was acknowledged but is not there")
    for spec in specs:
        phase, conns, count = spec.split(":")
        ids = [f"{phase}-{c}-{i}" for c in range(1, int(conns) + 1) for i in range(1, int(count) + 1)]
        missing = [m for m in ids if not seen[m]]
        if missing:
            bad.append(f"{phase}: {len(missing)} messages missing, e.g. {missing[:3]}")
        dups = sum(seen[m] - 1 for m in ids if seen[m] > 1)
        print(f"{phase} messages {len(ids)} duplicates {dups}")
    if bad:
        print("\n".join(bad[:20]))
        return 1
    return 0


def main():
    if sys.argv[1] == "send":
        url, phase, conns, count = sys.argv[2:6]
        rest = sys.argv[6:]
        acked = rest[rest.index("--acked") + 1]
        timeout = float(rest[rest.index("--timeout") + 1]) if "--timeout" in rest else 120
        rate = float(rest[rest.index("--rate") + 1]) if "--rate" in rest else 0
        return asyncio.run(send(url, phase, int(conns), int(count), acked, timeout, rate))
    return check(sys.argv[2], sys.argv[3], sys.argv[4:])


if __name__ == "__main__":
    sys.exit(main())
