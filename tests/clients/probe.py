#!/usr/bin/python3
"""Sends COUNT text messages of 10 bytes ("probe-NNNN"), one every EVERY
seconds, on one connection (python3-websockets at its defaults) to a
server with --ack, and waits for each message's ack before the next.
Prints "acked COUNT, slowest MS ms", or exits 1 naming the first message
not acknowledged within LIMIT seconds.

  probe.py URL COUNT [--every SECS] [--limit SECS]
"""
import argparse
import asyncio
import json
import sys
import time

import websockets


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("count", type=int)
    p.add_argument("--every", type=float, default=0.5)
    p.add_argument("--limit", type=float, default=2)
    a = p.parse_args()
    slowest = 0.0
    async with websockets.connect(a.url) as ws:
        for i in range(1, a.count + 1):
            start = time.monotonic()
            await ws.send(f"probe-{i:04d}")
            try:
                deadline = start + a.limit
                while json.loads(await asyncio.wait_for(
                        ws.recv(), max(0.0, deadline - time.monotonic())))["ack"] < i:
                    pass
            except asyncio.TimeoutError:
                print(f"message {i} not acked within {a.limit} s", flush=True)
                return 1
            took = time.monotonic() - start
            slowest = max(slowest, took)
            await asyncio.sleep(max(0.0, a.every - took))
    print(f"acked {a.count}, slowest {round(slowest * 1000)} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
