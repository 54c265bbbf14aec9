# shellcheck shell=bash
# PostgreSQL 15 of the local stack: initdb, tenantry.conf, start, the roles and database of
# postgres/bootstrap.sql, stop. Sourced by scripts/stack.sh.

PG_PORT="${PG_PORT:-55432}"

DATABASE_NAME="${DATABASE_NAME:-tenantry}"
DATABASE_OWNER_USER="${DATABASE_OWNER_USER:-tenantry_owner}"
DATABASE_OWNER_PASSWORD="${DATABASE_OWNER_PASSWORD:-tenantry_owner_dev}"
DATABASE_APP_USER="${DATABASE_APP_USER:-tenantry_app}"
DATABASE_APP_PASSWORD="${DATABASE_APP_PASSWORD:-tenantry_app_dev}"
DATABASE_PLATFORM_USER="${DATABASE_PLATFORM_USER:-tenantry_platform}"
DATABASE_PLATFORM_PASSWORD="${DATABASE_PLATFORM_PASSWORD:-tenantry_platform_dev}"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

# A second cluster (service postgres-silo) holds the databases of siloed tenants (placements,
# issue 18): same roles, its own folder, port and database; smaller shared_buffers.
PG_SILO_PORT="${PG_SILO_PORT:-55433}"
PG_SILO_SHARED_BUFFERS="${PG_SILO_SHARED_BUFFERS:-128MB}"
PG_MAIN_PORT="$PG_PORT"
PG_MAIN_DATABASE="$DATABASE_NAME"

# Point the pg_* functions at one cluster: main (service postgres) or silo (postgres-silo).
# Sets PG_INSTANCE, PG_SVC (the service name, for messages), PG_WAL (its WAL archive folder
# under the backup folder: two clusters' WAL file names collide), PG_DIR, PG_DATA, PG_SOCK, PG_LOG, PG_PORT, PG_DATABASE, PG_SHARED_BUFFERS.
pg_use_instance() {
  PG_INSTANCE="$1"
  case "$1" in
    main)
      PG_DIR="$STACK_DIR/postgres"; PG_PORT="$PG_MAIN_PORT"
      PG_DATABASE="$PG_MAIN_DATABASE"; PG_SHARED_BUFFERS=256MB; PG_SVC=postgres; PG_WAL=wal ;;
    silo)
      PG_DIR="$STACK_DIR/pg-silo"; PG_PORT="$PG_SILO_PORT"
      PG_DATABASE="${PG_MAIN_DATABASE}_silo"; PG_SHARED_BUFFERS="$PG_SILO_SHARED_BUFFERS"
      PG_SVC=postgres-silo; PG_WAL=wal-silo ;;
    *) die "postgres: unknown instance '$1' (main or silo)" ;;
  esac
  PG_DATA="$PG_DIR/data"
  PG_SOCK="$PG_DIR/run"
  PG_LOG="$PG_DIR/log/postgres.log"
}
pg_use_instance main

# Runs a pg_* function on the silo cluster, then points back at main.
pg_on_silo() {
  pg_use_instance silo
  "$@"
  pg_use_instance main
}

# Backups (scripts/backup.sh): the stack folder's backup.env says whether and where the WAL
# archive goes. Without it WAL is not archived (archive_command discards), as before backups.
BACKUP_ENV_FILE="$STACK_DIR/backup.env"

# One KEY=value line of backup.env (never sourced: it is read by root and by postgres).
backup_setting() {
  local value=""
  [ -s "$BACKUP_ENV_FILE" ] && value="$(sed -n "s/^$1=//p" "$BACKUP_ENV_FILE" | tail -n 1)"
  printf '%s\n' "${value:-$2}"
}

backup_target() { backup_setting BACKUP_TARGET off; }
backup_dir() { backup_setting BACKUP_DIR "$STACK_DIR/backups"; }

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
    log "$PG_SVC: already running (pid $pid, port $(recorded_port "$PG_DIR/port" "$PG_PORT")); leaving it"
    [ "$(recorded_port "$PG_DIR/port" "$PG_PORT")" = "$PG_PORT" ] || warn "$PG_SVC runs on port $(recorded_port "$PG_DIR/port" "$PG_PORT"), not PG_PORT=$PG_PORT: run 'down $PG_SVC' then 'up $PG_SVC' to move it"
    pg_apply_conf
    pg_bootstrap
    return 0
  fi
  start="$(now)"
  getent passwd postgres >/dev/null || die "$PG_SVC: the postgres system user does not exist (is postgresql-15 installed?)"
  local sock_len=$(( ${#PG_SOCK} + ${#PG_PORT} + 10 ))
  (( sock_len < 107 )) || die "$PG_SVC: the socket path $PG_SOCK/.s.PGSQL.$PG_PORT is too long for a unix socket; use a shorter TENANTRY_STACK_DIR"

  require_free_port "$PG_PORT" postgres
  mkdir -p "$PG_DIR"
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  install -d -o postgres -g postgres -m 700 "$PG_SOCK" "$PG_DIR/log"
  ensure_traversable postgres "$PG_DIR"

  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    if [ -d "$PG_DATA" ] && [ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]; then
      die "$PG_SVC: $PG_DATA is not empty but has no PG_VERSION; move it away or run '$0 down --purge $PG_SVC'"
    fi
    log "$PG_SVC: initdb into $PG_DATA"
    (cd "$PG_DIR" && runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/log/initdb.log" 2>&1) || { show_tail "$PG_DIR/log/initdb.log"; die "$PG_SVC: initdb failed"; }
    printf "\n# Tenantry local stack settings (rewritten by scripts/stack.sh on every up)\ninclude_if_exists = 'tenantry.conf'\n" \
      >> "$PG_DATA/postgresql.conf"
  fi
  local ver
  ver="$(cat "$PG_DATA/PG_VERSION")"
  [ "$ver" = 15 ] || die "$PG_SVC: $PG_DATA holds a PostgreSQL $ver cluster, expected 15"

  pg_write_conf "$PG_DATA/tenantry.conf" "$PG_PORT"

  # A postmaster.pid left by a crash or a machine restart: postgres itself only
  # checks that the pid is alive, which a recycled pid can fool.
  if [ -e "$PG_DATA/postmaster.pid" ]; then
    pid="$(read_pid "$PG_DATA/postmaster.pid")"
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] \
       && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$PG_DATA" ]; then
      die "$PG_SVC: pid $pid serves $PG_DATA but was not started as expected; stop it by hand"
    fi
    log "$PG_SVC: removing stale $PG_DATA/postmaster.pid (pid ${pid:-?} is not this cluster's postgres)"
    rm -f "$PG_DATA/postmaster.pid"
  fi
  local lock
  for lock in "$PG_SOCK"/.s.PGSQL.*.lock; do
    [ -e "$lock" ] || continue
    rm -f "$lock" "${lock%.lock}"
  done

  log "$PG_SVC: starting on 127.0.0.1:$PG_PORT"
  if ! (cd "$PG_DIR" && run_clean runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" \
          -w -t "$WAIT_TIMEOUT" -s start 9>&-); then
    show_tail "$PG_LOG"
    die "$PG_SVC: did not start (see the log above)"
  fi
  record_port "$PG_DIR/port" "$PG_PORT"
  wait_for "$PG_SVC" "$WAIT_TIMEOUT" "" "$PG_LOG" \
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres
  pg_bootstrap
  log "$PG_SVC: ready (pid $(pg_pid)) in $(elapsed "$start")s"
}

# tenantry.conf for a cluster on port $2, into $1, plus what archive_command needs: the
# archiving script and archive.env beside the data folder (so a base backup never carries them,
# and a restored cluster archives where its own stack says, never into its source's archive).
pg_write_conf() {
  local file="$1" port="$2" target archive_timeout=0
  target="$(backup_target)"
  case "$target" in
    off)
      if [ -n "$(ls -A "$(backup_dir)/$PG_WAL" 2>/dev/null)" ]; then
        warn "$PG_SVC: backups are off in $BACKUP_ENV_FILE but $(backup_dir)/$PG_WAL holds an archive: new WAL is discarded, so no point in time after now can be restored from it"
      fi ;;
    local)
      archive_timeout=60   # bounds the WAL a lost server can take with it (the RPO) when quiet
      # Every tenant's data lands here: not readable by other users (an existing folder is left
      # as its operator set it).
      [ -d "$(backup_dir)" ] || install -d -m 750 "$(backup_dir)"
      [ -d "$(backup_dir)/$PG_WAL" ] || install -d -o postgres -g postgres -m 700 "$(backup_dir)/$PG_WAL"
      ensure_traversable postgres "$(backup_dir)/$PG_WAL" ;;
    *) die "$PG_SVC: BACKUP_TARGET=$target in $BACKUP_ENV_FILE is not local or off" ;;
  esac
  install -o postgres -g postgres -m 750 "$TPL_DIR/postgres/wal-archive.sh" "$PG_DIR/wal-archive.sh"
  install -o postgres -g postgres -m 750 "$TPL_DIR/postgres/wal-restore.sh" "$PG_DIR/wal-restore.sh"
  {
    printf 'BACKUP_TARGET=%q\n' "$target"
    printf 'BACKUP_WAL_DIR=%q\n' "$(backup_dir)/$PG_WAL"
  } > "$PG_DIR/archive.env.new"
  chown postgres:postgres "$PG_DIR/archive.env.new"
  chmod 600 "$PG_DIR/archive.env.new"
  mv -f "$PG_DIR/archive.env.new" "$PG_DIR/archive.env"
  cat > "$file" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = $PG_SHARED_BUFFERS
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
archive_mode = on
archive_command = '"$PG_DIR/wal-archive.sh" "%p" "%f"'
archive_timeout = $archive_timeout
EOF
  chown postgres:postgres "$file"
}

# A running server: rewrite tenantry.conf and reload when it changed. archive_mode only takes
# effect on a restart, which is not done under whoever uses the server unless asked.
pg_apply_conf() {
  local port pending
  port="$(recorded_port "$PG_DIR/port" "$PG_PORT")"
  pg_write_conf "$PG_DATA/tenantry.conf.next" "$port"
  if cmp -s "$PG_DATA/tenantry.conf.next" "$PG_DATA/tenantry.conf"; then
    rm -f "$PG_DATA/tenantry.conf.next"
  else
    mv -f "$PG_DATA/tenantry.conf.next" "$PG_DATA/tenantry.conf"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -s reload
    log "$PG_SVC: tenantry.conf changed; reloaded"
    sleep 0.5
  fi
  pending="$(psql -X -qAt -h "$PG_SOCK" -p "$port" -U postgres -d postgres \
    -c "SELECT string_agg(name, ',') FROM pg_settings WHERE pending_restart" 2>/dev/null || true)"
  [ -n "$pending" ] || return 0
  if [ "${STACK_PG_RESTART:-0}" = 1 ]; then
    log "$PG_SVC: restarting for $pending (STACK_PG_RESTART=1)"
    (cd "$PG_DIR" && run_clean runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" \
        -m fast -w -t "$WAIT_TIMEOUT" -s restart 9>&-) || { show_tail "$PG_LOG"; die "$PG_SVC: restart failed"; }
  else
    warn "$PG_SVC: $pending changed and needs a restart; run 'STACK_PG_RESTART=1 $0 up $PG_SVC' when nobody is using it"
  fi
}

pg_bootstrap() {
  local port out
  port="$(recorded_port "$PG_DIR/port" "$PG_PORT")"
  if ! out="$(psql -X -q -h "$PG_SOCK" -p "$port" -U postgres -d postgres \
       -v ON_ERROR_STOP=1 \
       -v owner_user="$DATABASE_OWNER_USER" -v owner_password="$DATABASE_OWNER_PASSWORD" \
       -v app_user="$DATABASE_APP_USER" -v app_password="$DATABASE_APP_PASSWORD" \
       -v platform_user="$DATABASE_PLATFORM_USER" -v platform_password="$DATABASE_PLATFORM_PASSWORD" \
       -v db_name="$PG_DATABASE" -v statement_timeout_ms="${DATABASE_STATEMENT_TIMEOUT_MS:-15000}" \
       -f - < "$TPL_DIR/postgres/bootstrap.sql" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "$PG_SVC: bootstrap (scripts/stack/postgres/bootstrap.sql) failed"
  fi
  [ -z "$out" ] || printf '%s\n' "$out"
  log "$PG_SVC: roles $DATABASE_OWNER_USER (owner), $DATABASE_APP_USER (app) and $DATABASE_PLATFORM_USER (platform), database $PG_DATABASE ($PG_INSTANCE cluster): ok"
}

pg_stop() {
  local pid
  pid="$(pg_pid)"
  if [ -z "$pid" ]; then
    log "$PG_SVC: not running"
    return 0
  fi
  log "$PG_SVC: stopping (pid $pid)"
  (cd "$PG_DIR" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$WAIT_TIMEOUT" -s stop) \
    || die "$PG_SVC: pg_ctl stop failed"
  log "$PG_SVC: stopped"
}
