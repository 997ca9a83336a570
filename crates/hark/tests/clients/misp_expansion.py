"""Runs MISP's expansion modules farsight_passivedns and circl_passivedns against a hark server.

Usage: misp_expansion.py SERVER_URL API_KEY USER
Prints one JSON document: for each query, the MISP objects the module built, each as its
name and its sorted (relation, value) attribute pairs, the objects sorted.
"""
import functools
import json
import sys

import pypdns
from misp_modules.modules.expansion import circl_passivedns, farsight_passivedns


def objects(result):
    """The module's MISP objects as sorted [name, [[relation, value], ...]] pairs."""
    if "results" not in result:
        return {"error": result.get("error", repr(result))}
    out = []
    for obj in result["results"].get("Object", []):
        pairs = sorted([a["object_relation"], str(a["value"])] for a in obj.get("Attribute", []))
        out.append([obj["name"], pairs])
    return sorted(out)


def attribute(kind, value):
    return {"type": kind, "value": value, "uuid": "5b4e4b6a-8f1c-4f36-9b0a-1b2c3d4e5f60"}


def main():
    server, key, user = sys.argv[1], sys.argv[2], sys.argv[3]
    config = {"apikey": key, "server": server, "limit": "10"}
    out = {}
    for name, kind, value in [
        ("farsight_domain", "domain", "www.example.com"),
        ("farsight_ip", "ip-dst", "192.0.2.80"),
    ]:
        request = {"module": "farsight_passivedns", "attribute": attribute(kind, value), "config": config}
        out[name] = objects(farsight_passivedns.handler(json.dumps(request)))
    # circl_passivedns has no server option: point its PyPDNS at hark.
    circl_passivedns.pypdns.PyPDNS = functools.partial(pypdns.PyPDNS, url=server + "/pdns/query")
    for name, kind, value in [
        ("circl_domain", "domain", "www.example.com"),
        ("circl_ip", "ip-dst", "192.0.2.80"),
    ]:
        request = {"attribute": attribute(kind, value), "config": {"username": user, "password": key}}
        out[name] = objects(circl_passivedns.dict_handler(request))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
