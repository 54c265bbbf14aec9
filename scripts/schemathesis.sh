#!/usr/bin/env bash
# Installs the pinned Schemathesis (the OpenAPI conformance fuzzer of test/docs/openapi-fuzz) into
# a virtualenv of its own under .cache/ (ignored by git), once: a second call finds it and only
# prints where it is. Prints the path of its `st` command on the last line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5
venv=.cache/schemathesis-$SCHEMATHESIS_VERSION
st="$PWD/$venv/bin/st"

if [ ! -x "$st" ] || ! "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  python=$(command -v python3 || true)
  if [ -z "$python" ]; then
    apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv >&2
    python=$(command -v python3)
  fi
  if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
    # Debian's python3 leaves venv (ensurepip) to a package of its own.
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
  fi
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
echo "$st"
