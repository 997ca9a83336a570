"""Independent check of zone-time history: reads zone snapshots with dnspython, computes for
every record the first and last snapshot time that held it and in how many snapshots it was,
and compares that with `hark export` (COF NDJSON) of a store that imported the same snapshots.

Usage: zone_history.py INDEX SNAPSHOT_DIR EXPORT
INDEX lines: `serial epoch ...`; snapshot files are root.zone.SERIAL.gz.
Prints one JSON object: {"records", "changed", "snapshots", "mismatches": [...]}.
"""
import gzip
import json
import sys

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

index, directory, export = sys.argv[1:4]


def key(name, rdtype, rdata):
    """(owner lowercase, type name, canonical rdata wire) of a record."""
    if rdtype == dns.rdatatype.NSEC:
        # dnspython keeps the NSEC next name's case (RFC 6840); hark lowercases it.
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, rdata.to_text().lower())
    return (
        name.to_text().lower(),
        dns.rdatatype.to_text(rdtype),
        rdata.to_digestable(dns.name.root).hex(),
    )


snapshots = []
with open(index) as f:
    for line in f:
        fields = line.split()
        if len(fields) >= 2:
            snapshots.append((fields[0], int(fields[1])))

# The snapshots are `dig AXFR` output: one record a line, `owner ttl class type rdata`, all
# names absolute. Each distinct line is parsed once by dnspython (most lines repeat from one
# snapshot to the next).
parsed = {}


def parse(line):
    k = parsed.get(line)
    if k is None:
        owner, _ttl, rdclass, rdtype, text = line.split(None, 4)
        assert rdclass == "IN", line
        rdtype = dns.rdatatype.from_text(rdtype)
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=dns.name.root)
        k = key(dns.name.from_text(owner), rdtype, rdata)
        parsed[line] = k
    return k


expected = {}
for serial, epoch in snapshots:
    seen = set()
    with gzip.open(f"{directory}/root.zone.{serial}.gz", "rt") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            k = parse(line)
            if k in seen:
                continue
            seen.add(k)
            first, last, count = expected.get(k, (epoch, epoch, 0))
            expected[k] = (min(first, epoch), max(last, epoch), count + 1)

actual = {}
mismatches = []
with open(export) as f:
    for line in f:
        row = json.loads(line)
        rdtype = dns.rdatatype.from_text(row["rrtype"])
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, row["rdata"])
        k = key(dns.name.from_text(row["rrname"]), rdtype, rdata)
        if row.get("bailiwick") != ".":
            mismatches.append(f"bailiwick {row.get('bailiwick')} in {line.strip()}")
        if "time_first" in row or "time_last" in row:
            mismatches.append(f"sensor times in {line.strip()}")
        actual[k] = (row.get("zone_time_first"), row.get("zone_time_last"), row.get("count"))

for k, v in expected.items():
    got = actual.get(k)
    if got != v:
        mismatches.append(f"{k}: expected {v} got {got}")
for k, v in actual.items():
    if k not in expected:
        mismatches.append(f"extra {k}: {v}")

all_first, all_last = snapshots[0][1], snapshots[-1][1]
changed = sum(1 for (f, l, _) in expected.values() if f != all_first or l != all_last)
print(json.dumps({
    "records": len(expected),
    "changed": changed,
    "snapshots": len(snapshots),
    "mismatches": mismatches[:50],
    "mismatch_count": len(mismatches),
}))
