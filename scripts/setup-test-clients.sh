# Sourced by scripts/test.sh: installs the real API clients that the end-to-end tests run
# against `hark serve`, each only when missing: Debian's dnsdbq, and the dnsdb2 and pypdns Python
# packages in a venv at target/venv (with mmdb-writer, which writes the test's MaxMind DB); and
# the resolver harness's servers.
if ! command -v dnsdbq >/dev/null; then
  echo "== installing dnsdbq"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsdbq >/dev/null; } \
    || echo "warning: could not install dnsdbq; its tests are skipped (and fail under CI=true)" >&2
fi
# The loopback resolver harness (../shared/harness) for `hark recon --verify`: NSD, Unbound
# and fstrm_capture (the harness's dnstap reader).
# tcpdump records the harness's traffic beside `hark run`'s dnstap listeners.
if ! command -v nsd >/dev/null || ! command -v unbound >/dev/null || ! command -v fstrm_capture >/dev/null \
   || ! command -v tcpdump >/dev/null; then
  echo "== installing nsd, unbound, fstrm-bin, tcpdump"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nsd unbound fstrm-bin tcpdump >/dev/null; } \
    || echo "warning: could not install nsd/unbound/fstrm-bin/tcpdump; the harness tests are skipped (and fail under CI=true)" >&2
fi
# Installs Debian packages without starting their services (a policy-rc.d refusing every
# start, present only during the install): the tests run their own instances on loopback.
install_without_starting() {
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  installed=$?
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  return $installed
}
# Leaves the packages' own services stopped and disabled where systemd runs.
stop_services() {
  if [ -d /run/systemd/system ]; then systemctl disable --now "$@" >/dev/null 2>&1 || true; fi
}
# The resolvers whose dnstap the resolver tests take (BIND 9, Knot Resolver, PowerDNS Recursor,
# dnsdist). The tests run their own instances on loopback ports; the packages' own services
# would take port 53, so they are not started at install (policy-rc.d) and stay disabled.
if ! command -v named >/dev/null || ! command -v kresd >/dev/null || ! command -v pdns_recursor >/dev/null \
   || ! command -v dnsdist >/dev/null; then
  echo "== installing bind9, knot-resolver, pdns-recursor, dnsdist (their services not started)"
  { apt-get update -qq && install_without_starting bind9 knot-resolver pdns-recursor dnsdist; } \
    || echo "warning: could not install the resolvers; the resolver tests are skipped (and fail under CI=true)" >&2
  stop_services named pdns-recursor dnsdist kresd@1
fi
# ClickHouse 18.16 (Debian's only one) for the scale-out store's tests: the engine's battery
# and the hark tests start a 2-shard cluster on loopback with ../shared/harness/clickhouse.
# The install can fail transiently (a .deb missing from dpkg's temporary directory): once more.
if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
  echo "== installing clickhouse-server, clickhouse-client"
  ch_install() { install_without_starting clickhouse-server clickhouse-client; }
  { apt-get update -qq && { ch_install || ch_install; }; } \
    || echo "warning: could not install clickhouse-server; the ClickHouse tests are skipped (and fail under CI=true)" >&2
  stop_services clickhouse-server
fi
# dig, which the live capture test (`hark capture -i lo` beside NSD) queries with.
if ! command -v dig >/dev/null; then
  echo "== installing bind9-dnsutils (dig)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bind9-dnsutils >/dev/null; } \
    || echo "warning: could not install dig; the live capture test is skipped (and fails under CI=true)" >&2
fi
if ! target/venv/bin/python -c 'import dnsdb2, pypdns, mmdb_writer, netaddr' 2>/dev/null; then
  echo "== making the Python venv target/venv (dnsdb2, pypdns)"
  python3 -c 'import venv, ensurepip' 2>/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; }
  { python3 -m venv target/venv && target/venv/bin/pip install -q --disable-pip-version-check dnsdb2 pypdns mmdb-writer netaddr; } \
    || echo "warning: could not make target/venv; the Python client tests are skipped (and fail under CI=true)" >&2
fi
# dnspython: the import tests' independent zone reader (crates/hark/tests/imports/).
if [ -x target/venv/bin/python ] && ! target/venv/bin/python -c 'import dns.rdata' 2>/dev/null; then
  echo "== installing dnspython in target/venv"
  target/venv/bin/pip install -q --disable-pip-version-check dnspython \
    || echo "warning: could not install dnspython; the zone import test is skipped (and fails under CI=true)" >&2
fi
# The clients of the SecurityTrails and VirusTotal faces.
if [ -x target/venv/bin/python ] && ! target/venv/bin/python -c 'import vt, virustotal_python, pysecuritytrails' 2>/dev/null; then
  echo "== installing vt-py, virustotal-python, pysecuritytrails in target/venv"
  target/venv/bin/pip install -q --disable-pip-version-check vt-py virustotal-python pysecuritytrails \
    || echo "warning: could not install the SecurityTrails/VirusTotal clients; their test is skipped (and fails under CI=true)" >&2
fi
# MISP's expansion modules: misp-modules itself without its many optional dependencies, plus
# what farsight_passivedns, circl_passivedns and virustotal import (pymisp; psutil for the
# package; vt-py, above). Its securitytrails expansion needs `dnstrails`, which is not on PyPI.
if [ -x target/venv/bin/python ] && ! target/venv/bin/python -c \
  'import misp_modules.modules.expansion.farsight_passivedns, misp_modules.modules.expansion.circl_passivedns, misp_modules.modules.expansion.virustotal' 2>/dev/null; then
  echo "== installing misp-modules in target/venv"
  { target/venv/bin/pip install -q --disable-pip-version-check --no-deps misp-modules \
      && target/venv/bin/pip install -q --disable-pip-version-check pymisp psutil; } \
    || echo "warning: could not install misp-modules; its test is skipped (and fails under CI=true)" >&2
fi
# Chromium and its WebDriver, for the web UI's browser test (crates/hark/tests/it/ui_browser.rs).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "== installing chromium, chromium-driver"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; } \
    || echo "warning: could not install chromium; the browser test is skipped (and fails under CI=true)" >&2
fi

# The parsers alert exports are checked with: stix2 (STIX 2.1 bundles; pymisp comes above).
if [ -x target/venv/bin/python ] && ! target/venv/bin/python -c 'import stix2, pymisp' 2>/dev/null; then
  echo "== installing stix2 and pymisp in target/venv"
  target/venv/bin/pip install -q --disable-pip-version-check stix2 pymisp \
    || echo "warning: could not install stix2/pymisp; the alert export test is skipped (and fails under CI=true)" >&2
fi
