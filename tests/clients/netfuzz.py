#!/usr/bin/python3
"""A bounded network fuzzer for wsrecv: several clients at once send
mutated handshakes and frames from raw sockets while a monitor asks
/healthz every 100 ms, and the records wsrecv wrote (-J) are checked
against what the clients sent.

  netfuzz.py run PORT SECONDS SEED CLIENTS LOG    fuzz; LOG gets the messages
  netfuzz.py check LOG RECORDS                    check wsrecv's -J records

run prints "sessions N clean N messages N health_max_ms N health_failures N"
and exits 1 when /healthz missed its second once. Every byte sent is
remembered per session; a reference RFC 6455 parser of those bytes gives
the messages a session completed (before any protocol error). check
passes when every record is one of those (none torn, none foreign) and
every message of a clean session (unmutated, closed properly, answered
101) is a record; it prints "records N, all from clients, clean N of N".
Sessions are drawn from SEED, so a failure can be replayed.
"""
import base64
import http.client
import json
import os
import random
import socket
import struct
import sys
import threading
import time

MAX_MESSAGE = 1 << 20  # wsrecv's default --max-message


def frame(rng, op, fin, payload, masked=True):
    head = bytes([(0x80 if fin else 0) | op])
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    mask = bytes(rng.randrange(256) for _ in range(4))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def text_payload(rng, n):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 {}\":,é€😀"
    return "".join(rng.choice(alphabet) for _ in range(n)).encode()


def handshake(rng, port):
    extra = ""
    kind = rng.random()
    if kind < 0.05:
        extra = "Cookie: a=" + "c" * rng.randrange(16000, 20000) + "\r\n"
    elif kind < 0.10:
        extra = "Sec-WebSocket-Protocol: " + rng.choice(["chat", "graphql-ws", "mqtt"]) + "\r\n"
    elif kind < 0.15:
        extra = "X-Pad: " + "p" * rng.randrange(1, 4000) + "\r\n"
    req = (
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n%s\r\n" % (port, extra)
    ).encode()
    if rng.random() < 0.05:  # a health check first on the same connection:
        # wsrecv ends the connection after its answer, the upgrade is not read
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + req
    return req


def frames(rng):
    """The frames of a session and the messages in them, unmutated."""
    out, msgs = [], []
    for _ in range(rng.randrange(0, 8) if rng.random() < 0.85 else 0):
        r = rng.random()
        size = rng.randrange(0, 200) if r < 0.6 else rng.randrange(200, 5000) if r < 0.95 else rng.randrange(5000, 70000)
        binary = rng.random() < 0.3
        payload = bytes(rng.randrange(256) for _ in range(size)) if binary else text_payload(rng, size)
        size = len(payload)  # text: bytes, not characters
        parts = rng.randrange(1, 4) if size > 1 else 1
        cuts = sorted(rng.randrange(size + 1) for _ in range(parts - 1))
        pieces = [payload[a:b] for a, b in zip([0] + cuts, cuts + [size])]
        for i, piece in enumerate(pieces):
            op = (2 if binary else 1) if i == 0 else 0
            out.append(frame(rng, op, i == len(pieces) - 1, piece))
            if rng.random() < 0.1:
                out.append(frame(rng, 9, True, b"pi"))
        msgs.append(payload)
    return out, msgs


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        if not data:
            break
        op = rng.random()
        at = rng.randrange(len(data))
        if op < 0.4:
            data[at] ^= 1 << rng.randrange(8)
        elif op < 0.55:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        elif op < 0.7:
            del data[at : at + rng.randrange(1, 16)]
        elif op < 0.85:
            n = rng.randrange(1, 64)
            data[at:at] = data[at : at + n]
        else:
            del data[at:]
    return bytes(data)


def parse(data):
    """The messages a server completes from a client's bytes, as RFC 6455
    says, up to the first protocol error (after which it must close)."""
    end = data.find(b"\r\n\r\n")
    msgs = []
    if end < 0:
        return msgs
    # A health check before the upgrade: the upgrade is the next head.
    if data.startswith(b"GET /healthz"):
        nxt = data.find(b"\r\n\r\n", end + 4)
        if nxt < 0:
            return msgs
        end = nxt
    i, cur, cur_op = end + 4, None, 0
    while i + 2 <= len(data):
        b0, b1 = data[i], data[i + 1]
        fin, rsv, op = b0 & 0x80, b0 & 0x70, b0 & 0x0F
        masked, n = b1 & 0x80, b1 & 0x7F
        j = i + 2
        if n == 126:
            if j + 2 > len(data):
                break
            n = struct.unpack("!H", data[j : j + 2])[0]
            j += 2
        elif n == 127:
            if j + 8 > len(data):
                break
            n = struct.unpack("!Q", data[j : j + 8])[0]
            j += 8
        mask = b"\0\0\0\0"
        if masked:
            mask = data[j : j + 4]
            j += 4
        if rsv or op in (3, 4, 5, 6, 7) or op > 10 or j + n > len(data):
            break
        payload = bytes(b ^ mask[k % 4] for k, b in enumerate(data[j : j + n]))
        i = j + n
        if op >= 8:
            if not fin or n > 125 or op == 8:
                break
            continue
        if op == 0:
            if cur is None:
                break
            cur += payload
        else:
            if cur is not None:
                break
            cur, cur_op = payload, op
        if len(cur) > MAX_MESSAGE:
            break
        if fin:
            msgs.append(cur)
            cur = None
    return msgs


class Fuzz:
    def __init__(self, port, seed, log):
        self.port, self.seed = port, seed
        self.lock = threading.Lock()
        self.log = open(log, "w")
        self.sessions = self.clean = self.messages = 0
        self.next = 0
        self.answers = {}

    def draw(self):
        with self.lock:
            self.next += 1
            return self.next

    def record(self, sid, clean, msgs):
        with self.lock:
            self.sessions += 1
            self.clean += clean
            self.messages += len(msgs)
            for m in msgs:
                self.log.write("%d %s %s\n" % (sid, "clean" if clean else "any", base64.b64encode(m).decode()))

    def session(self, sid):
        rng = random.Random("%d-%d" % (self.seed, sid))
        head = handshake(rng, self.port)
        body, msgs = frames(rng)
        ending = rng.choice(["close", "close", "fin", "reset", "linger"])
        if rng.random() < 0.04:  # a head that never ends: 408 after the handshake time
            head, body, ending = head[:-2], [], "late"
        elif b"Cookie" in head and rng.random() < 0.5:  # 431, then stays a moment
            body, ending = [], "linger"
        data = head + b"".join(body)
        if ending == "close":
            data += frame(rng, 8, True, struct.pack("!H", 1000))
        mutated = rng.random() < 0.6
        if mutated:
            data = mutate(rng, data)
        clean = (
            not mutated
            and ending == "close"
            and b"Cookie" not in head
            and b"Protocol" not in head
            and not head.startswith(b"GET /healthz")
        )
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        answer = b""
        try:
            if ending == "reset":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Like a real client, the frames wait for the 101 when the head is whole.
            s.sendall(head if not mutated else data[: len(head)])
            rest = data[len(head):] if not mutated else data[len(head):]
            if data.find(b"\r\n\r\n") >= 0 and rng.random() < 0.8:
                s.settimeout(3)
                while b"\r\n\r\n" not in answer:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            pos = 0
            while pos < len(rest):
                n = rng.randrange(1, 9000)
                s.sendall(rest[pos : pos + n])
                pos += n
                if rng.random() < 0.05:
                    time.sleep(rng.random() * 0.01)
            if ending == "fin" or ending == "close":
                s.shutdown(socket.SHUT_WR)
            if ending in ("close", "linger", "late"):
                s.settimeout(5 if clean else 4 if ending == "late" else rng.uniform(0.1, 0.8))
                try:
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        answer += chunk
                except socket.timeout:
                    clean = False
            if ending in ("linger", "late"):
                # Refused, it stays a moment after its answer, open.
                time.sleep(rng.uniform(0.1, 0.8))
        except OSError:
            clean = False
        finally:
            s.close()
        clean = clean and answer.startswith(b"HTTP/1.1 101")
        with self.lock:
            status = answer[9:12].decode(errors="replace") if answer.startswith(b"HTTP/1.1 ") else "none"
            self.answers[status] = self.answers.get(status, 0) + 1
        self.record(sid, clean, parse(data) if not clean else msgs)


def monitor(port, stop, stats):
    while not stop.is_set():
        start = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            c.getresponse().read()
            c.close()
            stats["max"] = max(stats["max"], time.monotonic() - start)
        except (OSError, http.client.HTTPException):
            stats["failures"] += 1
        stop.wait(0.1)


def run(port, seconds, seed, clients, log):
    fz = Fuzz(port, seed, log)
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            fz.session(fz.draw())

    stop, stats = threading.Event(), {"max": 0.0, "failures": 0}
    mon = threading.Thread(target=monitor, args=(port, stop, stats))
    mon.start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    mon.join()
    fz.log.close()
    print("seed %d sessions %d clean %d messages %d health_max_ms %d health_failures %d answers %s"
          % (seed, fz.sessions, fz.clean, fz.messages, stats["max"] * 1000, stats["failures"],
             ",".join("%s:%d" % kv for kv in sorted(fz.answers.items()))))
    return 1 if stats["failures"] else 0


def check(log, records):
    legit, clean = set(), {}
    with open(log) as f:
        for line in f:
            sid, kind, b64 = line.split(" ")
            m = base64.b64decode(b64)
            legit.add(m)
            if kind == "clean":
                clean[(sid, m)] = True
    seen, n, bad = set(), 0, 0
    with open(records, "rb") as f:
        for line in f:
            env = json.loads(line)
            m = env["payload"].encode() if "payload" in env else base64.b64decode(env["payload_b64"])
            n += 1
            seen.add(m)
            if m not in legit:
                bad += 1
                if bad <= 3:
                    print("foreign or torn record %d: %r" % (n, m[:80]))
    missing = [k for k in clean if k[1] not in seen]
    for sid, m in missing[:3]:
        print("session %s: message of %d bytes not written" % (sid, len(m)))
    if bad or missing:
        return 1
    print("records %d, all from clients, clean %d of %d" % (n, len(clean) - len(missing), len(clean)))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        sys.exit(run(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]))
    sys.exit(check(sys.argv[2], sys.argv[3]))
