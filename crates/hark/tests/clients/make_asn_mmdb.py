"""Writes a GeoLite2-ASN style MaxMind DB with the Acme scenario's two networks, using the
mmdb-writer package (PyPI), then prints {"path": ...} as JSON.

Usage: make_asn_mmdb.py OUT.mmdb
"""
import json
import sys

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def main():
    out = sys.argv[1]
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-ASN", ipv4_compatible=True, int_type="u32")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {
        "autonomous_system_number": 64500,
        "autonomous_system_organization": "ACME-CLOUD-AS example",
    })
    writer.insert_network(IPSet(["192.0.2.0/24"]), {
        "autonomous_system_number": 64501,
        "autonomous_system_organization": "SHARED-HOSTING-AS",
    })
    writer.to_db_file(out)
    print(json.dumps({"path": out}))


if __name__ == "__main__":
    main()
