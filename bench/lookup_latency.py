#!/usr/bin/env python3
"""Times DNSDB lookups against a running hark from many clients at once: owner names
(rrset), /24 CIDRs (rdata ip) and subdomain wildcards (rrset *.domain), each kind for a fixed
time; prints per kind how many ran, and their p50, p99 and maximum in milliseconds.

Usage: lookup_latency.py URL TRUTH_FILE CLIENTS SECONDS
  URL         the API (the server must run with --no-auth)
  TRUTH_FILE  a gen_pcap.py truth file (rrname, rrtype, rdata... tab-separated)
  CLIENTS     concurrent clients, each on its own keep-alive connection
Standard library only. The clients are Python threads on the same machine as the server:
the figures include their cost.
"""
import http.client
import sys
import threading
import time
import urllib.parse


def load(path):
    names, nets, zones = [], [], []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3 or line.startswith("#"):
                continue
            name, rrtype, rdata = fields[0], fields[1], fields[2]
            names.append(name.rstrip("."))
            labels = name.rstrip(".").split(".")
            if len(labels) >= 2:
                zones.append("*." + ".".join(labels[-2:]))
            if rrtype == "A":
                nets.append(".".join(rdata.split(".")[:3]) + ".0,24")
    pick = lambda items: items[:: max(1, len(items) // 5000)] or ["example.com"]
    return pick(names), pick(nets), pick(sorted(set(zones)))


def worker(url, paths, deadline, times, errors):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    i = hash(threading.current_thread().name) % len(paths)
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 7
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/x-ndjson"})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            errors.append(response.status)


def main():
    url, truth, clients, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    names, nets, zones = load(truth)
    kinds = [
        ("rrset", [f"/dnsdb/v2/lookup/rrset/name/{urllib.parse.quote(n, safe='')}?limit=100" for n in names]),
        ("cidr /24", [f"/dnsdb/v2/lookup/rdata/ip/{n}?limit=100" for n in nets]),
        ("*.domain", [f"/dnsdb/v2/lookup/rrset/name/{urllib.parse.quote(z, safe='*')}?limit=100" for z in zones]),
    ]
    for kind, paths in kinds:
        times, errors = [], []
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=worker, args=(url, paths, deadline, times, errors))
                   for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        times.sort()
        q = lambda p: times[min(len(times) - 1, int(len(times) * p))]
        print(f"{kind:9} lookups={len(times)} ({len(times) / seconds:.0f}/s) p50={q(0.5):.1f} ms "
              f"p99={q(0.99):.1f} ms max={times[-1]:.1f} ms errors={len(errors)}", flush=True)


if __name__ == "__main__":
    main()
