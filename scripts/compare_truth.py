#!/usr/bin/env python3
"""Compares `hark export` (COF NDJSON on stdin) with a gen_pcap.py --truth file.

Usage: hark export | scripts/compare_truth.py TRUTH.tsv [--answer-only]
Prints how many truth tuples hark reproduced exactly (first, last, count) and exits 1 on any
difference. With --answer-only, compares only the set of tuples whose sections mask has bit 1.
"""
import json
import math
import sys


def main():
    truth_path = sys.argv[1]
    answer_only = "--answer-only" in sys.argv
    truth = {}
    for line in open(truth_path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        rrname, rrtype, rdata, first, last, count, sections = line.rstrip("\n").split("\t")
        if answer_only and not int(sections) & 1:
            continue
        truth[(rrname, rrtype, rdata)] = (int(count), math.floor(float(first)), math.floor(float(last)))
    got = {}
    for line in sys.stdin:
        r = json.loads(line)
        got[(r["rrname"], r["rrtype"], r["rdata"])] = (r["count"], r["time_first"], r["time_last"])
    if answer_only:
        exact = len(set(truth) & set(got))
    else:
        exact = sum(1 for k, v in truth.items() if got.get(k) == v)
    extra = len(set(got) - set(truth))
    print(f"truth tuples: {len(truth)}  exact: {exact} ({100.0 * exact / max(len(truth), 1):.3f} %)  extra rows: {extra}")
    sys.exit(0 if exact == len(truth) and extra == 0 else 1)


main()
