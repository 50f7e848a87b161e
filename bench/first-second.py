#!/usr/bin/python3
"""A new pipeline's first second, as a client sees it (issue 19): one
connection (python3-websockets at its defaults) to a front door with --ack
sends one message alone and waits for its ack, then RATE messages a second
for SECS seconds of 100 bytes each, and times every message from its send
to the ack that covers it (acks are cumulative).

Prints one line: "lone_ms=X n=N p50_ms=X p99_ms=X max_ms=X".

  first-second.py URL [--rate 10000] [--secs 1]
"""
import argparse
import asyncio
import json
import sys
import time

import websockets


def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))]


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--rate", type=int, default=10000)
    p.add_argument("--secs", type=float, default=1)
    a = p.parse_args()
    async with websockets.connect(a.url) as ws:
        t0 = time.monotonic()
        await ws.send("lone".ljust(100, "."))
        while json.loads(await asyncio.wait_for(ws.recv(), 30)).get("ack", 0) < 1:
            pass
        lone = (time.monotonic() - t0) * 1000
        n = int(a.rate * a.secs)
        sent = [0.0] * (n + 2)
        took = []
        acked = {"n": 1}

        async def read():
            while acked["n"] < n + 1:
                m = json.loads(await ws.recv())
                k = m.get("ack", 0)
                now = time.monotonic()
                for i in range(acked["n"] + 1, k + 1):
                    took.append((now - sent[i]) * 1000)
                acked["n"] = max(acked["n"], k)

        reader = asyncio.ensure_future(read())
        start = time.monotonic()
        # Sends in steps of 1 ms: RATE/1000 messages each, on schedule.
        per = max(1, a.rate // 1000)
        i = 1
        while i <= n:
            due = start + (i - 1) / a.rate
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            for _ in range(min(per, n - i + 1)):
                i += 1
                sent[i] = time.monotonic()
                await ws.send(f"m{i}".ljust(100, "."))
        await asyncio.wait_for(reader, 60)
    took.sort()
    print(f"lone_ms={lone:.2f} n={len(took)} p50_ms={pct(took, 0.5):.2f} "
          f"p99_ms={pct(took, 0.99):.2f} max_ms={took[-1]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
