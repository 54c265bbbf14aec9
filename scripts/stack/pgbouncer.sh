# shellcheck shell=bash
# PgBouncer (Debian's package) in transaction mode in front of the stack's PostgreSQL, run as
# postgres from the stack folder (never the Debian service). Started by `up` only with
# PGBOUNCER=on, or when named (`up pgbouncer`). Sourced by scripts/stack.sh.

PGBOUNCER_PORT="${PGBOUNCER_PORT:-56432}"
PGBOUNCER_BIN="${PGBOUNCER_BIN:-/usr/sbin/pgbouncer}"

PGB_DIR="$STACK_DIR/pgbouncer"
PGB_LOG="$PGB_DIR/log/pgbouncer.log"

pgb_pid() {
  local pid
  pid="$(read_pid "$PGB_DIR/pgbouncer.pid")"
  if [ -n "$pid" ] && pid_matches "$pid" pgbouncer "$PGB_DIR/pgbouncer.ini"; then
    printf '%s\n' "$pid"
  fi
}

# userlist.txt: the SCRAM verifiers of the owner, app and platform roles, from pg_authid (so a
# password changed by bootstrap.sql is picked up on the next up). Mode 600, owned by postgres.
pgb_write_userlist() {
  local port lines
  # shellcheck disable=SC2153  # PG_DIR, PG_SOCK: postgres.sh
  port="$(recorded_port "$PG_DIR/port" "$PG_PORT")"
  lines="$(psql -X -qAt -h "$PG_SOCK" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -v owner="$DATABASE_OWNER_USER" -v app="$DATABASE_APP_USER" -v platform="$DATABASE_PLATFORM_USER" \
      -f - <<'SQL'
SELECT format('"%s" "%s"', rolname, rolpassword)
  FROM pg_authid
 WHERE rolname IN (:'owner', :'app', :'platform') AND rolpassword LIKE 'SCRAM-SHA-256$%'
 ORDER BY rolname;
SQL
  )" || die "pgbouncer: could not read the roles' password verifiers from postgres"
  [ "$(printf '%s\n' "$lines" | grep -c .)" = 3 ] \
    || die "pgbouncer: expected SCRAM verifiers for $DATABASE_OWNER_USER, $DATABASE_APP_USER and $DATABASE_PLATFORM_USER in pg_authid"
  ( umask 077; printf '%s\n' "$lines" > "$PGB_DIR/userlist.txt.new" )
  chown postgres:postgres "$PGB_DIR/userlist.txt.new"
  mv -f "$PGB_DIR/userlist.txt.new" "$PGB_DIR/userlist.txt"
}

pgb_start() {
  local pid start PGB_PG_PORT
  [ -n "$(pg_pid)" ] || die "pgbouncer: this stack's postgres is not running (up postgres pgbouncer)"
  [ -x "$PGBOUNCER_BIN" ] || die "pgbouncer: $PGBOUNCER_BIN is missing"
  install -d -o postgres -g postgres -m 700 "$PGB_DIR" "$PGB_DIR/log"
  ensure_traversable postgres "$PGB_DIR"
  pgb_write_userlist
  # shellcheck disable=SC2034  # read by render
  PGB_PG_PORT="$(recorded_port "$PG_DIR/port" "$PG_PORT")"
  pid="$(pgb_pid)"
  if [ -n "$pid" ]; then
    # Running: the userlist (and the config) are re-read on SIGHUP, the port stays.
    local running_port
    running_port="$(recorded_port "$PGB_DIR/port" "$PGBOUNCER_PORT")"
    PGBOUNCER_PORT="$running_port" render "$TPL_DIR/pgbouncer/pgbouncer.ini.tmpl" "$PGB_DIR/pgbouncer.ini" \
      PGB_PG_PORT PGBOUNCER_PORT PGB_DIR DATABASE_OWNER_USER DATABASE_PLATFORM_USER
    kill -HUP "$pid"
    sleep 0.2
    pgb_check_login "$running_port"
    log "pgbouncer: already running (pid $pid, port $running_port); reloaded its userlist"
    return 0
  fi
  start="$(now)"
  require_free_port "$PGBOUNCER_PORT" pgbouncer
  render "$TPL_DIR/pgbouncer/pgbouncer.ini.tmpl" "$PGB_DIR/pgbouncer.ini" \
    PGB_PG_PORT PGBOUNCER_PORT PGB_DIR DATABASE_OWNER_USER DATABASE_PLATFORM_USER
  chown postgres:postgres "$PGB_DIR/pgbouncer.ini"
  rm -f "$PGB_DIR/pgbouncer.pid"
  log "pgbouncer: starting on 127.0.0.1:$PGBOUNCER_PORT (transaction mode, in front of postgres :$PGB_PG_PORT)"
  (cd "$PGB_DIR" && run_clean runuser -u postgres -- "$PGBOUNCER_BIN" -d -q "$PGB_DIR/pgbouncer.ini" 9>&-) \
    || { show_tail "$PGB_LOG"; die "pgbouncer: did not start (see the log above)"; }
  record_port "$PGB_DIR/port" "$PGBOUNCER_PORT"
  wait_for pgbouncer "$WAIT_TIMEOUT" "" "$PGB_LOG" \
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGBOUNCER_PORT" -d "$DATABASE_NAME"
  pgb_check_login "$PGBOUNCER_PORT"
  log "pgbouncer: ready (pid $(pgb_pid)) in $(elapsed "$start")s"
}

# The app role logs in through it (SCRAM against the copied verifier, then on to PostgreSQL
# with the client's keys) and gets the role's statement_timeout (bootstrap.sql).
pgb_check_login() {
  local timeout
  if ! timeout="$(PGPASSWORD="$DATABASE_APP_PASSWORD" PGCONNECT_TIMEOUT=10 psql -X -qAt \
      -h 127.0.0.1 -p "$1" -U "$DATABASE_APP_USER" -d "$DATABASE_NAME" -c 'SHOW statement_timeout' 2>&1)"; then
    show_tail "$PGB_LOG"
    die "pgbouncer: $DATABASE_APP_USER could not log in through it: $timeout"
  fi
  [ "$timeout" != 0 ] || warn "pgbouncer: $DATABASE_APP_USER has no statement_timeout (bootstrap.sql sets one)"
}

pgb_stop() {
  local pid
  pid="$(pgb_pid)"
  if [ -z "$pid" ]; then
    log "pgbouncer: not running"
    return 0
  fi
  log "pgbouncer: stopping (pid $pid)"
  stop_pid pgbouncer "$pid" 15
  log "pgbouncer: stopped"
}
