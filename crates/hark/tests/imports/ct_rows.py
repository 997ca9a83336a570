"""Expected certificate-name rows of hark's CT imports, computed apart from hark.

Usage: ct_rows.py FORMAT FILE  (FORMAT: crtsh, certstream, certspotter)
Prints one JSON object: {"rows": [[name, issuer, first, last, count], ...], "skips": {reason: n}}.

Rules (docs/imports.md): one row per (name, issuer); a name lowercased with its final dot, a
leading "*." kept; a certificate counts once per distinct name; first/last are the earliest
not_before and latest not_after (else the time the source saw the certificate); entries with
a field of the wrong type, no time, or that are not objects are skips; names that are not DNS
names (e-mail, address, misplaced "*", empty label) are skips of their own.
"""
import ipaddress
import json
import sys
from datetime import datetime, timezone

rows = {}
skips = {}


def skip(reason):
    skips[reason] = skips.get(reason, 0) + 1


def epoch(value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return int(value // 1)
    if isinstance(value, str):
        text = value.replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp() // 1)
    raise ValueError(value)


def name_of(text):
    text = text.strip().rstrip(".").lower()
    if not text or any(c in text for c in "@ /:"):
        return None
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    labels = text.split(".")
    if any(not label or len(label) > 63 for label in labels):
        return None
    if any("*" in label for label in labels[1:]) or ("*" in labels[0] and labels[0] != "*"):
        return None
    return text + "."


def add(names, issuer, not_before, not_after, seen):
    if not_before is not None and not_after is not None and not_before <= not_after:
        first, last = not_before, not_after
    else:
        at = next((t for t in (seen, not_before, not_after) if t is not None), None)
        if at is None:
            skip("ct_no_time")
            return
        first = last = at
    kept = set()
    for text in names:
        name = name_of(text)
        if name is None:
            skip("ct_bad_name")
        else:
            kept.add(name)
    for name in kept:
        key = (name, issuer.strip())
        if key in rows:
            f, l, c = rows[key]
            rows[key] = (min(f, first), max(l, last), c + 1)
        else:
            rows[key] = (first, last, 1)


def string(obj, key):
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(key)
    return value


def crtsh(entry):
    names = string(entry, "name_value")
    if names is None:
        raise ValueError("name_value")
    names = [n for n in names.split("\n") if n.strip()]
    common = string(entry, "common_name")
    if common and common.strip():
        names.append(common)
    return (names, string(entry, "issuer_name") or "", epoch(entry.get("not_before")),
            epoch(entry.get("not_after")), epoch(entry.get("entry_timestamp")))


def certspotter(entry):
    if "dns_names" not in entry:
        raise ValueError("dns_names")
    names = entry.get("dns_names") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("dns_names")
    issuer = entry.get("issuer")
    if isinstance(issuer, dict):
        issuer = string(issuer, "name") or string(issuer, "friendly_name") or ""
    elif issuer is None:
        issuer = ""
    elif not isinstance(issuer, str):
        raise ValueError("issuer")
    return (names, issuer, epoch(entry.get("not_before")), epoch(entry.get("not_after")), None)


def certstream(message):
    if message.get("message_type") != "certificate_update":
        return None
    leaf = message["data"]["leaf_cert"]
    names = leaf.get("all_domains") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("all_domains")
    issuer = leaf.get("issuer")
    if isinstance(issuer, dict):
        parts = [f"{k}={issuer[k]}" for k in ("C", "ST", "L", "O", "OU", "CN") if issuer.get(k)]
        issuer = ", ".join(parts) or issuer.get("aggregated") or ""
    return (names, issuer or "", epoch(leaf.get("not_before")), epoch(leaf.get("not_after")),
            epoch(message["data"].get("seen")))


def main():
    form, path = sys.argv[1], sys.argv[2]
    if form == "certstream":
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            try:
                cert = certstream(json.loads(line))
            except (ValueError, KeyError, TypeError):
                skip("certstream_bad_message")
                continue
            if cert is None:
                skip("certstream_not_an_update")
            else:
                add(*cert)
    else:
        read = crtsh if form == "crtsh" else certspotter
        for entry in json.load(open(path, encoding="utf-8")):
            if not isinstance(entry, dict):
                skip("ct_not_an_object")
                continue
            try:
                cert = read(entry)
            except (ValueError, TypeError):
                skip(f"{form}_bad_entry")
                continue
            add(*cert)
    out = [[n, i, f, l, c] for (n, i), (f, l, c) in sorted(rows.items())]
    print(json.dumps({"rows": out, "skips": skips}))


main()
