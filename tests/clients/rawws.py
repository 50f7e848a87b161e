#!/usr/bin/python3
"""A raw-socket WebSocket client for what real clients refuse to send:
invalid UTF-8, hand-made fragments, unfinished handshakes and frames, and
peers that never answer pings.

  rawws.py PORT [--path P] [--half-handshake] [--partial-frame]
           [--close-after SECS] [--ping-every SECS --ping-for SECS] FRAME...

FRAME is OP:HEX with OP one of t (text), T (text, more to come),
c (continuation, last), C (continuation, more to come), b (binary);
HEX is the payload. Frames are masked, as a client's must be.
Prints "status N" for the handshake, then what the server sends:
"text PAYLOAD", "ping", "close CODE REASON", and "eof" when the
connection ends, with "after SECS" (seconds since the last thing sent).
--ping-every sends a ping that often for --ping-for seconds after the
frames, and prints "pong" for each answer.
"""
import argparse
import base64
import os
import socket
import struct
import sys
import time

OPS = {"t": (0x1, True), "T": (0x1, False), "c": (0x0, True), "C": (0x0, False),
       "b": (0x2, True)}


def frame(op, fin, payload):
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | op])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--path", default="/")
    p.add_argument("--half-handshake", action="store_true")
    p.add_argument("--partial-frame", action="store_true")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--close-after", type=float, help="send a close (1000) after SECS of reading")
    p.add_argument("--ping-every", type=float)
    p.add_argument("--ping-for", type=float, default=0)
    p.add_argument("frames", nargs="*")
    a = p.parse_args()

    sock = socket.create_connection(("127.0.0.1", a.port))
    sock.settimeout(a.timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET {a.path} HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    start = time.monotonic()
    try:
        if a.half_handshake:
            sock.sendall(req[:40].encode())
            while sock.recv(4096):
                pass
            raise EOFError
        sock.sendall(req.encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = sock.recv(1)
            if not chunk:
                raise EOFError
            resp += chunk
        print("status", resp.split(b" ")[1].decode(), flush=True)
        for spec in a.frames:
            op, _, hexdata = spec.partition(":")
            code, fin = OPS[op]
            sock.sendall(frame(code, fin, bytes.fromhex(hexdata)))
        if a.partial_frame:
            sock.sendall(frame(0x1, True, b"x" * 100)[:20])
        if a.ping_every:
            end = time.monotonic() + a.ping_for
            while time.monotonic() < end:
                sock.sendall(frame(0x9, True, b"hi"))
                time.sleep(a.ping_every)
        start = time.monotonic()
        if a.close_after is not None:
            sock.settimeout(a.close_after if a.close_after > 0 else 0.001)
        while True:
            try:
                b0, b1 = read_exact(sock, 2)
            except socket.timeout:
                if a.close_after is None:
                    raise
                a.close_after = None
                sock.settimeout(a.timeout)
                sock.sendall(frame(0x8, True, struct.pack("!H", 1000)))
                continue
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", read_exact(sock, 2))[0]
            elif n == 127:
                n = struct.unpack("!Q", read_exact(sock, 8))[0]
            payload = read_exact(sock, n)
            op = b0 & 0x0F
            if op == 0x1:
                print("text", payload.decode(), flush=True)
            elif op == 0x9:
                print("ping", flush=True)
            elif op == 0xA:
                print("pong", flush=True)
            elif op == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                print("close", code, payload[2:].decode(errors="replace"), flush=True)
                sock.sendall(frame(0x8, True, payload[:2]))
    except (EOFError, ConnectionResetError):
        print("eof after %d" % round(time.monotonic() - start), flush=True)
    except socket.timeout:
        print("timeout", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
