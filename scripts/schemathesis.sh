#!/usr/bin/env bash
# Installs the pinned Schemathesis (the OpenAPI conformance fuzzer of test/docs/openapi-fuzz) into
# a virtualenv of its own under .cache/ (ignored by git), once: a second call finds it and only
# prints where it is. Prints the path of its `st` command on the last line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5

# A CPython of 3.12 or later when one is installed (pyenv's, beside the default): CPython 3.11's
# ast module can raise a spurious `SystemError: AST constructor recursion depth mismatch`
# (CPython gh-106905), which Hypothesis meets when it describes a filter and Schemathesis then
# reports as an error of the run (a fresh clone, 2026-12-01, on 3.11.7). Else the default python3.
python=""
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
  [ -x "$candidate" ] && "$candidate" -c 'import ensurepip' 2>/dev/null && python=$candidate
done
python=${python:-$(command -v python3 || true)}
tag=""
[ -n "$python" ] && tag=-py$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv=.cache/schemathesis-$SCHEMATHESIS_VERSION$tag
st="$PWD/$venv/bin/st"

if [ ! -x "$st" ] || ! "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
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
