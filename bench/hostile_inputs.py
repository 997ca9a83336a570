#!/usr/bin/env python3
"""Builds the hostile inputs of the memory benchmark (scripts/bench-foundations.sh).

  pointers OUT.pcap.gz --responses N [--distinct]
      UDP responses of ~64 KiB, each with 4,000 A records whose owners are compression
      pointers to one 250-byte name. With --distinct every response carries other addresses
      (4,000 new rows each), else every response repeats the same 4,000 rows.
  bomb OUT.pcap.gz --gib G
      a valid pcap header followed by G GiB of zeros (empty records), gzip-compressed.
  cofline --gib G
      writes one COF line of G GiB without a newline to stdout.
Standard library only; deterministic.
"""
import argparse, gzip, struct, sys, zlib


def name_250():
    labels = [b"a" * 61, b"b" * 61, b"c" * 61, b"d" * 61]  # 4 * 62 + 1 = 249 bytes + root
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\x00"


def response(index, distinct):
    qname = name_250()
    header = struct.pack("!HHHHHH", index & 0xFFFF, 0x8180, 1, 4000, 0, 0)
    question = qname + struct.pack("!HH", 1, 1)
    answers = []
    for i in range(4000):
        base = (index * 4000 + i) if distinct else i
        rdata = struct.pack("!I", 0x0A000000 + (base & 0xFFFFFF))
        answers.append(struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + rdata)
    return header + question + b"".join(answers)


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(payload, index):
    udp = struct.pack("!HHHH", 53, 40000 + index % 20000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17, 0,
                     bytes([192, 0, 2, 53]), bytes([198, 51, 100, 7]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    return eth + ip + udp


def pcap_header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)


def pointers(args):
    with gzip.open(args.out, "wb", compresslevel=6) as out:
        out.write(pcap_header())
        for index in range(args.responses):
            data = frame(response(index, args.distinct), index)
            out.write(struct.pack("<IIII", 1717200000 + index, 0, len(data), len(data)))
            out.write(data)


def bomb(args):
    zeros = b"\x00" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(args.out, "wb") as out:
        out.write(compressor.compress(pcap_header()))
        for _ in range(args.gib * 1024):
            out.write(compressor.compress(zeros))
        out.write(compressor.flush())


def cofline(args):
    out = sys.stdout.buffer
    out.write(b'{"rrname":"a.example.","rrtype":"TXT","time_first":1,"rdata":"')
    block = b"x" * (1 << 20)
    for _ in range(args.gib * 1024):
        out.write(block)
    out.write(b'"}')
    out.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("pointers")
    p.add_argument("out")
    p.add_argument("--responses", type=int, default=2000)
    p.add_argument("--distinct", action="store_true")
    b = sub.add_parser("bomb")
    b.add_argument("out")
    b.add_argument("--gib", type=int, default=1)
    c = sub.add_parser("cofline")
    c.add_argument("--gib", type=int, default=2)
    args = parser.parse_args()
    {"pointers": pointers, "bomb": bomb, "cofline": cofline}[args.what](args)


if __name__ == "__main__":
    main()
