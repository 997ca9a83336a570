"""Independent table of the rows hark should make from a Zeek dns.log in TSV form.

Reads the TSV with Python's own parsing (header directives, \\xHH escapes, sets) and applies
the mapping of docs/imports.md: NXDOMAIN -> negative row; NOERROR answers: for A/AAAA/TXT/CNAME
a CNAME chain (names first, in order) whose values belong to the last name; NS/PTR: names of
the query; RRSIG answers left out; anything else nothing. Prints JSON:
{"rows": [[rrname, rrtype, rdata, first, last, count]...], "negatives": [[qname, qtype, rcode, first, last, count]...]}
Usage: zeek_rows.py DNS_LOG[.gz]
"""
import gzip
import ipaddress
import json
import re
import sys

import dns.name
import dns.rdatatype

path = sys.argv[1]
opener = gzip.open if path.endswith(".gz") else open


def unescape(value):
    return re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), value)


def name(text):
    return dns.name.from_text(text).to_text().lower()


def txt(value):
    """Zeek's `TXT n str TXT n str` -> presentation `"str" "str"`, or None."""
    out = []
    rest = value
    while True:
        m = re.match(rb"TXT (\d+) ", rest)
        if not m:
            return None
        n = int(m.group(1))
        body = rest[m.end():m.end() + n]
        if len(body) != n:
            return None
        text = ""
        for b in body:
            c = chr(b)
            if c in '"\\':
                text += "\\" + c
            elif 0x20 <= b <= 0x7E:
                text += c
            else:
                text += "\\%03d" % b
        out.append('"' + text + '"')
        rest = rest[m.end() + n:]
        if not rest:
            return " ".join(out)
        if not rest.startswith(b" "):
            return None
        rest = rest[1:]


rows, negatives = {}, {}


def add(table, key, t):
    first, last, count = table.get(key, (t, t, 0))
    table[key] = (min(first, t), max(last, t), count + 1)


sep, setsep, empty, unset, fields = b"\t", b",", b"(empty)", b"-", None
with opener(path, "rb") as f:
    for raw in f:
        line = raw.rstrip(b"\n")
        if line.startswith(b"#separator "):
            sep = unescape(line.split(b" ", 1)[1])
            continue
        if line.startswith(b"#"):
            parts = line.split(sep)
            if parts[0] == b"#set_separator":
                setsep = unescape(parts[1])
            elif parts[0] == b"#empty_field":
                empty = unescape(parts[1])
            elif parts[0] == b"#unset_field":
                unset = unescape(parts[1])
            elif parts[0] == b"#fields":
                fields = [p.decode() for p in parts[1:]]
            continue
        rec = dict(zip(fields, line.split(sep)))
        t = int(rec["ts"].split(b".")[0])
        if rec["rcode"] == unset or rec["query"] == unset or rec["qtype"] == unset:
            continue
        if rec.get("qclass", unset) not in (unset, b"1"):
            continue  # a question of another class (CHAOS version.bind) says nothing of IN
        rcode, qtype = int(rec["rcode"]), int(rec["qtype"])
        qname = name(unescape(rec["query"]).decode())
        if rcode == 3:
            add(negatives, (qname, dns.rdatatype.to_text(qtype), "NXDOMAIN"), t)
            continue
        if rcode != 0 or rec["answers"] in (unset, empty):
            continue
        answers = [unescape(a) for a in rec["answers"].split(setsep)]
        answers = [a for a in answers if not a.startswith(b"RRSIG ")]
        if not answers:
            continue
        qt = dns.rdatatype.to_text(qtype)
        out = []
        if qt in ("A", "AAAA", "TXT", "CNAME"):
            owner, values, ok = qname, False, True
            for a in answers:
                text = a.decode("utf-8", "replace")
                addr = None
                try:
                    addr = ipaddress.ip_address(text)
                except ValueError:
                    pass
                if addr is None and not a.startswith(b"TXT ") and not values:
                    if text.startswith("<") or " " in text:
                        ok = False
                        break
                    target = name(text)
                    out.append((owner, "CNAME", target))
                    owner = target
                    continue
                values = True
                if qt == "A" and addr is not None and addr.version == 4:
                    out.append((owner, "A", str(addr)))
                elif qt == "AAAA" and addr is not None and addr.version == 6:
                    out.append((owner, "AAAA", str(addr)))
                elif qt == "TXT" and a.startswith(b"TXT ") and txt(a) is not None:
                    out.append((owner, "TXT", txt(a)))
                else:
                    ok = False
                    break
            if not ok:
                continue
        elif qt in ("NS", "PTR"):
            texts = [a.decode("utf-8", "replace") for a in answers]
            bad = False
            for i, text in enumerate(texts):
                if text.startswith("<") or " " in text or text.startswith("TXT "):
                    bad = True
                    break
                try:
                    ipaddress.ip_address(text)
                    bad = True
                    break
                except ValueError:
                    pass
                if i == 0 and qt == "PTR" and len(texts) > 1 and (
                    name(text).endswith(".in-addr.arpa.") or name(text).endswith(".ip6.arpa.")
                ):
                    bad = True
                    break
                out.append((qname, qt, name(text)))
            if bad:
                continue
        else:
            continue
        for row in set(out):
            add(rows, row, t)

print(json.dumps({
    "rows": [[*k, *v] for k, v in sorted(rows.items())],
    "negatives": [[*k, *v] for k, v in sorted(negatives.items())],
}))
