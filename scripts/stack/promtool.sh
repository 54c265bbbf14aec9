# shellcheck shell=bash
# `scripts/stack.sh promtool`. Sourced by scripts/stack.sh.

# Debian's prometheus package, for its promtool: the test suite checks and unit-tests the alert
# rules of docker/prometheus with it (test/operations/prometheus-rules.e2e-spec.ts). Nothing is
# downloaded at test time, and the package's own service is not started (apt_install's
# policy-rc.d). Idempotent: does nothing when promtool is there.
cmd_promtool() {
  command -v promtool >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "promtool is missing and this is not root: apt-get install prometheus"
  mkdir -p "$STACK_DIR"
  take_lock
  apt_install prometheus
}
