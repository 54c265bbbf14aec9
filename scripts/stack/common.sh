# shellcheck shell=bash
# What every server of the local stack shares: the stack folder, logging, pid files and ports,
# templates, starting and stopping processes, the lock, and installing Debian packages.
# Sourced by scripts/stack.sh.

STACK_DIR="${TENANTRY_STACK_DIR:-$REPO_DIR/.stack}"
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$PWD/$STACK_DIR" ;; esac
[ -d "$STACK_DIR" ] && STACK_DIR="$(cd "$STACK_DIR" && pwd -P)"
# shellcheck disable=SC2034  # read by the server files
WAIT_TIMEOUT="${STACK_WAIT_TIMEOUT:-60}"   # seconds to wait for each server
# shellcheck disable=SC2034  # read by commands.sh
STACK_ENV="$STACK_DIR/stack.env"

# ---------------------------------------------------------------- helpers

log()  { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Print the last lines of each readable log file given, to stderr.
show_tail() {
  local f
  for f in "$@"; do
    [ -r "$f" ] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 30 "$f" >&2 || true
  done
}

# The pid in a pid file (first line, digits only), or nothing.
read_pid() {
  [ -s "$1" ] || return 0
  head -n 1 "$1" 2>/dev/null | tr -dc '0-9' || true
}

cmdline_of() { { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null || true; }

# pid_matches PID NEEDLE...: PID is alive and its command line contains every NEEDLE.
pid_matches() {
  local pid="$1" cmd n
  shift
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmd="$(cmdline_of "$pid")"
  [ -n "$cmd" ] || return 1
  for n in "$@"; do
    [[ "$cmd" == *"$n"* ]] || return 1
  done
}

# Something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Fail if PORT is taken (we only call it for a service that is not running).
require_free_port() {
  local port="$1" what="$2"
  if port_open "$port"; then
    die "$what: port 127.0.0.1:$port is already in use by another process (not started from $STACK_DIR). Stop it or choose another port (see docs/local-stack.md)."
  fi
}

# Write the port a service was started on, so status/down/stack.env report the
# real one even when called with other env values.
record_port() { printf '%s\n' "$2" > "$1"; }
recorded_port() { if [ -s "$1" ]; then head -n 1 "$1"; else printf '%s\n' "$2"; fi; }

# Render a template: every @KEY@ is replaced by the value of the shell variable KEY.
render() {
  local tpl="$1" out="$2" content key
  shift 2
  content="$(<"$tpl")"
  for key in "$@"; do
    content="${content//@${key}@/${!key}}"
  done
  if [[ "$content" =~ @[A-Z_]+@ ]]; then
    die "template $tpl: placeholder ${BASH_REMATCH[0]} was not replaced"
  fi
  printf '%s\n' "$content" > "$out.tmp"
  mv -f "$out.tmp" "$out"
}

# Make sure USER can traverse down to DIR: chmod o+x only on the parents that need it.
ensure_traversable() {
  local user="$1" dir="$2" d
  runuser -u "$user" -- test -x "$dir" 2>/dev/null && return 0
  local parents=()
  d="$dir"
  while [ "$d" != "/" ] && [ -n "$d" ]; do
    parents=("$d" "${parents[@]}")
    d="$(dirname "$d")"
  done
  for d in "${parents[@]}"; do
    if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
      chmod o+x "$d"
      log "chmod o+x $d (so the $user user can reach its data under it)"
    fi
  done
}

# Run a command with every file descriptor above 2 closed, so a server we start
# holds no pipe or lock of ours (fd 9) or of whoever called us (a `| tee` or
# `$(...)` around this script would otherwise wait for the server to exit).
CLOSE_FDS='for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi; done'
run_clean() {
  bash -c "$CLOSE_FDS"'; exec "$@"' run-clean "$@"
}

# The pid a wait_for PID argument names now: itself, or for @FILE the pid in that file.
pid_of() { if [[ "$1" == @* ]]; then read_pid "${1#@}"; else printf '%s\n' "$1"; fi; }

# Wait until COMMAND succeeds, while PID (if given) is alive; else print the logs and fail.
# PID may be @FILE: the pid in that file, read afresh each time (a daemon that rewrites it).
# The reason is printed before the logs as well as after: a caller that keeps only the head of
# stderr (a test's error message, CI's excerpt) still says why.
# wait_for NAME TIMEOUT PID_OR_@FILE_OR_EMPTY "LOGS" COMMAND...
wait_for() {
  local name="$1" limit="$2" pid="$3" logs="$4" start current reason
  shift 4
  start="$(date +%s)"
  while ! "$@" >/dev/null 2>&1; do
    reason=""
    current="$(pid_of "$pid")"
    if [ -n "$pid" ] && ! kill -0 "${current:-none}" 2>/dev/null; then
      # Once more, after a pause: a process between its pid file and its first answer.
      sleep 0.5
      "$@" >/dev/null 2>&1 && return 0
      current="$(pid_of "$pid")"
      kill -0 "${current:-none}" 2>/dev/null \
        || reason="$name exited during start-up (pid ${current:-none}, after $(( $(date +%s) - start ))s)"
    fi
    if [ -z "$reason" ] && (( $(date +%s) - start >= limit )); then
      reason="$name did not accept connections within ${limit}s"
    fi
    if [ -n "$reason" ]; then
      warn "$reason; the logs follow"
      # shellcheck disable=SC2086
      show_tail $logs
      die "$reason (see the log above)."
    fi
    sleep 0.2
  done
}

# Send SIGTERM to PID and wait for it to exit; SIGKILL after LIMIT seconds.
stop_pid() {
  local name="$1" pid="$2" limit="$3" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for (( i = 0; i < limit * 5; i++ )); do
    kill -0 "$pid" 2>/dev/null || return 0
    # A zombie child of ours would stay "alive" for kill -0.
    [ -z "$(cmdline_of "$pid")" ] && return 0
    sleep 0.2
  done
  warn "$name (pid $pid) did not stop within ${limit}s: sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# fd 9 holds the lock; every server is started with 9>&- so it does not inherit it.
take_lock() {
  exec 9>"$STACK_DIR/.lock"
  flock -w 120 9 || die "another scripts/stack.sh is working on $STACK_DIR"
}

# ---------------------------------------------------------------- installation

POLICY_RC_CREATED=0
cleanup() {
  if [ "$POLICY_RC_CREATED" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=0
  fi
}
trap cleanup EXIT

# Debian packages the given services need and that are not installed yet.
missing_packages() {
  local svc pkgs=()
  command -v curl >/dev/null || pkgs+=(curl)
  command -v jq >/dev/null || pkgs+=(jq)   # the README walkthrough and its test
  for svc in "$@"; do
    case "$svc" in
      postgres|postgres-silo)   [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] || pkgs+=(postgresql-15)
                  command -v psql >/dev/null || pkgs+=(postgresql-client-15) ;;
      redis)      command -v redis-server >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-server redis-tools) ;;
      clickhouse) command -v clickhouse-server >/dev/null || pkgs+=(clickhouse-server) ;;
      kafka)      java_bin >/dev/null || pkgs+=(openjdk-17-jre-headless)
                  command -v mvn >/dev/null || pkgs+=(maven) ;;
      pgbouncer)  [ -x "$PGBOUNCER_BIN" ] || pkgs+=(pgbouncer) ;;
    esac
  done
  [ "${#pkgs[@]}" -gt 0 ] && printf '%s\n' "${pkgs[@]}" | awk '!seen[$0]++' || true
}

apt_install() {
  local pkgs=("$@") start p policy need_update=0 apt_log="$STACK_DIR/install.log"
  [ "$(id -u)" = 0 ] || die "missing packages (${pkgs[*]}) and not root: install them with apt-get first."
  start="$(now)"
  log "installing ${pkgs[*]} with apt-get (a few minutes on a fresh machine; full output in $apt_log)"
  # Keep package maintainer scripts from starting the distribution's own services.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from tenantry scripts/stack.sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  for p in "${pkgs[@]}"; do
    # (capture first: grep -q in a pipe under pipefail can fail on SIGPIPE)
    policy="$(apt-cache policy "$p" 2>/dev/null || true)"
    [[ "$policy" == *"Candidate: "[!\(]* ]] || need_update=1
  done
  export DEBIAN_FRONTEND=noninteractive
  if [ "$need_update" = 1 ]; then
    log "apt-get update (package lists are missing or do not know ${pkgs[*]})"
    apt-get update >>"$apt_log" 2>&1 || { show_tail "$apt_log"; die "apt-get update failed"; }
  fi
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$apt_log" 2>&1; then
    if [ "$need_update" = 0 ]; then
      log "install failed; retrying after apt-get update"
      apt-get update >>"$apt_log" 2>&1 || { show_tail "$apt_log"; die "apt-get update failed"; }
      apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$apt_log" 2>&1 \
        || { show_tail "$apt_log"; die "apt-get install ${pkgs[*]} failed"; }
    else
      show_tail "$apt_log"
      die "apt-get install ${pkgs[*]} failed"
    fi
  fi
  cleanup
  log "installed ${pkgs[*]} in $(elapsed "$start")s"
}

ensure_installed() {
  local pkgs
  mapfile -t pkgs < <(missing_packages "$@")
  if [ "${#pkgs[@]}" -gt 0 ]; then
    apt_install "${pkgs[@]}"
  fi
  local m
  mapfile -t m < <(missing_packages "$@")
  [ "${#m[@]}" -eq 0 ] || die "still missing after install: ${m[*]}"
}
