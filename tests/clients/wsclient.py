#!/usr/bin/python3
"""A WebSocket client for the wsrecv tests, built on python3-websockets.

Sends messages on one or more connections and reports what the server did:
  status CODE           the handshake was refused with an HTTP status
  subprotocol NAME      (--subprotocol) the one the server chose
  acked N               (--acks) the last ack seen on connection 1 (also
                        before a close line when the server closed first)
  refused N WHY         (--acks) message N of connection 1 will never be
                        stored, as the server said, in the order it did
  close CODE REASON     how the server closed connection 1 (--hold)
  sent N                every message was sent (written after sending)

  wsclient.py URL [--conns N] [--count M] [--prefix P] [--text T]...
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--count", type=int, default=0, help="messages per connection")
    p.add_argument("--prefix", default="m", help="messages are PREFIX-CONN-SEQ")
    p.add_argument("--size", type=int, default=0, help="pad each message to SIZE bytes")
    p.add_argument("--text", action="append", default=[], help="send this text message")
    p.add_argument("--hex", action="append", default=[], help="send these bytes as binary")
    p.add_argument("--fragments", type=int, default=0, help="send --text in N fragments")
    p.add_argument("--header", action="append", default=[], help="extra 'Name: value'")
    p.add_argument("--origin")
    p.add_argument("--subprotocol", action="append", default=[], help="offer this subprotocol")
    p.add_argument("--acks", action="store_true", help="wait for the ack of the last message")
    p.add_argument("--hold", type=float, default=0, help="then wait SECS for the server to close")
    p.add_argument("--sent-file", help="write 'sent N' here once everything is sent")
    p.add_argument("--insecure", action="store_true", help="accept any TLS certificate")
    return p.parse_args()


def messages(a, conn):
    for t in a.text:
        if a.fragments > 1:
            step = max(1, -(-len(t) // a.fragments))
            yield [t[i:i + step] for i in range(0, len(t), step)]
        else:
            yield t
    for h in a.hex:
        yield bytes.fromhex(h)
    for i in range(1, a.count + 1):
        m = f"{a.prefix}-{conn}-{i}"
        if a.size > len(m):
            m += "." * (a.size - len(m))
        yield m


async def one(a, conn, report):
    headers = [tuple(h.split(": ", 1)) for h in a.header]
    kw = {"extra_headers": headers, "max_size": None, "open_timeout": 20}
    if a.origin:
        kw["origin"] = a.origin
    if a.subprotocol:
        kw["subprotocols"] = a.subprotocol
    if a.url.startswith("wss:"):
        ctx = ssl.create_default_context()
        if a.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        kw["ssl"] = ctx
    try:
        ws = await websockets.connect(a.url, **kw)
    except websockets.InvalidStatusCode as e:
        report(conn, f"status {e.status_code}")
        return 1
    if a.subprotocol:
        report(conn, f"subprotocol {ws.subprotocol}")
    n = 0
    acks = {"last": 0}

    async def read_acks():
        # Acks are read as they come, also while sending is held back.
        try:
            async for data in ws:
                msg = json.loads(data)
                if "refused" in msg:
                    report(conn, f"refused {msg['refused']} {msg['why']}")
                else:
                    acks["last"] = msg["ack"]
        except websockets.ConnectionClosed:
            pass

    reader = asyncio.ensure_future(read_acks()) if a.acks else None
    try:
        for m in messages(a, conn):
            await ws.send(m)
            n += 1
        if a.sent_file and conn == 1:
            with open(a.sent_file, "w") as f:
                f.write(f"sent {n}\n")
        if a.acks:
            while acks["last"] < n and not reader.done():
                await asyncio.sleep(0.01)
            if acks["last"] < n:
                raise websockets.ConnectionClosed(None, None)
            report(conn, f"acked {acks['last']}")
        if a.hold:
            await asyncio.wait_for(ws.wait_closed(), a.hold)
            report(conn, f"close {ws.close_code} {ws.close_reason}")
        else:
            await ws.close()
    except websockets.ConnectionClosed:
        if a.acks:
            await asyncio.wait([reader], timeout=5)
            report(conn, f"acked {acks['last']}")
        report(conn, f"close {ws.close_code} {ws.close_reason}")
    except asyncio.TimeoutError:
        report(conn, "timeout")
        return 1
    return 0


async def main():
    a = parse()

    def report(conn, line):
        if conn == 1:
            print(line, flush=True)

    if a.conns == 1:
        return await one(a, 1, report)
    rcs = await asyncio.gather(*(one(a, c, report) for c in range(1, a.conns + 1)))
    return max(rcs)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
