#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds: the committed hand-written ones (fuzz/seeds/) and
pieces of ../shared/fixtures cut to each target's input shape. Run by scripts/fuzz.sh; the
corpus directory is git-ignored, so no fixture is ever copied into the repository.

Usage: fuzz_seeds.py FUZZ_DIR FIXTURES_DIR
"""
import gzip
import hashlib
import os
import re
import shutil
import struct
import sys
import zipfile

fuzz_dir, fixtures = sys.argv[1], sys.argv[2]
corpus = os.path.join(fuzz_dir, "corpus")
MAX = 256 * 1024  # seeds are kept under every target's -max_len


def put(target, data):
    data = data[:MAX]
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def fixture(*parts):
    path = os.path.join(fixtures, *parts)
    return path if os.path.exists(path) else None


def frames(stream):
    """Data frames of a Frame Streams file (control frames left out)."""
    at, found = 0, []
    while at + 4 <= len(stream):
        (length,) = struct.unpack_from(">I", stream, at)
        if length == 0:
            if at + 8 > len(stream):
                break
            (control,) = struct.unpack_from(">I", stream, at + 4)
            at += 8 + control
            continue
        found.append(stream[at + 4 : at + 4 + length])
        at += 4 + length
    return found


def lines_upto(text, limit):
    cut = text[:limit]
    return cut[: cut.rfind(b"\n") + 1] if b"\n" in cut else cut


# Committed hand-written seeds.
seeds = os.path.join(fuzz_dir, "seeds")
for target in sorted(os.listdir(seeds)) if os.path.isdir(seeds) else []:
    for name in sorted(os.listdir(os.path.join(seeds, target))):
        with open(os.path.join(seeds, target, name), "rb") as f:
            put(target, f.read())

# Watch rule files: the repository's own, from the watch docs' TOML blocks and the Rust string
# literals of its tests and docs holding a `[[rule]]` (escapes decoded, `{...}` of format
# strings left as they are: the fuzzer mutates them anyway), each behind the byte that makes
# watch_rules read a rule file (0). The committed seeds (fuzz/seeds/watch_rules) cover the
# list and dataset modes.

repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RUST_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def rust_literal(body):
    """The value of a Rust string literal's body (between the quotes)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt == "\n":  # a line continuation: the newline and the next line's indent go
            i += 2
            while i < len(body) and body[i] in " \t\n":
                i += 1
        elif nxt == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        else:
            out.append(RUST_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def rule_files():
    found = []
    for top in ("crates", "docs"):
        for folder, dirs, files in os.walk(os.path.join(repo, top)):
            dirs[:] = [d for d in dirs if d != "target"]
            for name in sorted(files):
                path = os.path.join(folder, name)
                if not name.endswith((".rs", ".md")):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if "[[rule]]" not in text:
                    continue
                if name.endswith(".md"):
                    found += re.findall(r"```toml\n(.*?)```", text, re.S)
                raw = re.findall(r'r(#+)"(.*?)"\1', text, re.S)
                found += [body for _, body in raw]
                plain = re.sub(r'r(#+)".*?"\1', "", text, flags=re.S)
                for body in re.findall(r'"((?:[^"\\]|\\.)*)"', plain, re.S):
                    found.append(rust_literal(body))
    return [t for t in found if "[[rule]]" in t or "[[sink]]" in t]


for text in rule_files():
    put("watch_rules", b"\x00" + text.encode())

# Sensor batches: the COF import seeds plus negative rows, as NDJSON (first byte odd: the
# target gzips it) and as gzip bodies (first byte even); the first byte's upper bits are the
# tiny decompression limit (×8 bytes) the target tries besides 1 MiB.
negatives = (
    b'{"qname":"nx.example.com.","qtype":"AAAA","rcode":"NXDOMAIN","time_first":1700000000,"time_last":1700000100,"count":2}\n'
    b'{"qname":"example.com.","qtype":"TXT","rcode":"NODATA","count":1}\n'
    b'{"qname":"a.example.","qtype":"TYPE65534","rcode":"RCODE9","time_first":5,"time_last":5,"count":0}\n'
)
cof_lines = os.path.join(seeds, "import_cof", "lines")
if os.path.exists(cof_lines):
    with open(cof_lines, "rb") as f:
        rows = f.read()
    for index, body in enumerate((rows, negatives, rows + negatives, rows.splitlines(True)[0] + negatives)):
        put("sensor_batch", bytes([(index * 40 + 1) & 0xFF]) + body)
        put("sensor_batch", bytes([(index * 60 + 16) & 0xFE]) + gzip.compress(body))
    # An RRset of many rdata under long names: rows that would outweigh their text.
    owner = (".".join(["a" * 60] * 4) + ".").encode()
    rrset = b'{"rrname":"%s","bailiwick":"%s","rrtype":"TXT","rdata":[%s],"time_first":1}\n' % (
        owner, owner, b",".join([b'"a"'] * 2000))
    put("sensor_batch", b"\x03" + rrset)

if not os.path.isdir(fixtures):
    sys.exit(0)

# Raw DNS messages (Zeek's fuzzing corpus).
path = fixture("corpus", "zeek__dns-corpus.zip")
if path:
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.is_dir():
                message = z.read(info)
                put("dns_message", message)

# Captures: the capture target takes an options byte after the file.
pcap_dir = fixture("pcap")
for name in sorted(os.listdir(pcap_dir)) if pcap_dir else []:
    with open(os.path.join(pcap_dir, name), "rb") as f:
        data = f.read()
    if len(data) < MAX:
        put("capture", data + b"\x00")
        put("capture", data + b"\x01")
    put("capture", gzip.compress(data[:MAX]) + b"\x00")

# dnstap: whole files and single frames (the dnstap target takes an options byte first).
dnstap_dir = fixture("dnstap")
for name in sorted(os.listdir(dnstap_dir)) if dnstap_dir else []:
    with open(os.path.join(dnstap_dir, name), "rb") as f:
        data = f.read()
    put("dnstap", b"\x00" + data)
    put("fstrm", data)
    put("live_session", data)
    for frame in frames(data):
        put("dnstap", b"\x00" + frame)
        put("dnstap", b"\x03" + frame)

# Zeek logs (TSV and JSON).
for name in ("zed__zeek-default_dns.log.gz", "zed__zeek-json_dns.json.gz"):
    path = fixture("imports", name)
    if path:
        with gzip.open(path) as f:
            text = f.read(MAX * 2)
        put("import_zeek", lines_upto(text, 16 * 1024))
        put("import_zeek", lines_upto(text, 64 * 1024))

# A root zone: the start, and a slice from the middle with its header.
path = fixture("rootzone", "root.zone.2018030401.gz")
if path:
    with gzip.open(path) as f:
        text = f.read()
    put("zone", b"\x00" + lines_upto(text, 32 * 1024))
    middle = text[len(text) // 2 :]
    middle = middle[middle.find(b"\n") + 1 :]
    put("zone", b"\x00$ORIGIN .\n" + lines_upto(middle, 32 * 1024))

# Certificate Transparency: the project's hand-written test files, each behind the byte that
# makes import_ct read it in its format (0 CertStream lines, 1 crt.sh, 2 Cert Spotter).
ct_tests = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "hark", "tests", "imports", "ct")
for choice, name in ((0, "certstream.ndjson"), (1, "crtsh.json"), (2, "certspotter.json")):
    path = os.path.join(ct_tests, name)
    if os.path.exists(path):
        with open(path, "rb") as f:
            put("import_ct", bytes([choice]) + f.read(MAX))

