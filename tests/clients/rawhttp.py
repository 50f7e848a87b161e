#!/usr/bin/python3
"""Sends stdin, as it is, to 127.0.0.1:PORT and prints the answer: the
status line, then the headers named with -H (in the order asked), then the
body, each line without its CR. For handshakes real clients never send.

  printf 'GET / HTTP/1.1\\r\\n...' | rawhttp.py PORT [-H NAME]... [--tls]
Prints "eof" when the server closed without answering.
With --all (for pipelined requests) it reads until the server closes and
prints every status line it answered, then "closed", or "open" when the
server kept the connection --timeout seconds after its last byte.
"""
import argparse
import socket
import ssl
import sys


def read_all(sock):
    """Prints each status line the server sent, then whether it closed."""
    data, end = b"", "closed"
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        end = "open"
    for line in data.split(b"\r\n"):
        if line.startswith(b"HTTP/1.1 "):
            print(line.decode(errors="replace"))
    print(end)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("-H", dest="headers", action="append", default=[])
    p.add_argument("--tls", action="store_true")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--all", action="store_true")
    a = p.parse_args()
    sock = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
    if a.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    req = sys.stdin.buffer.read()
    sock.sendall(req)
    if a.all:
        return read_all(sock)
    head_only = req.startswith(b"HEAD ")  # the answer has no body
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if head_only or len(body) >= length:
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    if not data:
        print("eof")
        return 0
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    print(lines[0])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    for h in a.headers:
        print(f"{h}: {fields.get(h.lower(), '(none)')}")
    sys.stdout.write(body.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
