#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, every test. Installs what it needs first.
# Usage: scripts/test.sh    (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/setup-test-clients.sh
[ -d ../shared/fixtures ] || echo "warning: ../shared/fixtures is missing; tests that need it are skipped (and fail under CI=true)" >&2

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== cargo test"
cargo test --workspace --locked
echo "== cargo deny: licences, bans, sources (offline; policy in deny.toml)"
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources
echo "== fuzz smoke (every target builds and runs 20 s on its corpus; docs/fuzzing.md)"
scripts/fuzz.sh smoke 20
