#!/usr/bin/python3
"""Opens N WebSocket connections that each start a message and never finish
it: one first fragment (FIN=0) of 100 bytes, then nothing (or, with
--trickle, one more byte a second in continuation frames, answering pings
with pongs). Prints "open N" once every connection has sent its fragment;
after --hold seconds (or once the server closed them all) prints, for each
connection in the order opened, "I CODE" with the close code the server
sent (or "I eof" when it hung up without one, "I open" when it is still
open).

With --idle the connections send nothing at all after the handshake;
--first B makes the first fragment B bytes long.

  stallers.py PORT N [--hold SECS] [--trickle | --idle] [--first B]
"""
import argparse
import base64
import os
import selectors
import socket
import struct
import sys
import time


def frame(op, fin, payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | op])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Conn:
    def __init__(self, port, idle, first):
        self.sock = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise EOFError("no handshake answer")
            head += chunk
        if head.split(b" ")[1] != b"101":
            raise EOFError(head.split(b"\r\n")[0].decode())
        if not idle:
            self.sock.sendall(frame(0x1, False, b"s" * first))
        self.sock.setblocking(False)
        self.buf = b""
        self.state = "open"

    def read(self):
        """Reads what the server sent; answers pings, notes a close."""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            data = b""
        if not data:
            if self.state == "open":
                self.state = "eof"
            return False
        self.buf += data
        while len(self.buf) >= 2:
            n = self.buf[1] & 0x7F
            hl = 2 + (2 if n == 126 else 8 if n == 127 else 0)
            if len(self.buf) < hl:
                break
            if n == 126:
                n = struct.unpack("!H", self.buf[2:4])[0]
            elif n == 127:
                n = struct.unpack("!Q", self.buf[2:10])[0]
            if len(self.buf) < hl + n:
                break
            op, payload = self.buf[0] & 0x0F, self.buf[hl:hl + n]
            self.buf = self.buf[hl + n:]
            try:
                if op == 0x9:
                    self.sock.sendall(frame(0xA, True, payload))
                elif op == 0x8 and self.state == "open":
                    self.state = str(struct.unpack("!H", payload[:2])[0]) if n >= 2 else "none"
                    self.sock.sendall(frame(0x8, True, payload[:2]))
            except OSError:
                pass
        return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--hold", type=float, default=30)
    p.add_argument("--trickle", action="store_true")
    p.add_argument("--idle", action="store_true")
    p.add_argument("--first", type=int, default=100)
    a = p.parse_args()
    conns = [Conn(a.port, a.idle, a.first) for _ in range(a.n)]
    print(f"open {a.n}", flush=True)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    end = time.monotonic() + a.hold
    next_byte = time.monotonic() + 1
    while time.monotonic() < end and sel.get_map():
        for key, _ in sel.select(timeout=0.1):
            if key.data.read() is False:
                sel.unregister(key.fileobj)
        if a.trickle and time.monotonic() >= next_byte:
            next_byte += 1
            for c in conns:
                if c.state == "open":
                    try:
                        c.sock.sendall(frame(0x0, False, b"t"))
                    except OSError:
                        pass
    for i, c in enumerate(conns, 1):
        print(i, c.state, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
