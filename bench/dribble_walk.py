#!/usr/bin/env python3
"""Walks a CIRCL dribble answer page by page, as pypdns's iter_query does, and times each page.

Usage: dribble_walk.py URL QUERY [--page 10000] [--pages 100]
  e.g. dribble_walk.py http://127.0.0.1:8081 '*.com'
Prints the time of the first, middle and last pages and their ratio: a walk that resumes from
a kept key costs the same per page however deep it is; one that rescans grows linearly.
Standard library only; the server must run with --no-auth (or give --user/--password).
"""
import argparse
import base64
import statistics
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("query")
    parser.add_argument("--page", type=int, default=10000)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench")
    args = parser.parse_args()
    auth = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    cursor = None
    times, rows = [], 0
    while len(times) < args.pages:
        request = urllib.request.Request(f"{args.url}/pdns/query/{args.query}")
        request.add_header("Authorization", f"Basic {auth}")
        request.add_header("dribble-paginate-count", str(args.page))
        if cursor:
            request.add_header("dribble-paginate-cursor", cursor)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as reply:
            body = reply.read()
            cursor = reply.headers.get("x-dribble-cursor")
            errors = reply.headers.get("x-dribble-errors")
        times.append(time.perf_counter() - started)
        rows += body.count(b"\n")
        if not cursor:
            break
    third = max(1, len(times) // 10)
    first = statistics.median(times[:third])
    last = statistics.median(times[-third:])
    print(
        f"{len(times)} pages, {rows} rows; page time median of the first {third}: "
        f"{first * 1000:.0f} ms, of the last {third}: {last * 1000:.0f} ms "
        f"(last/first {last / first:.2f}); ended with "
        f"{'more to come' if cursor else 'the last page'}"
        + (f", x-dribble-errors {errors}" if errors else "")
    )


if __name__ == "__main__":
    main()
