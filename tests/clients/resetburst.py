#!/usr/bin/python3
"""COUNT raw-socket WebSocket clients that each send one text message
("reset-I") right after the 101 and then reset the connection (SO_LINGER
0, so close sends RST): the server may learn of the connection only after
the peer is gone. PARALLEL clients run at once (threads).

  resetburst.py PORT COUNT [PARALLEL]

Prints "101 N": how many handshakes got 101 (and sent their message).
"""
import base64
import os
import socket
import struct
import sys
import threading


def client(port, i):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        chunk = sock.recv(4096)
        if not chunk:
            break
        resp += chunk
    ok = resp.startswith(b"HTTP/1.1 101 ")
    if ok:
        payload = f"reset-{i}".encode()
        mask = os.urandom(4)
        sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask +
                     bytes(b ^ mask[j % 4] for j, b in enumerate(payload)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    return ok


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    parallel = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    ok = [0]
    lock = threading.Lock()
    next_i = [1]

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i > count:
                return
            if client(port, i):
                with lock:
                    ok[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("101", ok[0], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
