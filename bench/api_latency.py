#!/usr/bin/env python3
"""Times DNSDB rrset lookups against a running hark, one after the other, until a stop file
appears; prints how many ran and their median, p99 and maximum in milliseconds.

Usage: api_latency.py URL NAMES_FILE STOP_FILE
  URL         the API, e.g. http://127.0.0.1:8080 (the server must run with --no-auth or
              `no_auth = true`)
  NAMES_FILE  one owner name a line (the first column of a gen_pcap.py truth file will do)
  STOP_FILE   the path whose appearance ends the run
Standard library only; one keep-alive connection, so a figure is the server's latency plus
loopback, not connection setup.
"""
import http.client
import os
import sys
import time
import urllib.parse


def main():
    url, names_file, stop_file = sys.argv[1:4]
    parsed = urllib.parse.urlparse(url)
    names = []
    with open(names_file) as f:
        for line in f:
            name = line.split("\t", 1)[0].strip()
            if name and name != "." and not name.startswith("#"):
                names.append(name)
    names = names[:: max(1, len(names) // 5000)] or ["example.com."]
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    times = []
    i = 0
    while not os.path.exists(stop_file):
        name = urllib.parse.quote(names[i % len(names)].rstrip("."), safe="")
        i += 1
        started = time.perf_counter()
        connection.request(
            "GET",
            f"/dnsdb/v2/lookup/rrset/name/{name}?limit=100",
            headers={"Accept": "application/x-ndjson"},
        )
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            print(f"lookup {name}: HTTP {response.status}", file=sys.stderr)
    if not times:
        print("lookups=0")
        return
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print(f"lookups={len(times)} p50_ms={pick(0.5):.2f} p99_ms={pick(0.99):.2f} max_ms={times[-1] * 1000:.2f}")


if __name__ == "__main__":
    main()
