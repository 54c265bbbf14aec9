#!/usr/bin/env bash
# Local dev stack for Tenantry, without Docker: PostgreSQL 15, Redis,
# ClickHouse (Debian's 18.16) and Apache Kafka 4.x (KRaft), all on 127.0.0.1,
# all data and logs under one folder, ${TENANTRY_STACK_DIR:-<repo>/.stack}.
#
#   scripts/stack.sh up     [SERVICE...]           install what is missing, start, wait, write stack.env
#   scripts/stack.sh down   [--purge] [SERVICE...] stop what this stack started (--purge: delete its data)
#   scripts/stack.sh status [SERVICE...]           exit 0 if all running, else 3
#   scripts/stack.sh reset                         down --purge for every service
#   scripts/stack.sh env                           print the path of stack.env
#   scripts/stack.sh browser                       install Debian's chromium if missing (the embed browser test)
#
# SERVICE is any of: postgres redis clickhouse kafka (default: all four).
# Ports and credentials come from the environment; see docs/local-stack.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd -P)"
TPL_DIR="$SCRIPT_DIR/stack"

ALL_SERVICES=(postgres redis clickhouse kafka)

STACK_DIR="${TENANTRY_STACK_DIR:-$REPO_DIR/.stack}"
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$PWD/$STACK_DIR" ;; esac
[ -d "$STACK_DIR" ] && STACK_DIR="$(cd "$STACK_DIR" && pwd -P)"

PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-58123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-59000}"
CLICKHOUSE_INTERSERVER_PORT="${CLICKHOUSE_INTERSERVER_PORT:-59009}"
KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-59093}"

DATABASE_NAME="${DATABASE_NAME:-tenantry}"
DATABASE_OWNER_USER="${DATABASE_OWNER_USER:-tenantry_owner}"
DATABASE_OWNER_PASSWORD="${DATABASE_OWNER_PASSWORD:-tenantry_owner_dev}"
DATABASE_APP_USER="${DATABASE_APP_USER:-tenantry_app}"
DATABASE_APP_PASSWORD="${DATABASE_APP_PASSWORD:-tenantry_app_dev}"
DATABASE_PLATFORM_USER="${DATABASE_PLATFORM_USER:-tenantry_platform}"
DATABASE_PLATFORM_PASSWORD="${DATABASE_PLATFORM_PASSWORD:-tenantry_platform_dev}"
# ClickHouse users (scripts/stack/clickhouse/users.xml): the writer for ingestion and schema
# steps, the read-only reader (with query limits) for analytics.
CLICKHOUSE_WRITER_USER="${CLICKHOUSE_WRITER_USER:-tenantry_writer}"
CLICKHOUSE_WRITER_PASSWORD="${CLICKHOUSE_WRITER_PASSWORD:-tenantry_writer_dev}"
CLICKHOUSE_READER_USER="${CLICKHOUSE_READER_USER:-tenantry_reader}"
CLICKHOUSE_READER_PASSWORD="${CLICKHOUSE_READER_PASSWORD:-tenantry_reader_dev}"
CLICKHOUSE_READER_MAX_EXECUTION_TIME="${CLICKHOUSE_READER_MAX_EXECUTION_TIME:-30}"
CLICKHOUSE_READER_MAX_MEMORY_USAGE="${CLICKHOUSE_READER_MAX_MEMORY_USAGE:-2000000000}"
CLICKHOUSE_READER_MAX_ROWS_TO_READ="${CLICKHOUSE_READER_MAX_ROWS_TO_READ:-2000000}"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
# on: clients authenticate with SASL/SCRAM-SHA-512 and need ACLs; off: plaintext, for a
# throwaway broker only (the ingestion benchmark's baseline).
KAFKA_SASL="${KAFKA_SASL:-on}"
# The principals (SCRAM users) of the local stack: the broker itself (super user), the app
# (its topics and groups), and producers that may only write the events topic.
KAFKA_ADMIN_USERNAME=tenantry-admin
KAFKA_APP_USERNAME=tenantry-app
KAFKA_PRODUCER_USERNAME=tenantry-producer
KAFKA_TEST_PRODUCER_USERNAME=tenantry-test-producer
WAIT_TIMEOUT="${STACK_WAIT_TIMEOUT:-60}"   # seconds to wait for each server

PG_DIR="$STACK_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
PG_LOG="$PG_DIR/log/postgres.log"
REDIS_DIR="$STACK_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
CH_DIR="$STACK_DIR/clickhouse"
CH_CONF="$CH_DIR/config.xml"
CH_PID="$CH_DIR/clickhouse-server.pid"
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/log/server.log"
KAFKA_OUT="$KAFKA_DIR/log/kafka.out"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials.env"
KAFKA_ADMIN_CLIENT="$KAFKA_DIR/admin-client.properties"
STACK_ENV="$STACK_DIR/stack.env"

# ---------------------------------------------------------------- helpers

log()  { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

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

# Wait until COMMAND succeeds, while PID (if given) is alive; else print the logs and fail.
# wait_for NAME TIMEOUT PID_OR_EMPTY "LOGS" COMMAND...
wait_for() {
  local name="$1" limit="$2" pid="$3" logs="$4" start
  shift 4
  start="$(date +%s)"
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      # shellcheck disable=SC2086
      show_tail $logs
      die "$name exited during start-up (see the log above)."
    fi
    if (( $(date +%s) - start >= limit )); then
      # shellcheck disable=SC2086
      show_tail $logs
      die "$name did not accept connections within ${limit}s (see the log above)."
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

# ---------------------------------------------------------------- installation

POLICY_RC_CREATED=0
cleanup() {
  if [ "$POLICY_RC_CREATED" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=0
  fi
}
trap cleanup EXIT

java_bin() {
  local j v
  for j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [ -n "$j" ] && [ -x "$j" ] || continue
    v="$("$j" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
    v="${v%%.*}"
    if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 17 )); then
      printf '%s\n' "$j"
      return 0
    fi
  done
  return 1
}

# Debian packages the given services need and that are not installed yet.
missing_packages() {
  local svc pkgs=()
  command -v curl >/dev/null || pkgs+=(curl)
  command -v jq >/dev/null || pkgs+=(jq)   # the README walkthrough and its test
  for svc in "$@"; do
    case "$svc" in
      postgres)   [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] || pkgs+=(postgresql-15)
                  command -v psql >/dev/null || pkgs+=(postgresql-client-15) ;;
      redis)      command -v redis-server >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-server redis-tools) ;;
      clickhouse) command -v clickhouse-server >/dev/null || pkgs+=(clickhouse-server) ;;
      kafka)      java_bin >/dev/null || pkgs+=(openjdk-17-jre-headless)
                  command -v mvn >/dev/null || pkgs+=(maven) ;;
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

# ---------------------------------------------------------------- postgres

pg_pid() {
  local pid
  pid="$(read_pid "$PG_DATA/postmaster.pid")"
  if [ -n "$pid" ] && pid_matches "$pid" postgres "$PG_DATA"; then
    printf '%s\n' "$pid"
  fi
}

pg_start() {
  local pid start
  pid="$(pg_pid)"
  if [ -n "$pid" ]; then
    log "postgres: already running (pid $pid, port $(recorded_port "$PG_DIR/port" "$PG_PORT")); leaving it"
    [ "$(recorded_port "$PG_DIR/port" "$PG_PORT")" = "$PG_PORT" ] || warn "postgres runs on port $(recorded_port "$PG_DIR/port" "$PG_PORT"), not PG_PORT=$PG_PORT: run 'down postgres' then 'up postgres' to move it"
    pg_bootstrap
    return 0
  fi
  start="$(now)"
  getent passwd postgres >/dev/null || die "postgres: the postgres system user does not exist (is postgresql-15 installed?)"
  local sock_len=$(( ${#PG_SOCK} + ${#PG_PORT} + 10 ))
  (( sock_len < 107 )) || die "postgres: the socket path $PG_SOCK/.s.PGSQL.$PG_PORT is too long for a unix socket; use a shorter TENANTRY_STACK_DIR"

  require_free_port "$PG_PORT" postgres
  mkdir -p "$PG_DIR"
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  install -d -o postgres -g postgres -m 700 "$PG_SOCK" "$PG_DIR/log"
  ensure_traversable postgres "$PG_DIR"

  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    if [ -d "$PG_DATA" ] && [ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]; then
      die "postgres: $PG_DATA is not empty but has no PG_VERSION; move it away or run '$0 down --purge postgres'"
    fi
    log "postgres: initdb into $PG_DATA"
    (cd "$PG_DIR" && runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/log/initdb.log" 2>&1) || { show_tail "$PG_DIR/log/initdb.log"; die "postgres: initdb failed"; }
    printf "\n# Tenantry local stack settings (rewritten by scripts/stack.sh on every up)\ninclude_if_exists = 'tenantry.conf'\n" \
      >> "$PG_DATA/postgresql.conf"
  fi
  local ver
  ver="$(cat "$PG_DATA/PG_VERSION")"
  [ "$ver" = 15 ] || die "postgres: $PG_DATA holds a PostgreSQL $ver cluster, expected 15"

  cat > "$PG_DATA/tenantry.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 4GB
work_mem = 8MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
synchronous_commit = off
password_encryption = scram-sha-256
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
EOF
  chown postgres:postgres "$PG_DATA/tenantry.conf"

  # A postmaster.pid left by a crash or a machine restart: postgres itself only
  # checks that the pid is alive, which a recycled pid can fool.
  if [ -e "$PG_DATA/postmaster.pid" ]; then
    pid="$(read_pid "$PG_DATA/postmaster.pid")"
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] \
       && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$PG_DATA" ]; then
      die "postgres: pid $pid serves $PG_DATA but was not started as expected; stop it by hand"
    fi
    log "postgres: removing stale $PG_DATA/postmaster.pid (pid ${pid:-?} is not this cluster's postgres)"
    rm -f "$PG_DATA/postmaster.pid"
  fi
  local lock
  for lock in "$PG_SOCK"/.s.PGSQL.*.lock; do
    [ -e "$lock" ] || continue
    rm -f "$lock" "${lock%.lock}"
  done

  log "postgres: starting on 127.0.0.1:$PG_PORT"
  if ! (cd "$PG_DIR" && run_clean runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" \
          -w -t "$WAIT_TIMEOUT" -s start 9>&-); then
    show_tail "$PG_LOG"
    die "postgres: did not start (see the log above)"
  fi
  record_port "$PG_DIR/port" "$PG_PORT"
  wait_for postgres "$WAIT_TIMEOUT" "" "$PG_LOG" \
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres
  pg_bootstrap
  log "postgres: ready (pid $(pg_pid)) in $(elapsed "$start")s"
}

pg_bootstrap() {
  local port out
  port="$(recorded_port "$PG_DIR/port" "$PG_PORT")"
  if ! out="$(psql -X -q -h "$PG_SOCK" -p "$port" -U postgres -d postgres \
       -v ON_ERROR_STOP=1 \
       -v owner_user="$DATABASE_OWNER_USER" -v owner_password="$DATABASE_OWNER_PASSWORD" \
       -v app_user="$DATABASE_APP_USER" -v app_password="$DATABASE_APP_PASSWORD" \
       -v platform_user="$DATABASE_PLATFORM_USER" -v platform_password="$DATABASE_PLATFORM_PASSWORD" \
       -v db_name="$DATABASE_NAME" \
       -f - < "$TPL_DIR/postgres/bootstrap.sql" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "postgres: bootstrap (scripts/stack/postgres/bootstrap.sql) failed"
  fi
  [ -z "$out" ] || printf '%s\n' "$out"
  log "postgres: roles $DATABASE_OWNER_USER (owner), $DATABASE_APP_USER (app) and $DATABASE_PLATFORM_USER (platform), database $DATABASE_NAME: ok"
}

pg_stop() {
  local pid
  pid="$(pg_pid)"
  if [ -z "$pid" ]; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: stopping (pid $pid)"
  (cd "$PG_DIR" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$WAIT_TIMEOUT" -s stop) \
    || die "postgres: pg_ctl stop failed"
  log "postgres: stopped"
}

# ---------------------------------------------------------------- redis

redis_pid() {
  local pid
  pid="$(read_pid "$REDIS_PID")"
  # redis rewrites its process title, so also check its working directory
  # (redis chdirs to its data dir): that ties the process to this stack.
  if [ -n "$pid" ] && pid_matches "$pid" redis-server \
     && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$REDIS_DIR/data" ]; then
    printf '%s\n' "$pid"
  fi
}

redis_start() {
  local pid start user=root
  pid="$(redis_pid)"
  if [ -n "$pid" ]; then
    log "redis: already running (pid $pid, port $(recorded_port "$REDIS_DIR/port" "$REDIS_PORT")); leaving it"
    return 0
  fi
  start="$(now)"
  getent passwd redis >/dev/null && user=redis
  mkdir -p "$REDIS_DIR/data"
  if [ -e "$REDIS_PID" ]; then
    log "redis: removing stale pid file $REDIS_PID"
    rm -f "$REDIS_PID"
  fi
  cat > "$REDIS_DIR/redis.conf" <<EOF
# Written by scripts/stack.sh on every up.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
daemonize yes
supervised no
pidfile $REDIS_PID
logfile $REDIS_LOG
loglevel notice
dir $REDIS_DIR/data
dbfilename dump.rdb
save 3600 1 300 100 60 10000
appendonly no
databases 16
EOF
  touch "$REDIS_LOG"
  chown -R "$user:" "$REDIS_DIR"
  [ "$user" = root ] || ensure_traversable "$user" "$REDIS_DIR"
  require_free_port "$REDIS_PORT" redis
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  if ! (cd "$REDIS_DIR" && run_clean runuser -u "$user" -- redis-server "$REDIS_DIR/redis.conf" >>"$REDIS_LOG" 2>&1 9>&-); then
    show_tail "$REDIS_LOG"
    die "redis: redis-server failed to start"
  fi
  record_port "$REDIS_DIR/port" "$REDIS_PORT"
  redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && [ -n "$(redis_pid)" ]; }
  wait_for redis "$WAIT_TIMEOUT" "" "$REDIS_LOG" redis_ready
  log "redis: ready (pid $(redis_pid)) in $(elapsed "$start")s"
}

redis_stop() {
  local pid
  pid="$(redis_pid)"
  if [ -z "$pid" ]; then
    log "redis: not running"
    return 0
  fi
  log "redis: stopping (pid $pid)"
  stop_pid redis "$pid" 30
  rm -f "$REDIS_PID"
  log "redis: stopped"
}

# ---------------------------------------------------------------- clickhouse

ch_pid() {
  local pid
  pid="$(read_pid "$CH_PID")"
  if [ -n "$pid" ] && pid_matches "$pid" clickhouse "--config-file=$CH_CONF"; then
    printf '%s\n' "$pid"
  fi
}

ch_ping() {
  [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$1/ping" 2>/dev/null)" = "Ok." ]
}

# users.xml from scripts/stack/clickhouse/users.xml: passwords as SHA-256, reader limits from
# the environment. Written only when it changes; a running server reloads it by itself.
ch_write_users() {
  local WRITER_USER="$CLICKHOUSE_WRITER_USER" READER_USER="$CLICKHOUSE_READER_USER"
  local WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256
  local READER_MAX_EXECUTION_TIME="$CLICKHOUSE_READER_MAX_EXECUTION_TIME"
  local READER_MAX_MEMORY_USAGE="$CLICKHOUSE_READER_MAX_MEMORY_USAGE"
  local READER_MAX_ROWS_TO_READ="$CLICKHOUSE_READER_MAX_ROWS_TO_READ"
  local name
  for name in WRITER_USER READER_USER; do
    [[ "${!name}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a plain lowercase name"
  done
  for name in READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ; do
    [[ "${!name}" =~ ^[0-9]+$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a number"
  done
  WRITER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_WRITER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  READER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_READER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  render "$TPL_DIR/clickhouse/users.xml" "$CH_DIR/users.xml.new" WRITER_USER READER_USER \
    WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256 \
    READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ
  chmod 640 "$CH_DIR/users.xml.new"
  chown clickhouse:clickhouse "$CH_DIR/users.xml.new"
  if cmp -s "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"; then
    rm -f "$CH_DIR/users.xml.new"
  else
    mv -f "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"
    log "clickhouse: users $CLICKHOUSE_WRITER_USER (writer) and $CLICKHOUSE_READER_USER (read-only, limited) written to $CH_DIR/users.xml"
  fi
}

ch_start() {
  local pid start
  pid="$(ch_pid)"
  if [ -n "$pid" ]; then
    log "clickhouse: already running (pid $pid, http port $(recorded_port "$CH_DIR/port" "$CLICKHOUSE_HTTP_PORT")); leaving it"
    ch_write_users
    return 0
  fi
  start="$(now)"
  getent passwd clickhouse >/dev/null || die "clickhouse: the clickhouse system user does not exist (is clickhouse-server installed?)"
  local d
  for d in "$CH_DIR" "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/log"; do
    install -d -o clickhouse -g clickhouse -m 750 "$d"
  done
  ensure_traversable clickhouse "$CH_DIR"
  local HTTP_PORT="$CLICKHOUSE_HTTP_PORT" TCP_PORT="$CLICKHOUSE_TCP_PORT" INTERSERVER_PORT="$CLICKHOUSE_INTERSERVER_PORT"
  render "$TPL_DIR/clickhouse/config.xml.tmpl" "$CH_CONF" CH_DIR HTTP_PORT TCP_PORT INTERSERVER_PORT
  chown clickhouse:clickhouse "$CH_CONF"
  ch_write_users
  if [ -e "$CH_PID" ]; then
    log "clickhouse: removing stale pid file $CH_PID"
    rm -f "$CH_PID"
  fi
  require_free_port "$CLICKHOUSE_HTTP_PORT" "clickhouse (http)"
  require_free_port "$CLICKHOUSE_TCP_PORT" "clickhouse (native)"
  require_free_port "$CLICKHOUSE_INTERSERVER_PORT" "clickhouse (interserver)"
  log "clickhouse: starting on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (http), :$CLICKHOUSE_TCP_PORT (native)"
  # --pidfile, not --pid-file (the latter is silently ignored by 18.16).
  if ! (cd "$CH_DIR" && run_clean runuser -u clickhouse -- clickhouse-server --config-file="$CH_CONF" \
          --pidfile="$CH_PID" --daemon >>"$CH_DIR/launch.log" 2>&1 9>&-); then
    show_tail "$CH_DIR/launch.log" "$CH_DIR/log/stderr.log" "$CH_ERRLOG"
    die "clickhouse: clickhouse-server failed to start"
  fi
  record_port "$CH_DIR/port" "$CLICKHOUSE_HTTP_PORT"
  record_port "$CH_DIR/tcp_port" "$CLICKHOUSE_TCP_PORT"
  local i logs="$CH_ERRLOG $CH_DIR/log/stderr.log $CH_DIR/launch.log"
  for (( i = 0; i < 100; i++ )); do [ -s "$CH_PID" ] && break; sleep 0.1; done
  pid="$(read_pid "$CH_PID")"
  if [ -z "$pid" ]; then
    show_tail $logs
    die "clickhouse: the daemon wrote no pid file (see the log above)"
  fi
  ch_ready() { ch_ping "$CLICKHOUSE_HTTP_PORT" && [ -n "$(ch_pid)" ]; }
  wait_for clickhouse "$WAIT_TIMEOUT" "$pid" "$logs" ch_ready
  log "clickhouse: ready (pid $(ch_pid), version $(curl -fsS --max-time 5 "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/?query=SELECT%20version()" || echo '?')) in $(elapsed "$start")s"
}

ch_stop() {
  local pid
  pid="$(ch_pid)"
  if [ -z "$pid" ]; then
    log "clickhouse: not running"
    return 0
  fi
  log "clickhouse: stopping (pid $pid)"
  stop_pid clickhouse "$pid" 60
  rm -f "$CH_PID"
  log "clickhouse: stopped"
}

# ---------------------------------------------------------------- kafka

kafka_pid() {
  local pid
  pid="$(read_pid "$KAFKA_PID")"
  if [ -n "$pid" ] && pid_matches "$pid" java kafka.Kafka "$KAFKA_PROPS"; then
    printf '%s\n' "$pid"
  fi
}

kafka_resolve_libs() {
  local want have start
  want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
  have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
  log "kafka: resolving jars with mvn from scripts/stack/kafka/pom.xml into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.new"
  if ! mvn -q -B -f "$TPL_DIR/kafka/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$KAFKA_LIBS.new" >"$KAFKA_DIR/log/mvn.log" 2>&1; then
    show_tail "$KAFKA_DIR/log/mvn.log"
    die "kafka: mvn could not resolve the Kafka jars"
  fi
  printf '%s\n' "$want" > "$KAFKA_LIBS.new/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.new" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars resolved in $(elapsed "$start")s"
}

# The SCRAM passwords of this stack's principals: generated once, kept (mode 600) beside the
# data they were formatted into, and reused on every start.
kafka_credentials() {
  if [ ! -s "$KAFKA_CREDENTIALS" ]; then
    local name
    umask 077
    {
      for name in ADMIN CONTROLLER APP PRODUCER TEST_PRODUCER; do
        printf 'KAFKA_%s_PASSWORD=%s\n' "$name" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      done
    } > "$KAFKA_CREDENTIALS.tmp"
    mv -f "$KAFKA_CREDENTIALS.tmp" "$KAFKA_CREDENTIALS"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$KAFKA_CREDENTIALS"
}

# server.properties for this stack's mode (SASL or plaintext).
kafka_render_props() {
  local KAFKA_LISTENER_CONFIG listeners_tpl="$TPL_DIR/kafka/listeners-plaintext.properties.tmpl"
  [ "$KAFKA_SASL" = on ] && listeners_tpl="$TPL_DIR/kafka/listeners-sasl.properties.tmpl"
  render "$listeners_tpl" "$KAFKA_DIR/listeners.properties" KAFKA_PORT KAFKA_CONTROLLER_PORT \
    KAFKA_ADMIN_USERNAME KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD
  KAFKA_LISTENER_CONFIG="$(<"$KAFKA_DIR/listeners.properties")"
  rm -f "$KAFKA_DIR/listeners.properties"
  render "$TPL_DIR/kafka/server.properties.tmpl" "$1" KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA \
    KAFKA_LISTENER_CONFIG
  chmod 600 "$1"
}

# Client settings for Kafka's own tools, as the admin principal.
kafka_admin_client_props() {
  umask 077
  cat > "$KAFKA_ADMIN_CLIENT" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USERNAME" password="$KAFKA_ADMIN_PASSWORD";
PROPS
  umask 022
}

# The ACLs of the local stack. The app: its topics (the events topic and its dead-letter topic;
# test. and bench. ones for the test suite and benchmarks) and consumer groups. Producers: write
# (and describe) the events topic only, nothing else; the test producer the same on test. topics.
kafka_acl_spec() {
  local app="User:$KAFKA_APP_USERNAME"
  printf '%s\n' \
    "--allow-principal $app --resource-pattern-type prefixed --topic tenant_events --topic test. --topic bench. --operation Read --operation Write --operation Create --operation Describe --operation DescribeConfigs --operation AlterConfigs" \
    "--allow-principal $app --resource-pattern-type prefixed --group tenantry --group test- --group test. --group bench. --operation Read --operation Describe" \
    "--allow-principal User:$KAFKA_PRODUCER_USERNAME --resource-pattern-type literal --topic tenant_events --operation Write --operation Describe" \
    "--allow-principal User:$KAFKA_TEST_PRODUCER_USERNAME --resource-pattern-type prefixed --topic test. --operation Write --operation Describe"
}

# Grants the ACLs (AclCommand adds idempotently); skipped when this exact set was granted to
# this data folder before.
kafka_grant_acls() {
  local java="$1" want have line start
  want="$(kafka_acl_spec | sha256sum | cut -d' ' -f1)"
  have="$(cat "$KAFKA_DATA/.acls.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
  kafka_admin_client_props
  while IFS= read -r line; do
    # shellcheck disable=SC2086
    if ! "$java" -Xms32m -Xmx256m -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.AclCommand \
          --bootstrap-server "127.0.0.1:$KAFKA_PORT" --command-config "$KAFKA_ADMIN_CLIENT" \
          --add $line >>"$KAFKA_DIR/log/acls.log" 2>&1; then
      show_tail "$KAFKA_DIR/log/acls.log"
      die "kafka: granting ACLs failed"
    fi
  done < <(kafka_acl_spec)
  printf '%s\n' "$want" > "$KAFKA_DATA/.acls.sha256"
  log "kafka: ACLs granted in $(elapsed "$start")s (principals $KAFKA_APP_USERNAME, $KAFKA_PRODUCER_USERNAME, $KAFKA_TEST_PRODUCER_USERNAME)"
}

kafka_start() {
  local pid start java
  mkdir -p "$KAFKA_DIR/log" "$KAFKA_DATA"
  kafka_credentials
  pid="$(kafka_pid)"
  if [ -n "$pid" ]; then
    local want have
    want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
    have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
    kafka_render_props "$KAFKA_PROPS.next"
    if [ "$want" = "$have" ] && cmp -s "$KAFKA_PROPS" "$KAFKA_PROPS.next"; then
      rm -f "$KAFKA_PROPS.next"
      log "kafka: already running (pid $pid, port $(recorded_port "$KAFKA_DIR/port" "$KAFKA_PORT")); leaving it"
      kafka_grant_acls "$(java_bin)"
      return 0
    fi
    # Another listener setup (SASL) or other jars: a running broker with the old ones would
    # refuse the app's credentials, so it is restarted on the new ones.
    rm -f "$KAFKA_PROPS.next"
    warn "kafka: its configuration or jars changed; restarting it"
    kafka_stop
  fi
  start="$(now)"
  java="$(java_bin)" || die "kafka: no Java 17+ found"
  kafka_resolve_libs
  kafka_render_props "$KAFKA_PROPS"
  local jvm_opts=(
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.shutdownHookEnabled=false
    "-Dkafka.logs.dir=$KAFKA_DIR/log"
    "-Dlog4j2.configurationFile=$TPL_DIR/kafka/log4j2.yaml"
  )
  # Storage formatted for another mode (data from before SASL) holds no SCRAM users: the
  # broker could not authenticate even itself. Its topics are transient; format it anew.
  if [ -s "$KAFKA_DATA/meta.properties" ] \
      && [ "$(cat "$KAFKA_DATA/.tenantry-security" 2>/dev/null || echo none)" != "sasl-$KAFKA_SASL" ]; then
    warn "kafka: storage in $KAFKA_DATA was formatted without this security setup; formatting it anew (its topics are dropped)"
    find "$KAFKA_DATA" -mindepth 1 -delete
  fi
  if [ ! -s "$KAFKA_DATA/meta.properties" ]; then
    local cluster_id scram=()
    # A random Kafka UUID: 16 bytes, base64url without padding (22 chars); a
    # leading '-' would be read as an option by the storage tool.
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
    done
    if [ "$KAFKA_SASL" = on ]; then
      # SCRAM users written into the metadata at format time: the broker's own (inter-broker)
      # principal must exist before the broker can start.
      scram=(
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN_USERNAME,password=$KAFKA_ADMIN_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_APP_USERNAME,password=$KAFKA_APP_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_PRODUCER_USERNAME,password=$KAFKA_PRODUCER_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_PRODUCER_USERNAME,password=$KAFKA_TEST_PRODUCER_PASSWORD]"
      )
    fi
    log "kafka: formatting storage in $KAFKA_DATA (cluster id $cluster_id, SASL $KAFKA_SASL)"
    if ! "$java" "${jvm_opts[@]/-Xms$KAFKA_HEAP/-Xms64m}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
          -t "$cluster_id" -c "$KAFKA_PROPS" "${scram[@]}" >"$KAFKA_DIR/log/format.log" 2>&1; then
      show_tail "$KAFKA_DIR/log/format.log"
      die "kafka: storage format failed"
    fi
    printf 'sasl-%s\n' "$KAFKA_SASL" > "$KAFKA_DATA/.tenantry-security"
  fi
  if [ -e "$KAFKA_PID" ]; then
    log "kafka: removing stale pid file $KAFKA_PID"
    rm -f "$KAFKA_PID"
  fi
  require_free_port "$KAFKA_PORT" kafka
  require_free_port "$KAFKA_CONTROLLER_PORT" "kafka (controller)"
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  # Mark the start in the broker log (not running, so nobody else writes it),
  # so a failure shows this run's lines and readiness ignores older ones.
  printf '===== scripts/stack.sh: starting kafka, %s =====\n' "$(date -u +%FT%TZ)" >> "$KAFKA_LOG"
  local log_offset
  log_offset="$(stat -c %s "$KAFKA_LOG")"
  # setsid: its own session, so it outlives this shell and its process group.
  # The inner shell writes its own pid, then exec keeps that pid for java.
  # A plain background command (no subshell), so nothing of ours waits on it
  # while holding our stdout or the lock (fd 9).
  setsid bash -c "$CLOSE_FDS"'; cd "$1" && echo $$ > "$2" && shift 2 && exec "$@"' kafka-launch "$KAFKA_DIR" "$KAFKA_PID" \
      nohup "$java" "${jvm_opts[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
      >"$KAFKA_OUT" 2>&1 </dev/null 9>&- &
  local i
  for (( i = 0; i < 50; i++ )); do [ -s "$KAFKA_PID" ] && break; sleep 0.1; done
  pid="$(read_pid "$KAFKA_PID")"
  [ -n "$pid" ] || die "kafka: did not write its pid file"
  record_port "$KAFKA_DIR/port" "$KAFKA_PORT"
  kafka_ready() {
    [ -f "$KAFKA_LOG" ] && tail -c +"$((log_offset + 1))" "$KAFKA_LOG" | grep -q 'Kafka Server started' \
      && port_open "$KAFKA_PORT"
  }
  wait_for kafka "$WAIT_TIMEOUT" "$pid" "$KAFKA_OUT $KAFKA_LOG" kafka_ready
  log "kafka: ready (pid $(kafka_pid)) in $(elapsed "$start")s"
  [ "$KAFKA_SASL" = on ] && kafka_grant_acls "$java"
  return 0
}

kafka_stop() {
  local pid
  pid="$(kafka_pid)"
  if [ -z "$pid" ]; then
    log "kafka: not running"
    return 0
  fi
  log "kafka: stopping (pid $pid)"
  stop_pid kafka "$pid" 60
  rm -f "$KAFKA_PID"
  log "kafka: stopped"
}

# ---------------------------------------------------------------- commands

svc_pid() {
  case "$1" in
    postgres) pg_pid ;;
    redis) redis_pid ;;
    clickhouse) ch_pid ;;
    kafka) kafka_pid ;;
  esac
}

svc_dir() {
  case "$1" in
    postgres) printf '%s\n' "$PG_DIR" ;;
    redis) printf '%s\n' "$REDIS_DIR" ;;
    clickhouse) printf '%s\n' "$CH_DIR" ;;
    kafka) printf '%s\n' "$KAFKA_DIR" ;;
  esac
}

svc_port() {
  case "$1" in
    postgres) recorded_port "$PG_DIR/port" "$PG_PORT" ;;
    redis) recorded_port "$REDIS_DIR/port" "$REDIS_PORT" ;;
    clickhouse) recorded_port "$CH_DIR/port" "$CLICKHOUSE_HTTP_PORT" ;;
    kafka) recorded_port "$KAFKA_DIR/port" "$KAFKA_PORT" ;;
  esac
}

svc_address() {
  local port
  port="$(svc_port "$1")"
  case "$1" in
    postgres) printf 'postgresql://127.0.0.1:%s/%s\n' "$port" "$DATABASE_NAME" ;;
    redis) printf 'redis://127.0.0.1:%s\n' "$port" ;;
    clickhouse) printf 'http://127.0.0.1:%s (native :%s)\n' "$port" "$(recorded_port "$CH_DIR/tcp_port" "$CLICKHOUSE_TCP_PORT")" ;;
    kafka) printf '127.0.0.1:%s\n' "$port" ;;
  esac
}

svc_log() {
  case "$1" in
    postgres) printf '%s\n' "$PG_LOG" ;;
    redis) printf '%s\n' "$REDIS_LOG" ;;
    clickhouse) printf '%s\n' "$CH_LOG" ;;
    kafka) printf '%s\n' "$KAFKA_LOG" ;;
  esac
}

# Print KEY=value, quoting the value only when the shell needs it.
env_line() {
  if [[ "$2" =~ ^[A-Za-z0-9_./:@%+=,-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf '%s=%q\n' "$1" "$2"
  fi
}

write_stack_env() {
  {
    echo "# Tenantry local stack ($STACK_DIR), written by scripts/stack.sh up."
    echo "# Source it: set -a; . $STACK_ENV; set +a"
    env_line DATABASE_HOST 127.0.0.1
    env_line DATABASE_PORT "$(svc_port postgres)"
    env_line DATABASE_NAME "$DATABASE_NAME"
    env_line DATABASE_OWNER_USER "$DATABASE_OWNER_USER"
    env_line DATABASE_OWNER_PASSWORD "$DATABASE_OWNER_PASSWORD"
    env_line DATABASE_APP_USER "$DATABASE_APP_USER"
    env_line DATABASE_APP_PASSWORD "$DATABASE_APP_PASSWORD"
    env_line DATABASE_PLATFORM_USER "$DATABASE_PLATFORM_USER"
    env_line DATABASE_PLATFORM_PASSWORD "$DATABASE_PLATFORM_PASSWORD"
    env_line CLICKHOUSE_WRITER_USER "$CLICKHOUSE_WRITER_USER"
    env_line CLICKHOUSE_WRITER_PASSWORD "$CLICKHOUSE_WRITER_PASSWORD"
    env_line CLICKHOUSE_READER_USER "$CLICKHOUSE_READER_USER"
    env_line CLICKHOUSE_READER_PASSWORD "$CLICKHOUSE_READER_PASSWORD"
    env_line REDIS_URL "redis://127.0.0.1:$(svc_port redis)"
    env_line CLICKHOUSE_URL "http://127.0.0.1:$(svc_port clickhouse)"
    env_line KAFKA_BROKERS "127.0.0.1:$(svc_port kafka)"
    if [ "$KAFKA_SASL" = on ] && [ -s "$KAFKA_CREDENTIALS" ]; then
      # shellcheck disable=SC1090
      . "$KAFKA_CREDENTIALS"
      # The app's principal; the producers' for the README and the tests; the admin's for
      # the test suite's topic clean-up and Kafka's own tools (never for the app).
      env_line KAFKA_SASL_USERNAME "$KAFKA_APP_USERNAME"
      env_line KAFKA_SASL_PASSWORD "$KAFKA_APP_PASSWORD"
      env_line KAFKA_PRODUCER_USERNAME "$KAFKA_PRODUCER_USERNAME"
      env_line KAFKA_PRODUCER_PASSWORD "$KAFKA_PRODUCER_PASSWORD"
      env_line KAFKA_TEST_PRODUCER_USERNAME "$KAFKA_TEST_PRODUCER_USERNAME"
      env_line KAFKA_TEST_PRODUCER_PASSWORD "$KAFKA_TEST_PRODUCER_PASSWORD"
      env_line KAFKA_ADMIN_USERNAME "$KAFKA_ADMIN_USERNAME"
      env_line KAFKA_ADMIN_PASSWORD "$KAFKA_ADMIN_PASSWORD"
    fi
  } > "$STACK_ENV.tmp"
  mv -f "$STACK_ENV.tmp" "$STACK_ENV"
}

print_table() {
  local svc pid
  printf '\n%-11s %-8s %-46s %s\n' SERVICE PID ADDRESS LOG
  for svc in "$@"; do
    pid="$(svc_pid "$svc")"
    printf '%-11s %-8s %-46s %s\n' "$svc" "${pid:--}" "$(svc_address "$svc")" "$(svc_log "$svc")"
  done
  printf '\n'
}

# Parse service names (default: all) into SERVICES, in the canonical order.
parse_services() {
  local s ok known wanted=()
  SERVICES=()
  for s in "$@"; do
    ok=0
    for known in "${ALL_SERVICES[@]}"; do [ "$s" = "$known" ] && ok=1; done
    [ "$ok" = 1 ] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"
    wanted+=("$s")
  done
  [ "${#wanted[@]}" -gt 0 ] || wanted=("${ALL_SERVICES[@]}")
  for known in "${ALL_SERVICES[@]}"; do
    for s in "${wanted[@]}"; do
      if [ "$s" = "$known" ]; then SERVICES+=("$known"); break; fi
    done
  done
}

check_ports() {
  local name port seen=" "
  for name in PG_PORT REDIS_PORT CLICKHOUSE_HTTP_PORT CLICKHOUSE_TCP_PORT CLICKHOUSE_INTERSERVER_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT; do
    port="${!name}"
    [[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) || die "$name=$port is not a port number"
    [[ "$seen" != *" $port "* ]] || die "$name=$port is used twice"
    seen+="$port "
  done
}

# fd 9 holds the lock; every server is started with 9>&- so it does not inherit it.
take_lock() {
  exec 9>"$STACK_DIR/.lock"
  flock -w 120 9 || die "another scripts/stack.sh is working on $STACK_DIR"
}

cmd_up() {
  parse_services "$@"
  check_ports
  [ "$(id -u)" = 0 ] || die "run as root (it installs packages and runs the servers as their system users)"
  local start
  start="$(now)"
  mkdir -p "$STACK_DIR"
  STACK_DIR_ABS="$(cd "$STACK_DIR" && pwd -P)"
  [ "$STACK_DIR_ABS" = "$STACK_DIR" ] || die "internal: stack dir moved ($STACK_DIR -> $STACK_DIR_ABS)"
  take_lock
  log "stack dir: $STACK_DIR; services: ${SERVICES[*]}"
  ensure_installed "${SERVICES[@]}"
  local svc
  for svc in "${SERVICES[@]}"; do
    case "$svc" in
      postgres) pg_start ;;
      redis) redis_start ;;
      clickhouse) ch_start ;;
      kafka) kafka_start ;;
    esac
  done
  write_stack_env
  print_table "${SERVICES[@]}"
  log "app settings: $STACK_ENV   (set -a; . $STACK_ENV; set +a)"
  log "up done in $(elapsed "$start")s"
}

cmd_down() {
  local purge=0 args=() a
  for a in "$@"; do
    case "$a" in
      --purge) purge=1 ;;
      *) args+=("$a") ;;
    esac
  done
  parse_services "${args[@]+"${args[@]}"}"
  if [ ! -d "$STACK_DIR" ]; then
    log "nothing to stop: $STACK_DIR does not exist"
    return 0
  fi
  take_lock
  local i svc
  for (( i = ${#SERVICES[@]} - 1; i >= 0; i-- )); do
    svc="${SERVICES[$i]}"
    case "$svc" in
      postgres) pg_stop ;;
      redis) redis_stop ;;
      clickhouse) ch_stop ;;
      kafka) kafka_stop ;;
    esac
  done
  if [ "$purge" = 1 ]; then
    for svc in "${SERVICES[@]}"; do
      if [ "$svc" = kafka ] && [ -d "$KAFKA_LIBS" ]; then
        # Keep the resolved jars: they are a cache, not data.
        find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} +
      else
        rm -rf "$(svc_dir "$svc")"
      fi
      log "$svc: data removed"
    done
    if [ "${#SERVICES[@]}" = "${#ALL_SERVICES[@]}" ]; then
      rm -f "$STACK_ENV" "$STACK_DIR/install.log"
    fi
  fi
}

cmd_status() {
  parse_services "$@"
  local svc pid all=0
  printf '%-11s %-8s %-8s %-46s %s\n' SERVICE STATE PID ADDRESS LOG
  for svc in "${SERVICES[@]}"; do
    pid=""
    [ -d "$STACK_DIR" ] && pid="$(svc_pid "$svc")"
    if [ -n "$pid" ]; then
      printf '%-11s %-8s %-8s %-46s %s\n' "$svc" running "$pid" "$(svc_address "$svc")" "$(svc_log "$svc")"
    else
      printf '%-11s %-8s %-8s %-46s %s\n' "$svc" stopped - "$(svc_address "$svc")" "$(svc_log "$svc")"
      all=3
    fi
  done
  [ -f "$STACK_ENV" ] && printf '\nenv: %s\n' "$STACK_ENV"
  return "$all"
}

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

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    reset) cmd_down --purge ;;
    env) printf '%s\n' "$STACK_ENV" ;;
    browser) cmd_browser ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
