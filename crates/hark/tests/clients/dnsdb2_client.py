"""Runs the dnsdb2 client (PyPI) against a hark server; prints what it got as one JSON document.

Usage: dnsdb2_client.py SERVER_URL API_KEY
"""
import json
import sys

import dnsdb2


def main():
    server, key = sys.argv[1], sys.argv[2]
    client = dnsdb2.Client(key, server=server, timeout=15)
    out = {
        "ping": client.ping(),
        "rate_limit": client.rate_limit(),
        "rrset_www_a": list(client.lookup_rrset("www.example.com", rrtype="A")),
        "rrset_wildcard_cname": list(client.lookup_rrset("*.example.com", rrtype="CNAME")),
        "rrset_bailiwick": list(client.lookup_rrset("example.com", bailiwick="com")),
        "rdata_ip": list(client.lookup_rdata_ip("2001:db8::/32")),
        "rdata_name": list(client.lookup_rdata_name("ns1.dnsprovider.example", rrtype="NS")),
        "rdata_raw": list(client.lookup_rdata_raw("c0000201", rrtype="A")),
        "summarize": list(client.summarize_rrset("www.example.com")),
        "summarize_ip": list(client.summarize_rdata_ip("192.0.2.0/24")),
        "summarize_rdata_name": list(client.summarize_rdata_name("ns1.dnsprovider.example")),
        "summarize_rdata_raw": list(client.summarize_rdata_raw("c0000201", rrtype="A")),
        "rdata_raw_any_type": list(client.lookup_rdata_raw("c0000201")),
        "humantime": list(client.lookup_rrset("www.example.com", rrtype="AAAA", humantime=True)),
        "fenced": list(client.lookup_rrset("*.example.com", time_last_after=1700800000)),
        "flex_rrnames_regex": list(client.flex_rrnames_regex(r"^www\.", rrtype="AAAA")),
        "flex_rrnames_glob": list(client.flex_rrnames_glob("*.example.com.", verbose=False)),
        "flex_rdata_regex": list(client.flex_rdata_regex(r"cloudfront\.net\.$")),
        "flex_rdata_glob": list(client.flex_rdata_glob("ns1.*", rrtype="NS", exclude="*.org.")),
    }
    # The README's paging idiom: on QueryLimited, ask again from the next offset.
    paged, offset, pages = [], 0, 0
    while pages < 20:
        pages += 1
        try:
            for record in client.lookup_rrset("www.example.com", limit=1, offset=offset):
                paged.append(record)
            break
        except dnsdb2.QueryLimited:
            offset += 1
    out["paged"] = paged
    out["pages"] = pages
    try:
        list(client.lookup_rrset("www.example.com", offset=10**12))
        out["big_offset"] = "no error"
    except dnsdb2.OffsetError:
        out["big_offset"] = "OffsetError"
    try:
        list(dnsdb2.Client("wrong-key", server=server, timeout=15).lookup_rrset("www.example.com"))
        out["wrong_key"] = "no error"
    except dnsdb2.AccessDenied:
        out["wrong_key"] = "AccessDenied"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
