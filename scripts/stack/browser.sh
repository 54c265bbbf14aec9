# shellcheck shell=bash
# `scripts/stack.sh browser`. Sourced by scripts/stack.sh.

# Headless Chromium for the embedded-dashboard browser test (test/embed/, driven by
# playwright-core). Debian's package: nothing is downloaded at test time, which a closed network
# would refuse. Idempotent: does nothing when /usr/bin/chromium is there.
cmd_browser() {
  command -v chromium >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "chromium is missing and this is not root: apt-get install chromium"
  mkdir -p "$STACK_DIR"
  take_lock
  apt_install chromium
}
