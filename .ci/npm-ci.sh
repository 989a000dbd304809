#!/usr/bin/env bash
# `npm ci` of the committed lockfile, failing on any EBADENGINE warning: every Node line the engines
# field names must install the whole tree without one.
set -euo pipefail
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
npm ci --no-audit --no-fund 2>&1 | tee "$log"
if grep -q EBADENGINE "$log"; then
  echo "!! npm ci on Node $(node --version) printed EBADENGINE warnings: a package in the lockfile does not support this Node line"
  exit 1
fi
