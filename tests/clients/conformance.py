#!/usr/bin/python3
"""wsrecv's own RFC 6455 server conformance cases, grouped the way the
Autobahn TestSuite groups its cases, for a server that writes messages out
instead of echoing them.

  conformance.py WSRECV [--group NAME] [--table FILE]

Starts WSRECV -p 0 -0 --binary=raw --ack --max-message 64K, runs each case
on a raw socket, then checks what reached stdout: every case names the
records it must produce (byte-exact) and what the server must do (a close
code, a pong, nothing). Cases run one after the other; after each, a
separate connection sends a sync message and waits for its ack, so the
output between two syncs is exactly the case's.

Prints one row per case: id, expected, got, verdict. Verdicts: ok; known
(a documented libwebsockets 4.1.6 limit, see wsrecv(1) STANDARDS); FAIL.
Exits 1 if any case FAILs or a known limit no longer shows (the man page
would be out of date).
"""
import argparse
import base64
import hashlib
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

MAX = 64 * 1024


def frame(op, payload=b"", fin=True, rsv=0, mask=True, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload) if length is None else length
    head = bytes([b0])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def text(s, **kw):
    return frame(0x1, s.encode() if isinstance(s, str) else s, **kw)


def pong(payload):
    """How a pong shows in the table: short payloads in hex, long ones by
    length and digest."""
    if len(payload) <= 8:
        return "pong:" + payload.hex()
    return f"pong:{len(payload)}B:{hashlib.md5(payload).hexdigest()[:8]}"


def close_frame(code=None, reason=b"", raw=None):
    if raw is not None:
        return frame(0x8, raw)
    if code is None:
        return frame(0x8, b"")
    return frame(0x8, struct.pack("!H", code) + reason)


class Conn:
    def __init__(self, port, path="/"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            c = self.sock.recv(1)
            if not c:
                raise EOFError("no handshake answer")
            resp += c
        self.status = int(resp.split(b" ")[1])
        self.buf = b""

    def send(self, data, chop=False):
        if chop:
            for b in data:
                self.sock.sendall(bytes([b]))
        else:
            self.sock.sendall(data)

    def _read(self, n):
        while len(self.buf) < n:
            c = self.sock.recv(65536)
            if not c:
                raise EOFError
            self.buf += c
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def events(self, timeout=3.0, until_close=True):
        """Reads server frames until close+EOF or timeout. Returns a list of
        strings: 'pong:HEX', 'ack', 'close:CODE' (or 'close:none'), 'eof',
        'timeout'."""
        ev = []
        self.sock.settimeout(timeout)
        try:
            while True:
                b0, b1 = self._read(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._read(8))[0]
                p = self._read(n)
                op = b0 & 0x0F
                if op == 0x1 and p.startswith(b'{"ack"'):
                    continue
                if op == 0xA:
                    ev.append(pong(p))
                elif op == 0x8:
                    code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
                    ev.append(f"close:{code if code is not None else 'none'}")
                    try:
                        self.sock.sendall(close_frame(code) if code else close_frame())
                    except OSError:
                        pass
                else:
                    ev.append(f"op{op}:{p[:20].hex()}")
                if not until_close and ev:
                    break
        except EOFError:
            ev.append("eof")
        except ConnectionResetError:
            ev.append("eof")
        except socket.timeout:
            ev.append("timeout")
        return ev

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def close_then_eof(code):
    return [f"close:{code}", "eof"]


# A case: (id, group, description, frames_or_callable, expected records,
# expected events, known). frames are sent in order on one connection, then
# the client closes with 1000 unless the case closed already. expected
# events: the server frames seen until the end (acks are ignored).
CASES = []


def case(cid, group, desc, frames, records, events, chop=False, known=None, after_close=True):
    CASES.append(dict(id=cid, group=group, desc=desc, frames=frames, records=records,
                      events=events, chop=chop, known=known, after_close=after_close))


NORMAL = ["close:1000", "eof"]  # we closed with 1000; the server echoed it

# 1 Framing
case("1.1.1", "framing", "empty text message", [text("")], [b""], NORMAL)
case("1.1.2", "framing", "text, 125 bytes (7-bit length)", [text("a" * 125)], [b"a" * 125], NORMAL)
case("1.1.3", "framing", "text, 126 bytes (16-bit length)", [text("b" * 126)], [b"b" * 126], NORMAL)
case("1.1.4", "framing", "text, 65535 bytes", [text("c" * 65535)], [b"c" * 65535], NORMAL)
case("1.1.5", "framing", "text, 65536 bytes (64-bit length)", [text("d" * 65536)], [b"d" * 65536],
     NORMAL)
case("1.1.6", "framing", "text sent one byte per write", [text("chopped")], [b"chopped"], NORMAL,
     chop=True)
case("1.2.1", "framing", "binary, every byte value", [frame(0x2, bytes(range(1, 256)))],
     [bytes(range(1, 256))], NORMAL)
case("1.2.2", "framing", "empty binary message", [frame(0x2, b"")], [b""], NORMAL)
case("1.3.1", "framing", "ten messages in one write", [b"".join(text(f"m{i}") for i in range(10))],
     [f"m{i}".encode() for i in range(10)], NORMAL)
case("1.4.1", "framing", "unmasked client frame", [text("unmasked", mask=False)], [],
     close_then_eof(1002), known="lws accepts unmasked client frames and hides the mask bit")

# 2 Pings and pongs
case("2.1", "pings", "ping, empty payload", [frame(0x9, b"")], [], [pong(b"")] + NORMAL)
case("2.2", "pings", "ping, 125-byte payload", [frame(0x9, b"p" * 125)], [],
     [pong(b"p" * 125)] + NORMAL)
case("2.3", "pings", "ping, binary payload", [frame(0x9, b"\x00\xff\xfe")], [],
     [pong(b"\x00\xff\xfe")] + NORMAL)
case("2.4", "pings", "ping, 126-byte payload (too long)", [frame(0x9, b"x" * 126)], [],
     close_then_eof(1002), known="lws closes without a close frame")
case("2.5", "pings", "unsolicited pong", [frame(0xA, b"hi"), text("after-pong")],
     [b"after-pong"], NORMAL)
case("2.6", "pings", "ping between the fragments of a message",
     [text("frag-", fin=False), frame(0x9, b"mid"), frame(0x0, b"ping")], [b"frag-ping"],
     [pong(b"mid")] + NORMAL)

# 3 Reserved bits
for i, rsv in enumerate((1, 2, 4), 1):
    case(f"3.{i}", "reserved bits", f"text with RSV{ {1: 3, 2: 2, 4: 1}[rsv] } set",
         [text("rsv", rsv=rsv)], [], close_then_eof(1002))
case("3.4", "reserved bits", "ping with RSV1 set", [frame(0x9, b"", rsv=4)], [],
     close_then_eof(1002))
case("3.5", "reserved bits", "message, then a frame with RSV2 set",
     [text("before-rsv"), text("bad", rsv=2)], [b"before-rsv"], close_then_eof(1002))

# 4 Opcodes
for op in (3, 7):
    case(f"4.1.{op}", "opcodes", f"reserved data opcode {op}", [frame(op, b"x")], [],
         close_then_eof(1002))
for op in (0xB, 0xF):
    case(f"4.2.{op}", "opcodes", f"reserved control opcode {op}", [frame(op, b"")], [],
         close_then_eof(1002))

# 5 Fragmentation
case("5.1", "fragmentation", "text in two fragments",
     [text("hel", fin=False), frame(0x0, b"lo")], [b"hello"], NORMAL)
case("5.2", "fragmentation", "text in 100 one-byte fragments",
     [text("a", fin=False)] + [frame(0x0, b"b", fin=False)] * 98 + [frame(0x0, b"c")],
     [b"a" + b"b" * 98 + b"c"], NORMAL)
case("5.3", "fragmentation", "empty first fragment", [text("", fin=False), frame(0x0, b"x")],
     [b"x"], NORMAL)
case("5.4", "fragmentation", "all fragments empty",
     [text("", fin=False), frame(0x0, b"", fin=False), frame(0x0, b"")], [b""], NORMAL)
case("5.5", "fragmentation", "fragmented ping", [frame(0x9, b"a", fin=False), frame(0x0, b"b")],
     [], close_then_eof(1002))
case("5.6", "fragmentation", "continuation with no message started", [frame(0x0, b"x")], [],
     close_then_eof(1002))
case("5.7", "fragmentation", "new text frame inside a fragmented message",
     [text("a", fin=False), text("b")], [], close_then_eof(1002))
case("5.8", "fragmentation", "fragments sent one byte per write",
     [text("ch", fin=False), frame(0x0, b"op")], [b"chop"], NORMAL, chop=True)
case("5.9", "fragmentation", "message left unfinished, then close",
     [text("never", fin=False), close_frame(1000)], [], ["close:1000", "eof"], after_close=False)

# 6 UTF-8
case("6.1", "utf-8", "valid multi-byte text", [text("κόσμε 𝄞 ✓")], ["κόσμε 𝄞 ✓".encode()],
     NORMAL)
case("6.2", "utf-8", "code point split across fragments",
     [text(b"\xe2\x82", fin=False), frame(0x0, b"\xac")], ["€".encode()], NORMAL)
for i, bad in enumerate((b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
                         b"\xff"), 1):
    case(f"6.3.{i}", "utf-8", f"invalid UTF-8 {bad.hex()}", [text(b"ok" + bad)], [],
         close_then_eof(1007))
case("6.4", "utf-8", "invalid UTF-8 in the second fragment",
     [text("fine", fin=False), frame(0x0, b"\xc3\x28")], [], close_then_eof(1007))
case("6.5", "utf-8", "binary that is not UTF-8 is written as is",
     [frame(0x2, b"\xff\xfe\x01\x02")], [b"\xff\xfe\x01\x02"], NORMAL)

# 7 Close handling
case("7.1", "close", "close 1000, echoed", [close_frame(1000)], [], ["close:1000", "eof"],
     after_close=False)
case("7.2", "close", "close without a code", [close_frame()], [], ["close:none", "eof"],
     after_close=False)
case("7.3", "close", "close with a one-byte payload", [close_frame(raw=b"\x03")], [],
     close_then_eof(1002), after_close=False)
for code in (1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
             4000, 4999):
    case(f"7.4.{code}", "close", f"valid close code {code}", [close_frame(code)], [],
         [f"close:{code}", "eof"], after_close=False,
         known="lws answers 1002 (it predates the IANA registry)"
         if code in (1012, 1013, 1014) else None)
for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
    case(f"7.5.{code}", "close", f"invalid close code {code}", [close_frame(code)], [],
         close_then_eof(1002), after_close=False)
case("7.6", "close", "close reason of 123 bytes", [close_frame(1000, b"r" * 123)], [],
     ["close:1000", "eof"], after_close=False)
case("7.7", "close", "close reason that is not UTF-8", [close_frame(1000, b"\xff\xfe")], [],
     close_then_eof(1007), after_close=False)
case("7.8", "close", "a message after the close is not written",
     [text("before-close"), close_frame(1000), text("after-close")], [b"before-close"],
     ["close:1000", "eof"], after_close=False)

# 9 Limits (Autobahn's group 9 is about sizes)
case("9.1", "limits", "message of exactly --max-message", [text("l" * MAX)], [b"l" * MAX], NORMAL)
case("9.2", "limits", "message one byte over --max-message", [text("L" * (MAX + 1))], [],
     close_then_eof(1009))
case("9.3", "limits", "fragmented message over --max-message",
     [text("f" * 40000, fin=False), frame(0x0, b"g" * 40000)], [], close_then_eof(1009))
case("9.4", "limits", "frame header claiming 2^62 bytes",
     [frame(0x1, b"", length=1 << 62)], [], close_then_eof(1009))
case("9.5", "limits", "messages before an over-limit one are kept",
     [text("kept-1"), text("kept-2"), text("x" * (MAX + 1))], [b"kept-1", b"kept-2"],
     close_then_eof(1009))


def run_case(port, c):
    conn = Conn(port, "/case/" + c["id"])
    if conn.status != 101:
        return [f"status:{conn.status}"]
    for f in c["frames"]:
        try:
            conn.send(f, chop=c["chop"])
        except OSError:
            break
    if c["after_close"]:
        ev = conn.events(timeout=0.5, until_close=True)
        if ev == ["timeout"]:
            try:
                conn.send(close_frame(1000))
            except OSError:
                pass
            ev = conn.events(timeout=10)
        elif ev and ev[-1] == "timeout":
            # pongs came, then quiet: close normally
            try:
                conn.send(close_frame(1000))
            except OSError:
                pass
            ev = ev[:-1] + conn.events(timeout=10)
    else:
        ev = conn.events(timeout=10)
    conn.close()
    return ev


def sync(port, k):
    conn = Conn(port, "/sync")
    conn.send(text(f"sync-{k}"))
    conn.sock.settimeout(10)
    while True:
        b0, b1 = conn._read(2)
        p = conn._read(b1 & 0x7F)
        if (b0 & 0x0F) == 0x1 and p == b'{"ack":1}':
            break
    conn.send(close_frame(1000))
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wsrecv")
    ap.add_argument("--group")
    ap.add_argument("--table", help="also write the whole table (markdown) here")
    a = ap.parse_args()
    cases = [c for c in CASES if not a.group or c["group"] == a.group]
    if not cases:
        print("no such group", file=sys.stderr)
        return 2
    out_path = os.environ.get("CONFORMANCE_OUT", f"/tmp/conformance.{os.getpid()}.out")
    err_path = out_path[:-4] + ".err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([a.wsrecv, "-p", "0", "-0", "--binary=raw", "--ack",
                              "--max-message", str(MAX), "--idle", "0"],
                             stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    port = None
    for _ in range(200):
        m = re.search(rb"listening on .*:(\d+)", open(err_path, "rb").read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        p.kill()
        print("wsrecv did not start: " + open(err_path).read(), file=sys.stderr)
        return 2
    got_events = []
    try:
        for k, c in enumerate(cases):
            got_events.append(run_case(port, c))
            sync(port, k)
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=20)
    records = open(out_path, "rb").read().split(b"\0")[:-1]
    if "CONFORMANCE_OUT" not in os.environ:
        os.unlink(out_path)
    per_case, cur = [], []
    for r in records:
        if r.startswith(b"sync-"):
            per_case.append(cur)
            cur = []
        else:
            cur.append(r)
    rows, bad = [], 0
    for c, ev, recs in zip(cases, got_events, per_case):
        exp = f"{'/'.join(c['events'])}; {len(c['records'])} records"
        got = f"{'/'.join(ev)}; {len(recs)} records"
        rec_ok = recs == c["records"]
        if not rec_ok:
            got += " (bytes differ)"
        ok = ev == c["events"] and rec_ok
        if ok and not c["known"]:
            verdict = "ok"
        elif ok and c["known"]:
            verdict = "FAIL: conforms now; update wsrecv(1) and this case"
            bad += 1
        elif c["known"]:
            verdict = "known: " + c["known"]
        else:
            verdict = "FAIL"
            bad += 1
        rows.append((c["id"], c["group"], c["desc"], exp, got, verdict))
    if rc != 0:
        print(f"wsrecv exited {rc}: " + open(err_path).read(), file=sys.stderr)
        bad += 1
    if "CONFORMANCE_OUT" not in os.environ:
        os.unlink(err_path)
    for r in rows:
        print(" | ".join(r))
    if a.table:
        with open(a.table, "w") as f:
            f.write("# wsrecv: RFC 6455 server conformance\n\n"
                    "Written by `tests/clients/conformance.py --table`, checked by "
                    "tests/conformance.bats. Each case runs on its own raw socket against\n"
                    "`wsrecv -0 --binary=raw --ack --max-message 64K`; *expected* is what RFC 6455 "
                    "asks of the server (its frames, then\nthe records on stdout), *got* what "
                    "it did. *known* marks a limit of libwebsockets 4.1.6 that wsrecv(1) "
                    "lists under\nSTANDARDS.\n\n")
            f.write("| case | group | what | expected | got | verdict |\n")
            f.write("|---|---|---|---|---|---|\n")
            for r in rows:
                f.write("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
