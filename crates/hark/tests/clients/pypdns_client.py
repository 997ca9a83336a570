"""Runs the pypdns client (PyPI) against a hark server; prints what it got as one JSON document.

Usage: pypdns_client.py SERVER_URL USER PASSWORD
"""
import json
import sys

import pypdns


def main():
    server, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    url = server + "/pdns/query"
    client = pypdns.PyPDNS(url=url, basic_auth=(user, password))
    out = {
        "iter_paged": [r.raw for r in client.iter_query("*.paged.example")],
        "iter_filtered": [r.raw for r in client.iter_query("www.example.com", filter_rrtype="AAAA")],
        "cidr": [r.raw for r in client.rfc_query("192.0.2.0/24")],
        "unknown_type": [[r.raw, r.rrtype] for r in client.rfc_query("weird.example.com")],
    }
    for key in ["count", "rdata", "rrname", "rrtype", "time_first", "time_last"]:
        out["sorted_" + key] = [r.raw for r in client.rfc_query("www.example.com", sort_by=key)]
    try:
        pypdns.PyPDNS(url=url, basic_auth=(user, "wrong")).rfc_query("www.example.com")
        out["wrong_password"] = "no error"
    except pypdns.UnauthorizedError:
        out["wrong_password"] = "UnauthorizedError"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
