#!/usr/bin/env bash
# Installs the pinned chdb-core (current ClickHouse in-process, from PyPI), which the
# compatibility run of test/analytics/chdb-compat.e2e-spec.ts runs every analytics SQL text on,
# into a virtualenv of its own under the stack folder, once: a second call finds it and only
# prints where it is. Prints the path of the venv's python on the last line.
#
# --no-deps: chdb-core asks for pandas and pyarrow, which only its DataFrame and Arrow outputs
# import (lazily); the runner reads JSON, so the venv skips their ~300 MB.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CHDB_VERSION=26.9.0
# The wheel for Linux x86_64 (the only platform this stack runs on), pinned by hash so a
# re-uploaded or tampered wheel fails the install instead of running in CI.
CHDB_SHA256=707e2ec3fe0f7953bac97942eaeb7a1ed1d66b1e56ecef3f0aa2130f61f6e735
stack_dir="${TENANTRY_STACK_DIR:-.stack}"
venv="$stack_dir/chdb-venv-$CHDB_VERSION"
python="$PWD/$venv/bin/python"
case "$venv" in /*) python="$venv/bin/python" ;; esac

installed() {
  [ -x "$python" ] && "$python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("chdb-core") != sys.argv[1])' "$CHDB_VERSION" 2>/dev/null
}

if ! installed; then
  echo "==> installing chdb-core $CHDB_VERSION into $venv" >&2
  started=$(date +%s)
  system_python=$(command -v python3 || true)
  if [ -z "$system_python" ]; then
    apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv >&2
    system_python=$(command -v python3)
  fi
  if ! "$system_python" -m venv --help >/dev/null 2>&1 || ! "$system_python" -c 'import ensurepip' 2>/dev/null; then
    # Debian's python3 leaves venv (ensurepip) to a package of its own.
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
  fi
  mkdir -p "$stack_dir"
  rm -rf "$venv"
  "$system_python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r <(echo "chdb-core==$CHDB_VERSION --hash=sha256:$CHDB_SHA256") >&2
  installed || { echo "chdb-core $CHDB_VERSION did not install into $venv" >&2; exit 1; }
  echo "==> chdb-core $CHDB_VERSION installed in $(( $(date +%s) - started )) s ($(du -sh "$venv" | cut -f1))" >&2
fi
echo "$python"
