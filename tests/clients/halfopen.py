#!/usr/bin/python3
"""Opens N connections that never finish their handshake (each sends the
first lines of a request and stops; with --silent, nothing at all), prints "open N" once all are
connected, then waits until the server has closed every one of them or
--hold seconds pass, and prints "closed K" (how many the server closed).

  halfopen.py PORT N [--hold SECS] [--silent]
"""
import argparse
import selectors
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--hold", type=float, default=30)
    p.add_argument("--silent", action="store_true")
    a = p.parse_args()
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(a.n):
        s = socket.create_connection(("127.0.0.1", a.port))
        if not a.silent:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    print(f"open {a.n}", flush=True)
    closed, end = 0, time.monotonic() + a.hold
    while closed < a.n and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                closed += 1
    print(f"closed {closed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
