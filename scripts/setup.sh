# Sourced by the other scripts: makes sure the build tools are there (Debian), installing what
# is missing. Rust comes from the machine (rustup); everything else from Debian's packages.
need=()
command -v python3 >/dev/null || need+=(python3)
command -v cc >/dev/null || need+=(build-essential)
# libpcap's headers and library: hark-capture links it for `hark capture`.
[ -f /usr/include/pcap.h ] || [ -f /usr/include/pcap/pcap.h ] || need+=(libpcap-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
# Supply-chain checks and fuzzing (scripts/test.sh): cargo-deny and cargo-fuzz, from crates.io.
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
