#!/usr/bin/env bash
# Installs the Node dependencies when node_modules is missing or older than the lock file.
# `npm ci` first; when this machine's npm refuses the lock file (its registry settings leave the
# other platforms' optional packages, such as @swc/core-darwin-*, out of it), `npm install`
# installs the same locked versions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
echo "==> installing Node dependencies"
if ! npm ci --no-audit --no-fund 2>/tmp/tenantry-npm-ci.$$; then
  grep -m1 'npm error' /tmp/tenantry-npm-ci.$$ >&2 || true
  echo "==> npm ci refused the lock file; installing the locked versions with npm install" >&2
  npm install --no-audit --no-fund
fi
rm -f /tmp/tenantry-npm-ci.$$
