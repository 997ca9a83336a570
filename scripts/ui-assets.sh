#!/usr/bin/env bash
# Refreshes the web UI's third-party assets in crates/server/assets/vendor from the npm registry:
# the minified builds of htmx and cytoscape.js with their licences, and their gzip and brotli
# forms (the binary embeds only those two; tests pin every file by SHA-256 and check that both
# compressed forms decode to the minified file). After running it, update the hashes in
# crates/server/src/ui/assets.rs (`VENDOR`) and the tests' pins, and say why in the commit.
#
#   scripts/ui-assets.sh [HTMX_VERSION] [CYTOSCAPE_VERSION]
set -euo pipefail
HTMX=${1:-2.0.11}
CYTOSCAPE=${2:-3.35.0}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/crates/server/assets/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "cytoscape@$CYTOSCAPE" >/dev/null
mkdir h c
tar xzf "htmx.org-$HTMX.tgz" -C h
tar xzf "cytoscape-$CYTOSCAPE.tgz" -C c
cp h/package/dist/htmx.min.js "$out/htmx.min.js"
cp h/package/LICENSE "$out/LICENSE-htmx"
cp c/package/dist/cytoscape.min.js "$out/cytoscape.min.js"
cp c/package/LICENSE "$out/LICENSE-cytoscape"
for file in htmx.min.js cytoscape.min.js; do
  gzip -9 -n -c "$out/$file" >"$out/$file.gz"
  brotli -q 11 -c "$out/$file" >"$out/$file.br"
done
(cd "$out" && sha256sum htmx.min.js cytoscape.min.js ./*.gz ./*.br LICENSE-*)
