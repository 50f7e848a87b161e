#!/usr/bin/python3
"""avropeer: lib/avroenc and lib/avrodec (through tests/bin/avro_test)
against fastavro, an Avro library that shares no code with ours (PyPI,
installed by tests/deps under tests/.deps/python).

  avropeer.py DRIVER SEED COUNT

For each schema below, COUNT random values (seeded by SEED, bounded in size
and depth) are made twice: as the Python value fastavro writes (unions in
its tuple notation, so the branch is never a guess) and as the JSON a browser
would send (members shuffled, fields with defaults sometimes left out, union
values plain where the first fitting branch is the right one, else wrapped,
logical types as numbers or ISO / decimal strings at random). Checks:
  1. our bytes for the JSON == fastavro's schemaless_writer bytes;
  2. fastavro's schemaless_reader of our bytes == the Python value;
  3. our decoder's JSON of fastavro's bytes, read back by this file's own
     reading of our JSON forms, == the Python value.
Prints one line per schema, "SCHEMA: COUNT values agree", or the first
disagreement, and exits 1 if there was any.
"""
import base64
import datetime
import decimal
import io
import json
import os
import random
import struct
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".deps", "python"))

import fastavro  # noqa: E402

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DATE = datetime.date(1970, 1, 1)

ROLE = {"type": "record", "name": "Role", "fields": [
    {"name": "name", "type": "string"},
    {"name": "role", "type": ["null", "string"], "default": None}]}
SCHEMAS = {
    "movie": {"type": "record", "name": "Movie", "namespace": "com.example", "fields": [
        {"name": "title", "type": "string"},
        {"name": "released", "type": "int"},
        {"name": "rating", "type": "double", "default": 0.0},
        {"name": "genres", "type": {"type": "array", "items": "string"}, "default": []},
        {"name": "cast", "type": {"type": "array", "items": ROLE}, "default": []}]},
    "primitives": {"type": "record", "name": "P", "fields": [
        {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
        {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"}, {"name": "s", "type": "string"},
        {"name": "dl", "type": "long", "default": -7},
        {"name": "ds", "type": "string", "default": "d\u00e9f"},
        {"name": "db", "type": "bytes", "default": "\u00ff\u0000"}]},
    "complex": {"type": "record", "name": "C", "namespace": "t", "fields": [
        {"name": "e", "type": {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES", "CLUBS"]}},
        {"name": "fx", "type": {"type": "fixed", "name": "Md5", "size": 4}},
        {"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "long"}}},
        {"name": "inner", "type": {"type": "record", "name": "In", "namespace": "u", "fields": [
            {"name": "x", "type": "int", "default": 1},
            {"name": "y", "type": ["null", "In"], "default": None}]}},
        {"name": "u", "type": ["null", "string", "long", "double", "boolean",
                               {"type": "map", "values": "int"}, {"type": "array", "items": "string"},
                               "Suit", "Md5", "u.In"]}]},
    "logical": {"type": "record", "name": "Lg", "fields": [
        {"name": "date", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "tus", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "tsms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tsus", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "ltms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "ltus", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
        {"name": "decf", "type": {"type": "fixed", "name": "D8", "size": 8, "logicalType": "decimal",
                                  "precision": 18, "scale": 4}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "od", "type": ["null", {"type": "int", "logicalType": "date"}], "default": None}]},
    "list": {"type": "record", "name": "Node", "fields": [
        {"name": "v", "type": "long"},
        {"name": "next", "type": ["null", "Node"], "default": None}]},
    "ambiguous": {"type": "record", "name": "A", "fields": [
        {"name": "il", "type": ["int", "long"]},
        {"name": "li", "type": ["long", "int"]},
        {"name": "fd", "type": ["float", "double"]},
        {"name": "di", "type": ["double", "int"]},
        {"name": "sb", "type": ["string", "bytes"]},
        {"name": "bs", "type": ["bytes", "string"]},
        {"name": "es", "type": [{"type": "enum", "name": "E", "symbols": ["a", "b"]}, "string"]},
        {"name": "rr", "type": [{"type": "record", "name": "R1", "fields": [
            {"name": "k", "type": "int", "default": 0}]},
            {"type": "record", "name": "R2", "fields": [{"name": "k", "type": "string"}]}]},
        {"name": "mr", "type": [{"type": "map", "values": "int"},
                                {"type": "record", "name": "R3", "fields": [{"name": "int", "type": "int"}]}]},
        {"name": "nm", "type": ["null", {"type": "map", "values": "string"}]}]},
}


def full_name(s, ns):
    """The full name of named schema s in namespace ns, and its namespace."""
    name = s["name"]
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    n = s.get("namespace", ns)
    return (n + "." + name if n else name), n


class Schema:
    """A schema with its named types resolved, walked by the generators."""

    def __init__(self, s):
        self.names = {}
        self.root = self.resolve(s, "")

    def resolve(self, s, ns):
        if isinstance(s, list):
            return {"type": "union", "branches": [self.resolve(b, ns) for b in s]}
        if isinstance(s, str):
            if s in ("null", "boolean", "int", "long", "float", "double", "bytes", "string"):
                return {"type": s}
            return self.names.get(ns + "." + s) or self.names[s]
        t = s["type"]
        if isinstance(t, (dict, list)) or t not in ("record", "enum", "fixed", "array", "map",
                                                    "null", "boolean", "int", "long", "float",
                                                    "double", "bytes", "string"):
            return self.resolve(t, ns)
        if t in ("record", "enum", "fixed"):
            fn, cns = full_name(s, ns)
            node = dict(s, fullname=fn)
            self.names[fn] = node
            if t == "record":
                node["fields"] = [dict(f, type=self.resolve(f["type"], cns)) for f in s["fields"]]
            return node
        if t == "array":
            return {"type": "array", "items": self.resolve(s["items"], ns)}
        if t == "map":
            return {"type": "map", "values": self.resolve(s["values"], ns)}
        return dict(s)


def branch_name(b):
    return b.get("fullname", b["type"])


# The JSON kinds, as lib/avroschema's AV_K_*.
NULL, BOOL, WHOLE, FRAC, STR, OBJ, ARR = 1, 2, 4, 8, 16, 32, 64


def accepts(b):
    t, lt = b["type"], b.get("logicalType")
    if t == "null":
        return NULL
    if t == "boolean":
        return BOOL
    if t in ("int", "long"):
        return WHOLE | (STR if lt in LOGICAL_INT else 0)
    if t in ("float", "double"):
        return WHOLE | FRAC | STR
    if t in ("bytes", "fixed") and lt == "decimal":
        return WHOLE | FRAC | STR
    if t in ("bytes", "string", "enum", "fixed"):
        return STR
    if t in ("record", "map"):
        return OBJ
    return ARR


def kind(j):
    if j is None:
        return NULL
    if isinstance(j, bool):
        return BOOL
    if isinstance(j, int):
        return WHOLE
    if isinstance(j, float):
        return FRAC
    if isinstance(j, str):
        return STR
    if isinstance(j, dict):
        return OBJ
    return ARR


LOGICAL_INT = ("date", "time-millis", "time-micros", "timestamp-millis", "timestamp-micros",
               "local-timestamp-millis", "local-timestamp-micros")


class Gen:
    """Random values of a schema, as (Python value for fastavro, JSON value)."""

    def __init__(self, rnd):
        self.r = rnd

    def text(self):
        r = self.r
        alphabet = ["a", "Z", " ", "\"", "\\", "\n", "\u0000", "\u001f", "\u00e9", "\u2028",
                    "\u20ac", "\U0001f600", "/", "\u007f"]
        return "".join(r.choice(alphabet) for _ in range(r.randint(0, 12)))

    def raw(self, n=None):
        r = self.r
        n = r.randint(0, 10) if n is None else n
        return bytes(r.choice([0, 1, 0x7f, 0x80, 0xff, r.randint(0, 255)]) for _ in range(n))

    def value(self, s, depth=0):
        r, t, lt = self.r, s["type"], s.get("logicalType")
        if t == "null":
            return None, None
        if t == "boolean":
            v = r.random() < 0.5
            return v, v
        if t in ("int", "long") and lt in LOGICAL_INT:
            return self.logical_int(s)
        if t == "int":
            v = r.choice([0, -1, 1, 63, 64, -64, -65, 2**31 - 1, -2**31, r.randint(-2**31, 2**31 - 1)])
            return v, v
        if t == "long":
            v = r.choice([0, 2**63 - 1, -2**63, 2**31, r.randint(-2**63, 2**63 - 1), r.randint(-999, 999)])
            return v, v
        if t == "float":
            v = r.randint(-2**20, 2**20) / r.choice([1, 8, 1024])
            return v, v
        if t == "double":
            v = r.choice([0.0, -0.0, 1.5, 1e300, -2.5e-300, r.uniform(-1e6, 1e6), float(r.randint(-9, 9))])
            return v, v
        if t in ("bytes", "fixed") and lt == "decimal":
            return self.decimal(s)
        if t == "bytes":
            b = self.raw()
            return b, b.decode("latin-1")
        if t == "fixed":
            b = self.raw(s["size"])
            return b, b.decode("latin-1")
        if t == "string" and lt == "uuid":
            u = uuid.UUID(int=r.getrandbits(128))
            return u, str(u)
        if t == "string":
            v = self.text()
            return v, v
        if t == "enum":
            v = r.choice(s["symbols"])
            return v, v
        if t == "array":
            items = [self.value(s["items"], depth + 1) for _ in range(r.randint(0, 4 if depth < 3 else 0))]
            return [p for p, _ in items], [j for _, j in items]
        if t == "map":
            py, js = {}, {}
            for _ in range(r.randint(0, 3 if depth < 3 else 0)):
                k = self.text()
                py[k], js[k] = self.value(s["values"], depth + 1)
            return py, js
        if t == "record":
            py, members = {}, []
            for f in s["fields"]:
                if "default" in f and r.random() < 0.3:
                    ft = f["type"]
                    if ft["type"] == "union":
                        b = ft["branches"][0]
                        py[f["name"]] = (branch_name(b), read_json(b, f["default"], raw=True))
                    else:
                        py[f["name"]] = read_json(ft, f["default"], raw=True)
                    continue
                py[f["name"]], j = self.value(f["type"], depth + 1)
                members.append((f["name"], j))
            r.shuffle(members)
            return py, dict(members)
        # A union: a branch, deep ones only near the top.
        bs = s["branches"]
        choices = [i for i, b in enumerate(bs) if depth < 4 or b["type"] not in ("record", "map", "array")]
        i = r.choice(choices)
        py, j = self.value(bs[i], depth + 1)
        name = branch_name(bs[i])
        first = next((k for k, b in enumerate(bs) if accepts(b) & kind(j)), None)
        looks_wrapped = isinstance(j, dict) and len(j) == 1 and any(
            k in (branch_name(b), branch_name(b).rsplit(".", 1)[-1]) for k in j for b in bs)
        if first != i or looks_wrapped or r.random() < 0.2:
            j = {name: j}
        return (name, py), j

    def logical_int(self, s):
        r, lt = self.r, s["logicalType"]
        iso = r.random() < 0.5
        if lt == "date":
            d = EPOCH_DATE + datetime.timedelta(days=r.randint(-20000, 40000))
            return d, d.isoformat() if iso else (d - EPOCH_DATE).days
        if lt.startswith("time-"):
            micros = lt == "time-micros"
            us = r.randint(0, 86399999) * 1000 if not micros else r.randint(0, 86399999999)
            t = (datetime.datetime.min + datetime.timedelta(microseconds=us)).time()
            n = us if micros else us // 1000
            return t, t.isoformat(timespec="microseconds" if micros else "milliseconds") if iso else n
        micros = lt.endswith("micros")
        local = lt.startswith("local")
        us = r.randint(0, 4102444800 * 10**6)
        if not micros:
            us -= us % 1000
        dt = EPOCH + datetime.timedelta(microseconds=us)
        n = us if micros else us // 1000
        if local:
            dt = dt.replace(tzinfo=None)
        if not iso:
            return dt, n
        text = dt.isoformat(timespec="microseconds" if micros else "milliseconds")
        if not local:
            text = text.replace("+00:00", r.choice(["Z", "+00:00"]))
        return dt, text

    def decimal(self, s):
        r = self.r
        p, sc = s["precision"], s.get("scale", 0)
        unscaled = r.choice([0, 1, -1, 127, 128, -128, -129, 10**p - 1, -(10**p - 1), r.randint(-10**p + 1, 10**p - 1)])
        d = decimal.Decimal(unscaled).scaleb(-sc)
        form = r.random()
        if form < 0.4:
            return d, str(d)
        if form < 0.7:
            return d, "{:f}".format(d)
        # As a JSON number: the text written as is (see dump()).
        return d, RawNumber("{:f}".format(d))


class RawNumber(str):
    """A JSON number to write exactly as this text."""


def dump(j):
    """JSON text of j, RawNumber written as a bare number."""
    if isinstance(j, RawNumber):
        return str(j)
    if isinstance(j, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(v) for k, v in j.items()) + "}"
    if isinstance(j, list):
        return "[" + ",".join(dump(v) for v in j) + "]"
    if isinstance(j, float):
        return repr(j)
    return json.dumps(j, ensure_ascii=random.random() < 0.5)


def read_json(s, j, raw=False):
    """Our JSON forms (as lib/avrodec writes them) back to fastavro's values."""
    t, lt = s["type"], s.get("logicalType")
    if raw:
        lt = None
    if t == "union":
        bs = s["branches"]
        if isinstance(j, dict) and len(j) == 1:
            (k, v), = j.items()
            for b in bs:
                if k in (branch_name(b), branch_name(b).rsplit(".", 1)[-1]):
                    return branch_name(b), read_json(b, v)
        for b in bs:
            if accepts(b) & kind(j):
                try:
                    return branch_name(b), read_json(b, j)
                except (ValueError, KeyError, TypeError):
                    continue
        raise ValueError("no branch for %r" % (j,))
    if t in ("null", "boolean", "string") and lt is None:
        if kind(j) != {"null": NULL, "boolean": BOOL, "string": STR}[t]:
            raise ValueError("kind")
        return j
    if t in ("int", "long") and lt is None:
        if not isinstance(j, int) or isinstance(j, bool):
            raise ValueError("kind")
        if t == "int" and not -2**31 <= j < 2**31:
            raise ValueError("range")
        return j
    if t in ("int", "long"):
        if lt == "date":
            return EPOCH_DATE + datetime.timedelta(days=j)
        if lt.startswith("time-"):
            us = j if lt == "time-micros" else j * 1000
            return (datetime.datetime.min + datetime.timedelta(microseconds=us)).time()
        us = j if lt.endswith("micros") else j * 1000
        dt = EPOCH + datetime.timedelta(microseconds=us)
        return dt.replace(tzinfo=None) if lt.startswith("local") else dt
    if t in ("float", "double"):
        if isinstance(j, str):
            return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[j]
        if t == "float":  # as fastavro reads it: the nearest float32
            return struct.unpack("<f", struct.pack("<f", float(j)))[0]
        return float(j)
    if lt == "decimal":
        return decimal.Decimal(j)
    if t == "string":
        return uuid.UUID(j) if lt == "uuid" else j
    if t in ("bytes", "fixed"):
        if not isinstance(j, str):
            raise ValueError("kind")
        b = j.encode("latin-1")
        if t == "fixed" and len(b) != s["size"]:
            raise ValueError("size")
        return b
    if t == "enum":
        if j not in s["symbols"]:
            raise ValueError("symbol")
        return j
    if t == "array":
        if not isinstance(j, list):
            raise ValueError("kind")
        return [read_json(s["items"], v) for v in j]
    if t == "map":
        if not isinstance(j, dict):
            raise ValueError("kind")
        return {k: read_json(s["values"], v) for k, v in j.items()}
    if not isinstance(j, dict) or set(j) - {f["name"] for f in s["fields"]}:
        raise ValueError("kind")
    out = {}
    for f in s["fields"]:
        if f["name"] in j:
            out[f["name"]] = read_json(f["type"], j[f["name"]])
        elif "default" in f:
            ft = f["type"]
            if ft["type"] == "union":
                b = ft["branches"][0]
                out[f["name"]] = (branch_name(b), read_json(b, f["default"], raw=True))
            else:
                out[f["name"]] = read_json(ft, f["default"], raw=True)
        else:
            raise ValueError("missing")
    return out


def untuple(s, v):
    """fastavro's reader gives no tuples: the Python value without them."""
    t = s["type"]
    if t == "union":
        name, inner = v
        b = next(b for b in s["branches"] if branch_name(b) == name)
        return untuple(b, inner)
    if t == "array":
        return [untuple(s["items"], x) for x in v]
    if t == "map":
        return {k: untuple(s["values"], x) for k, x in v.items()}
    if t == "record":
        return {f["name"]: untuple(f["type"], v[f["name"]]) for f in s["fields"]}
    return v


def driver(cmd, schema_text, lines):
    p = subprocess.run([DRIVER, cmd, schema_text], input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise SystemExit("avro_test %s failed: %s" % (cmd, p.stderr))
    return p.stdout.split("\n")[:-1]


def check(name, schema, seed, count):
    parsed = fastavro.parse_schema(schema)
    sch = Schema(schema)
    rnd = random.Random("%s-%s" % (seed, name))
    random.seed(seed)
    gen = Gen(rnd)
    pairs = [gen.value(sch.root) for _ in range(count)]
    texts = [dump(j) for _, j in pairs]
    ours = driver("enc", json.dumps(schema), texts)
    theirs = []
    for i, (py, _) in enumerate(pairs):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed, py)
        theirs.append(buf.getvalue().hex())
        if ours[i] != theirs[i]:
            return "%s: value %d: %s\n  ours     %s\n  fastavro %s" % (name, i, texts[i], ours[i], theirs[i])
    for i, (py, _) in enumerate(pairs):
        back = fastavro.schemaless_reader(io.BytesIO(bytes.fromhex(ours[i])), parsed, None)
        if back != untuple(sch.root, py):
            return "%s: value %d: fastavro reads %r, not %r" % (name, i, back, py)
    decoded = driver("dec", json.dumps(schema), theirs)
    for i, (py, _) in enumerate(pairs):
        if decoded[i].startswith("error:"):
            return "%s: value %d: %s" % (name, i, decoded[i])
        got = untuple(sch.root, read_json(sch.root, json.loads(decoded[i])))
        if got != untuple(sch.root, py):
            return "%s: value %d: our JSON %s reads as %r, not %r" % (name, i, decoded[i], got, py)
    # Our JSON of fastavro's bytes encodes to the same bytes again.
    again = driver("enc", json.dumps(schema), decoded)
    for i in range(count):
        if again[i] != theirs[i]:
            return "%s: value %d: %s encodes to %s, not %s" % (name, i, decoded[i], again[i], theirs[i])
    return None


DRIVER = sys.argv[1]


def main():
    seed, count = int(sys.argv[2]), int(sys.argv[3])
    bad = 0
    for name, schema in SCHEMAS.items():
        err = check(name, schema, seed, count)
        if err:
            print(err)
            bad += 1
        else:
            print("%s: %d values agree" % (name, count))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
