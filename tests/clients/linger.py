#!/usr/bin/python3
"""Sends stdin to 127.0.0.1:PORT, reads the answer's status line, keeps the
socket open SECONDS more, then closes it, and prints the status line: a
client that lingers after being refused.

  printf 'GET / HTTP/1.1\\r\\n...' | linger.py PORT SECONDS
"""
import socket
import sys
import time


def main():
    port, linger = int(sys.argv[1]), float(sys.argv[2])
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(sys.stdin.buffer.read())
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    time.sleep(linger)
    sock.close()
    print(data.split(b"\r\n")[0].decode(errors="replace") or "eof")
    return 0


if __name__ == "__main__":
    sys.exit(main())
