#!/usr/bin/python3
"""CONNS Python websockets clients at their defaults, each sending COUNT
messages of SIZE bytes ("CONN-SEQ:" then a repeated letter) and waiting
for their acks. Prints "sent N" once every message is handed to the
socket (to --sent-file) and "acked N" at the end.

  bigsend.py URL CONNS COUNT SIZE [--sent-file FILE]
"""
import argparse
import asyncio
import json

import websockets


def message(conn, seq, size):
    head = f"{conn}-{seq}:"
    return head + chr(ord("a") + (conn + seq) % 26) * (size - len(head))


async def one(a, conn, sent):
    async with websockets.connect(a.url, max_size=None, open_timeout=60) as ws:
        for i in range(1, a.count + 1):
            await ws.send(message(conn, i, a.size))
        sent.append(conn)
        if a.sent_file and len(sent) == a.conns:
            with open(a.sent_file, "w") as f:
                f.write(f"sent {a.conns * a.count}\n")
        last = 0
        while last < a.count:
            last = json.loads(await ws.recv())["ack"]
        return last


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("conns", type=int)
    p.add_argument("count", type=int)
    p.add_argument("size", type=int)
    p.add_argument("--sent-file")
    a = p.parse_args()
    sent = []
    acked = await asyncio.gather(*(one(a, c, sent) for c in range(1, a.conns + 1)))
    print(f"acked {sum(acked)}")


if __name__ == "__main__":
    asyncio.run(main())
