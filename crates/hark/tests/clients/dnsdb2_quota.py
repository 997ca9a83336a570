"""Runs the dnsdb2 client (PyPI) with a key that has a daily quota until the server refuses.

Usage: dnsdb2_quota.py SERVER_URL API_KEY
Prints one JSON document: the rate_limit answers before and after, how many lookups were
answered, and the exception raised once the quota was used up.
"""
import json
import sys

import dnsdb2


def main():
    server, key = sys.argv[1], sys.argv[2]
    client = dnsdb2.Client(key, server=server, timeout=15)
    out = {"before": client.rate_limit(), "answered": 0, "records": [], "raised": None}
    for _ in range(10):
        try:
            out["records"].append(list(client.lookup_rrset("www.example.com", rrtype="A")))
            out["answered"] += 1
        except dnsdb2.QuotaExceeded:
            out["raised"] = "QuotaExceeded"
            break
    out["after"] = client.rate_limit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
