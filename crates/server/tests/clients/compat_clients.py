"""The real SecurityTrails and VirusTotal clients from PyPI against hark's compat faces.

Usage: compat_clients.py URL KEY
Prints one JSON document of what each client got; the Rust test compares it with the rows
it loaded. Only the host changes: each client is pointed at URL the way it allows
(vt-py: Client(host=...); virustotal-python: its BASEURL attribute; pysecuritytrails: its
base_url attribute; misp-modules' virustotal expansion: vt.Client with host bound, as the
module has no host setting).
"""

import functools
import json
import sys
import uuid

url, key = sys.argv[1], sys.argv[2]
out = {}

# --- vt-py ---------------------------------------------------------------------------
import vt

with vt.Client(key, host=url) as client:
    domain = client.get_object("/domains/example.com")
    out["vt_domain"] = {
        "id": domain.id,
        "type": domain.type,
        "last_dns_records": domain.last_dns_records,
        # vt-py turns *_date attributes into datetimes: an epoch number is required.
        "last_dns_records_date": int(domain.last_dns_records_date.timestamp()),
        "whois": domain.whois,
    }
    # 60 rows, pages of 10 (the default): paging goes past 40 rows.
    rows = list(client.iterator("/domains/vt-many.example/resolutions", limit=55))
    out["vt_many_55"] = [r.ip_address for r in rows]
    out["vt_many_all_batch_40"] = sorted(
        r.ip_address for r in client.iterator("/domains/vt-many.example/resolutions", batch_size=40)
    )
    first = rows[0]
    out["vt_resolution"] = {
        "id": first.id,
        "type": first.type,
        "host_name": first.host_name,
        "date": int(first.date.timestamp()),
        "resolver": first.resolver,
        "stats": dict(first.host_name_last_analysis_stats),
    }
    # A walk stopped part-way and resumed from its cursor meets every row once. It stops at
    # a page boundary: vt-py 0.22 resumes a walk stopped inside a page from the page after
    # it (its cursor keeps the next page's cursor and ignores the offset into the page), so
    # a mid-page stop loses rows whatever the server.
    walk = client.iterator("/ip_addresses/198.51.100.7/resolutions", batch_size=20, limit=20)
    part = [r.host_name for r in walk]
    rest = [
        r.host_name
        for r in client.iterator("/ip_addresses/198.51.100.7/resolutions", batch_size=20, cursor=walk.cursor)
    ]
    out["vt_ip_walk"] = part + rest
    try:
        client.get_object("/domains/unseen.example")
    except vt.APIError as err:
        out["vt_unknown_domain"] = err.code
    try:
        client.get_object("/ip_addresses/999.1.1.1")
    except vt.APIError as err:
        out["vt_bad_ip"] = err.code

with vt.Client("wrong-key", host=url) as client:
    try:
        client.get_object("/domains/example.com")
    except vt.APIError as err:
        out["vt_bad_key"] = err.code

# --- virustotal-python -----------------------------------------------------------------
from virustotal_python import Virustotal, VirustotalError

vtotal = Virustotal(API_KEY=key)
vtotal.BASEURL = url + "/api/v3/"
hosts, cursor, pages = [], None, 0
while True:
    params = {"limit": 40}
    if cursor:
        params["cursor"] = cursor
    resp = vtotal.request("ip_addresses/198.51.100.7/resolutions", params=params)
    pages += 1
    hosts += [r["attributes"]["host_name"] for r in resp.data]
    cursor = resp.cursor
    if not cursor:
        break
out["vtp_ip_walk"] = {"pages": pages, "hosts": sorted(hosts)}
resp = vtotal.request("domains/example.com/resolutions")
out["vtp_domain_ips"] = sorted(r["attributes"]["ip_address"] for r in resp.data)
try:
    vtotal.request("domains/unseen.example")
except VirustotalError as err:
    out["vtp_unknown_domain"] = [err.response.status_code, err.error()["code"]]

# --- pysecuritytrails ------------------------------------------------------------------
from pysecuritytrails import (
    SecurityTrails,
    SecurityTrailsError,
    SecurityTrailsForbidden,
)

st = SecurityTrails(key)
st.base_url = url + "/v1/"
out["st_ping"] = st.ping()
info = st.domain_info("example.com")
out["st_current_a"] = info["current_dns"]["a"]
out["st_current_ns"] = [v["nameserver"] for v in info["current_dns"]["ns"]["values"]]
out["st_subdomains"] = sorted(st.domain_subdomains("example.com")["subdomains"])
out["st_history"] = {
    kind: st.domain_history_dns("example.com", type=kind)
    for kind in ["a", "aaaa", "mx", "ns", "soa", "txt"]
}
out["st_search_ipv4"] = [r["hostname"] for r in st.domain_search({"ipv4": "203.0.113.10"})["records"]]
out["st_search_ns"] = [r["hostname"] for r in st.domain_search({"ns": "ns1.example.com"})["records"]]
try:
    st.domain_search({"keyword": "shop"})
except SecurityTrailsError as err:
    out["st_unanswered_filter"] = err.message
bad = SecurityTrails("wrong-key")
bad.base_url = url + "/v1/"
try:
    bad.domain_info("example.com")
except SecurityTrailsForbidden:
    out["st_bad_key"] = "forbidden"

# --- misp-modules: virustotal (vt-py underneath, pointed at hark) --------------------------
from misp_modules.modules.expansion import virustotal as misp_vt

original_client = vt.Client
vt.Client = functools.partial(original_client, host=url)
try:
    result = misp_vt.dict_handler(
        {
            "config": {"apikey": key, "event_limit": "50"},
            "attribute": {"type": "domain", "value": "example.com", "uuid": str(uuid.uuid4())},
        }
    )
    objects = result["results"]["Object"]
    domain_ip = [o for o in objects if o["name"] == "domain-ip"]
    out["misp_vt_domain_ips"] = sorted(
        a["value"] for o in domain_ip for a in o["Attribute"] if a["object_relation"] == "ip"
    )
    result = misp_vt.dict_handler(
        {
            "config": {"apikey": key},
            "attribute": {"type": "ip-dst", "value": "203.0.113.10", "uuid": str(uuid.uuid4())},
        }
    )
    objects = result["results"]["Object"]
    out["misp_vt_ip_domains"] = sorted(
        a["value"]
        for o in objects
        if o["name"] == "domain-ip"
        for a in o["Attribute"]
        if a["object_relation"] == "domain"
    )
    out["misp_vt_bad_key"] = misp_vt.dict_handler(
        {
            "config": {"apikey": "wrong-key"},
            "attribute": {"type": "domain", "value": "example.com", "uuid": str(uuid.uuid4())},
        }
    )
finally:
    vt.Client = original_client

# misp-modules' securitytrails expansion imports `dnstrails`, which is not on PyPI: it cannot
# be installed here, so it is not run.
try:
    import dnstrails  # noqa: F401

    out["misp_securitytrails"] = "dnstrails importable (not exercised)"
except ImportError:
    out["misp_securitytrails"] = "skipped: dnstrails is not on PyPI"

json.dump(out, sys.stdout, default=str)
