#!/usr/bin/env python3
"""Writes synthetic passive DNS rows as COF NDJSON (what `hark import cof` reads), for lookup
benchmarks at a size no capture here reaches (10 M rows by default).

Usage: gen_cof.py ROWS OUT.ndjson TRUTH.tsv [SEED] [hot]
  ROWS   how many rows to write (distinct keys)
  OUT    the NDJSON file
  TRUTH  every 1,000th row as `rrname TAB rrtype TAB rdata` (bench/lookup_latency.py reads it)
  hot    addresses from a heavy-tailed pool instead: one /24 gets about 28 % of them (a CDN
         network), the case where a range lookup must not read the whole range

The shape follows what a resolver farm sees: registered domains under a few dozen TLDs, each
with an apex (NS, MX, TXT, A), `www` and a handful of other hosts (A, some AAAA, CNAMEs into
shared CDN names); addresses drawn from a pool of /24 networks, most from a few thousand busy
(hosting) ones, so a /24 holds from a few rows to about a thousand; first/last seen over two years, counts from a long tail. Standard
library only; deterministic for a seed.
"""
import json
import random
import sys

TLDS = ["com"] * 12 + ["net"] * 3 + ["org"] * 2 + [
    "de", "uk", "ru", "nl", "fr", "io", "info", "br", "jp", "it", "pl", "au", "ca", "es", "cn", "in",
]
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "vi", "za", "bel", "cor", "dan", "fin", "gar",
             "hol", "jun", "kel", "mar", "nor", "pal", "quin", "ros", "sol", "tur", "val", "wen"]
HOSTS = ["mail", "api", "cdn", "m", "dev", "shop", "blog", "vpn", "app", "static", "img", "ns1",
         "ns2", "smtp", "autodiscover", "portal", "git", "status", "login", "docs"]
CDNS = ["cloudfront.net", "akamaiedge.net", "fastly.net", "azureedge.net", "edgekey.net"]
START = 1_640_995_200  # 2022-01-01
SPAN = 2 * 365 * 86400


def main():
    rows, out_path, truth_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    hot = len(sys.argv) > 5 and sys.argv[5] == "hot"
    nets = [f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(300_000)]
    v6nets = [f"2001:db8:{rng.randrange(65536):x}:{rng.randrange(65536):x}" for _ in range(50_000)]

    hosting = nets[:3000]

    def pick_net():
        # Hosting: 60 % of addresses fall in 3,000 busy networks (about 1,200 rows per /24
        # at 10 M rows), the rest anywhere in the pool.
        if hot:
            index = min(int(rng.paretovariate(0.9)) - 1, len(nets) - 1)
            return nets[index] if rng.random() < 0.6 else rng.choice(nets)
        return rng.choice(hosting) if rng.random() < 0.6 else rng.choice(nets)

    def times():
        first = START + rng.randrange(SPAN)
        last = min(first + int(rng.expovariate(1 / (30 * 86400))), START + SPAN)
        count = max(1, int(rng.paretovariate(1.1)))
        return first, last, count

    written = 0
    domain = 0
    with open(out_path, "w") as out, open(truth_path, "w") as truth:
        truth.write("#rrname\trrtype\trdata\n")

        def emit(rrname, rrtype, rdata, bailiwick):
            nonlocal written
            first, last, count = times()
            # Every field but TXT rdata is plain; json.dumps only where quoting is needed.
            data = json.dumps(rdata) if '"' in rdata else f'"{rdata}"'
            out.write(f'{{"rrname":"{rrname}","rrtype":"{rrtype}","rdata":{data},'
                      f'"time_first":{first},"time_last":{last},"count":{count},'
                      f'"bailiwick":"{bailiwick}"}}\n')
            if written % 1000 == 0:
                truth.write(f"{rrname}\t{rrtype}\t{rdata}\n")
            written += 1

        while written < rows:
            domain += 1
            tld = TLDS[domain % len(TLDS)]
            label = "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 4))) + str(domain)
            apex = f"{label}.{tld}."
            tld_zone = f"{tld}."
            for i in range(rng.randrange(2, 4)):
                emit(apex, "NS", f"ns{i + 1}.dns{domain % 5000}.net.", tld_zone)
            emit(apex, "MX", f"10 mail.{apex}", apex)
            if rng.random() < 0.5:
                emit(apex, "TXT", f"\"v=spf1 include:_spf.{CDNS[domain % 5]} ~all\"", apex)
            net = pick_net()
            emit(apex, "A", f"{net}.{rng.randrange(1, 255)}", apex)
            hosts = ["www"] + rng.sample(HOSTS, rng.randrange(1, 6))
            for host in hosts:
                owner = f"{host}.{apex}"
                if host != "www" and rng.random() < 0.15:
                    emit(owner, "CNAME", f"d{rng.randrange(100_000)}.{CDNS[rng.randrange(5)]}.", apex)
                    continue
                for _ in range(rng.randrange(1, 4)):
                    emit(owner, "A", f"{net if rng.random() < 0.7 else pick_net()}.{rng.randrange(1, 255)}", apex)
                if rng.random() < 0.25:
                    emit(owner, "AAAA", f"{v6nets[rng.randrange(len(v6nets))]}::{rng.randrange(1, 65536):x}", apex)
    print(f"{written} rows over {domain} domains", file=sys.stderr)


if __name__ == "__main__":
    main()
