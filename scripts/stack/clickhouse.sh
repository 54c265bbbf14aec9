# shellcheck shell=bash
# ClickHouse (Debian's 18.16) of the local stack: config.xml and users.xml from the templates in
# clickhouse/, start, stop. Sourced by scripts/stack.sh.

CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-58123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-59000}"
CLICKHOUSE_INTERSERVER_PORT="${CLICKHOUSE_INTERSERVER_PORT:-59009}"

# ClickHouse users (scripts/stack/clickhouse/users.xml): the writer for ingestion and schema
# steps, the read-only reader (with query limits) for analytics, and the same reader at a low
# priority for a tenant's 2nd and later analytics queries running at once.
CLICKHOUSE_WRITER_USER="${CLICKHOUSE_WRITER_USER:-tenantry_writer}"
CLICKHOUSE_WRITER_PASSWORD="${CLICKHOUSE_WRITER_PASSWORD:-tenantry_writer_dev}"
CLICKHOUSE_READER_USER="${CLICKHOUSE_READER_USER:-tenantry_reader}"
CLICKHOUSE_READER_PASSWORD="${CLICKHOUSE_READER_PASSWORD:-tenantry_reader_dev}"
CLICKHOUSE_READER_BACKGROUND_USER="${CLICKHOUSE_READER_BACKGROUND_USER:-tenantry_reader_background}"
CLICKHOUSE_READER_BACKGROUND_PASSWORD="${CLICKHOUSE_READER_BACKGROUND_PASSWORD:-tenantry_reader_background_dev}"
CLICKHOUSE_READER_MAX_EXECUTION_TIME="${CLICKHOUSE_READER_MAX_EXECUTION_TIME:-30}"
CLICKHOUSE_READER_MAX_MEMORY_USAGE="${CLICKHOUSE_READER_MAX_MEMORY_USAGE:-2000000000}"
CLICKHOUSE_READER_MAX_ROWS_TO_READ="${CLICKHOUSE_READER_MAX_ROWS_TO_READ:-2000000}"
# Threads per background (low-priority) query: half the cores, so a tenant's heavy queries in
# their turn always leave the other half to everyone's normal ones (README, "Fair analytics").
CLICKHOUSE_READER_BACKGROUND_MAX_THREADS="${CLICKHOUSE_READER_BACKGROUND_MAX_THREADS:-$(( $(nproc) / 2 > 1 ? $(nproc) / 2 : 1 ))}"

CH_DIR="$STACK_DIR/clickhouse"
CH_CONF="$CH_DIR/config.xml"
CH_PID="$CH_DIR/clickhouse-server.pid"
# shellcheck disable=SC2034  # read by svc_log in commands.sh
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"

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
  local READER_BACKGROUND_USER="$CLICKHOUSE_READER_BACKGROUND_USER"
  local WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256 READER_BACKGROUND_PASSWORD_SHA256
  local READER_MAX_EXECUTION_TIME="$CLICKHOUSE_READER_MAX_EXECUTION_TIME"
  local READER_MAX_MEMORY_USAGE="$CLICKHOUSE_READER_MAX_MEMORY_USAGE"
  local READER_MAX_ROWS_TO_READ="$CLICKHOUSE_READER_MAX_ROWS_TO_READ"
  local READER_BACKGROUND_MAX_THREADS="$CLICKHOUSE_READER_BACKGROUND_MAX_THREADS"
  local name
  for name in WRITER_USER READER_USER READER_BACKGROUND_USER; do
    [[ "${!name}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a plain lowercase name"
  done
  for name in READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ \
    READER_BACKGROUND_MAX_THREADS; do
    [[ "${!name}" =~ ^[0-9]+$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a number"
  done
  WRITER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_WRITER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  READER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_READER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  READER_BACKGROUND_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_READER_BACKGROUND_PASSWORD" | sha256sum | cut -d' ' -f1)"
  render "$TPL_DIR/clickhouse/users.xml" "$CH_DIR/users.xml.new" WRITER_USER READER_USER \
    READER_BACKGROUND_USER WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256 \
    READER_BACKGROUND_PASSWORD_SHA256 \
    READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ \
    READER_BACKGROUND_MAX_THREADS
  chmod 640 "$CH_DIR/users.xml.new"
  chown clickhouse:clickhouse "$CH_DIR/users.xml.new"
  if cmp -s "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"; then
    rm -f "$CH_DIR/users.xml.new"
  else
    mv -f "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"
    log "clickhouse: users $CLICKHOUSE_WRITER_USER (writer) and $CLICKHOUSE_READER_USER (read-only, limited) and $CLICKHOUSE_READER_BACKGROUND_USER (the same, low priority) written to $CH_DIR/users.xml"
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
  # shellcheck disable=SC2317  # called through wait_for
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
