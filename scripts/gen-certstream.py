#!/usr/bin/env python3
"""Writes N CertStream certificate_update messages (one JSON a line) for the CT import benchmark.

Usage: scripts/gen-certstream.py N > certstream.ndjson

Messages have the shape certstream-server sends (leaf_cert with subject, extensions,
validity, all_domains and issuer parts; seen; source) without the DER blobs. Names: 1 to 4 per
certificate under 20,000 registrable domains, about a third of certificates renewing a name
seen before, so the store merges as well as inserts. Deterministic for a given N.
"""
import json
import random
import sys

ISSUERS = [
    {"C": "US", "O": "Let's Encrypt", "CN": "R3"},
    {"C": "US", "O": "Let's Encrypt", "CN": "E1"},
    {"C": "US", "O": "DigiCert Inc", "CN": "DigiCert TLS RSA SHA256 2020 CA1"},
    {"C": "GB", "ST": "Greater Manchester", "L": "Salford", "O": "Sectigo Limited",
     "CN": "Sectigo RSA Domain Validation Secure Server CA"},
    {"C": "US", "O": "Google Trust Services LLC", "CN": "GTS CA 1C3"},
]
WORDS = ["www", "mail", "api", "dev", "shop", "vpn", "cdn", "auth", "app", "static", "m", "beta"]
TLDS = ["com", "net", "org", "io", "de", "co.uk", "example"]


def main():
    count = int(sys.argv[1])
    rng = random.Random(12)
    out = sys.stdout
    start = 1_700_000_000
    for i in range(count):
        domain = f"d{rng.randrange(20_000)}.{rng.choice(TLDS)}"
        names = [domain]
        for _ in range(rng.randrange(4)):
            names.append(f"{rng.choice(WORDS)}{rng.randrange(50)}.{domain}")
        if rng.random() < 0.1:
            names.append(f"*.{domain}")
        issuer = dict(rng.choice(ISSUERS))
        issuer["aggregated"] = "/" + "/".join(f"{k}={v}" for k, v in sorted(issuer.items()))
        not_before = start + rng.randrange(86_400 * 365)
        message = {
            "message_type": "certificate_update",
            "data": {
                "update_type": "X509LogEntry",
                "leaf_cert": {
                    "subject": {"aggregated": f"/CN={domain}", "CN": domain},
                    "extensions": {
                        "keyUsage": "Digital Signature, Key Encipherment",
                        "subjectAltName": ", ".join(f"DNS:{n}" for n in names),
                    },
                    "not_before": not_before,
                    "not_after": not_before + 90 * 86_400 - 1,
                    "serial_number": f"{rng.getrandbits(72):X}",
                    "fingerprint": ":".join(f"{rng.randrange(256):02X}" for _ in range(20)),
                    "all_domains": names,
                    "issuer": issuer,
                },
                "chain": [],
                "cert_index": i,
                "cert_link": f"https://ct.example/log/ct/v1/get-entries?start={i}&end={i}",
                "seen": not_before + rng.random() * 3600,
                "source": {"url": "https://ct.example/log/", "name": "Example 'Bench' log"},
            },
        }
        out.write(json.dumps(message, separators=(",", ":")))
        out.write("\n")


main()
