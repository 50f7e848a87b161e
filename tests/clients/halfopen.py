#!/usr/bin/python3
"""Opens N connections that never finish their handshake (each sends the
first lines of a request and stops; with --head-bytes B, B bytes of an
unfinished head; with --silent, nothing at all), prints "open N" once all are
connected, then waits until the server has closed every one of them or
--hold seconds pass, and prints "closed K" (how many the server closed).
With --answers it then prints, for each connection in the order opened,
"I STATUS": the HTTP status the server answered, or "none".

With --tls each connection first completes a TLS handshake (any
certificate), then sends what it would send in the clear.

  halfopen.py PORT N [--hold SECS] [--silent | --head-bytes B] [--answers] [--tls]
"""
import argparse
import selectors
import socket
import ssl
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--hold", type=float, default=30)
    p.add_argument("--silent", action="store_true")
    p.add_argument("--head-bytes", type=int)
    p.add_argument("--answers", action="store_true")
    p.add_argument("--tls", action="store_true")
    a = p.parse_args()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(a.n):
        s = socket.create_connection(("127.0.0.1", a.port))
        if a.tls:
            s = ctx.wrap_socket(s)
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if a.head_bytes:
            head += b"X-Pad: " + b"p" * (a.head_bytes - len(head) - 7)
        if not a.silent:
            s.sendall(head)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, len(socks))
        socks.append(s)
    got = [b""] * a.n
    print(f"open {a.n}", flush=True)
    closed, end = 0, time.monotonic() + a.hold
    while closed < a.n and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except (ConnectionResetError, ssl.SSLError):
                data = b""
            got[key.data] += data
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                closed += 1
    print(f"closed {closed}", flush=True)
    if a.answers:
        for i, g in enumerate(got, 1):
            words = g.split(b" ", 2)
            print(i, words[1].decode() if len(words) > 1 else "none", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
