#!/usr/bin/python3
"""The soak test's Python websockets client and its checker.

  soak.py send URL KIND CONNS COUNT   websockets client at its defaults
                                      (permessage-deflate offered); prints
                                      "acked N"; exits 1 on a wrong ack
  soak.py check OUTPUT KIND:CONNS:COUNT...
                                      reads wsrecv -0 output and checks that
                                      every message of every client is there
                                      exactly once, byte for byte; prints
                                      "N messages, M bytes, all exact"

The messages are those of gen.js (the same generator, in Python).
"""
import asyncio
import json
import math
import sys

ALPHABET = ["a", "b", "c", " ", "\n", "{", '"', "\u00e9", "\u2713", "\U0001D11E"]
BYTES = [1, 1, 1, 1, 1, 1, 1, 2, 3, 4]


def soak_message(kind, conn, seq):
    x = ((conn * 7919) ^ (seq * 104729)) & 0xFFFFFFFF or 1

    def nxt():
        nonlocal x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        return x

    size = math.floor(math.exp((nxt() % 1000000) / 1000000 * math.log(200000)))
    parts = [f"{kind}-{conn}-{seq}:"]
    n = 0
    while n < size:
        i = nxt() % len(ALPHABET)
        parts.append(ALPHABET[i])
        n += BYTES[i]
    return "".join(parts)


async def one(url, kind, conn, count):
    import websockets
    async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
        for i in range(1, count + 1):
            await ws.send(soak_message(kind, conn, i))
        last = 0
        while last < count:
            n = json.loads(await ws.recv())["ack"]
            if not last < n <= count:
                raise RuntimeError(f"conn {conn}: ack {n} after {last}")
            last = n
        return last


async def send(url, kind, conns, count):
    acked = await asyncio.gather(*(one(url, kind, c, count) for c in range(1, conns + 1)))
    print(f"acked {sum(acked)}")


def check(path, specs):
    want = {}
    for spec in specs:
        kind, conns, count = spec.split(":")
        for c in range(1, int(conns) + 1):
            for i in range(1, int(count) + 1):
                want[f"{kind}-{c}-{i}"] = i
    seen, nbytes, bad = set(), 0, []
    for rec in open(path, "rb").read().split(b"\0")[:-1]:
        key = rec.split(b":", 1)[0].decode(errors="replace")
        if key not in want:
            bad.append(f"unexpected record {rec[:40]!r}")
            continue
        if key in seen:
            bad.append(f"{key} twice")
        seen.add(key)
        kind, conn, seq = key.rsplit("-", 2)
        if rec != soak_message(kind, int(conn), int(seq)).encode():
            bad.append(f"{key} differs ({len(rec)} bytes)")
        nbytes += len(rec)
    missing = sorted(set(want) - seen)
    if missing:
        bad.append(f"{len(missing)} missing, e.g. {missing[:3]}")
    if bad:
        print("\n".join(bad[:20]))
        return 1
    print(f"{len(seen)} messages, {nbytes} bytes, all exact")
    return 0


def main():
    if sys.argv[1] == "send":
        url, kind, conns, count = sys.argv[2:6]
        asyncio.run(send(url, kind, int(conns), int(count)))
        return 0
    return check(sys.argv[2], sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
