# shellcheck shell=bash
# PostgreSQL in a backup run: a base backup of the whole cluster (pg_basebackup as postgres
# over the socket, tar + zstd, WAL streamed in so it restores on its own), and on restore the
# recovery from it plus the WAL archive to a point in time. Sourced by backup.sh and restore.sh.

pg_port() { recorded_port "$PG_DIR/port" "$PG_PORT"; }

pg_sql() {
  psql -X -qAt -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$(pg_port)" -U postgres -d postgres -c "$1"
}

# Into $1/postgres: base.tar.zst, pg_wal.tar.zst, backup_manifest. Prints the manifest's
# postgres object.
pg_backup() {
  local dest="$1/postgres" label start_wal start_lsn end_lsn timeline cluster_bytes
  [ -n "$(pg_pid)" ] || die "postgres of $STACK_DIR is not running"
  [ "$(backup_target)" != off ] || warn "WAL archiving is off in $BACKUP_ENV_FILE: this base backup restores to its own end only, not to a later point in time"
  install -d -o postgres -g postgres -m 700 "$dest"
  # pg_basebackup runs as postgres: it must reach its folder through the run's (0750) parents.
  ensure_traversable postgres "$dest"
  cluster_bytes="$(pg_sql "SELECT sum(pg_database_size(datname))::bigint FROM pg_database")"
  runuser -u postgres -- "$PG_BIN/pg_basebackup" -h "$PG_SOCK" -p "$(pg_port)" -U postgres \
    -D "$dest" -Ft -X stream -c fast -Z client-zstd:1 -l "tenantry-$(basename "$1")" \
    --manifest-checksums=SHA256 >&2 || die "pg_basebackup failed"
  # client-zstd compresses the base tar only; the streamed WAL tar is compressed here.
  [ -f "$dest/pg_wal.tar" ] && zstd -q -1 --rm "$dest/pg_wal.tar"
  # The segment the backup ended in goes to the archive now, not at the next archive_timeout.
  pg_sql "SELECT pg_switch_wal()" >/dev/null
  chown -R root:root "$dest"
  chmod 755 "$dest"
  label="$(zstd -q -d -c "$dest/base.tar.zst" | tar -xOf - backup_label)"
  start_wal="$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]*\))$/\1/p' <<<"$label")"
  start_lsn="$(jq -r '."WAL-Ranges"[0]."Start-LSN"' "$dest/backup_manifest")"
  end_lsn="$(jq -r '."WAL-Ranges"[-1]."End-LSN"' "$dest/backup_manifest")"
  timeline="$(jq -r '."WAL-Ranges"[-1].Timeline' "$dest/backup_manifest")"
  [ -n "$start_wal" ] || die "no START WAL LOCATION in the base backup's backup_label"
  jq -nc --arg start_lsn "$start_lsn" --arg end_lsn "$end_lsn" --arg start_wal "$start_wal" \
    --argjson timeline "$timeline" --arg end_time "$(iso_now)" \
    --argjson cluster_bytes "${cluster_bytes:-0}" --argjson size "$(du -sb "$dest" | cut -f1)" \
    '{start_lsn: $start_lsn, end_lsn: $end_lsn, start_wal: $start_wal, timeline: $timeline,
      end_time: $end_time, cluster_bytes: $cluster_bytes, size_bytes: $size}'
}

# The newest segment in the archive whose name sorts last (timeline, then position).
newest_archived_wal() {
  find "$WAL_ARCHIVE" -maxdepth 1 -name '[0-9A-F]*.zst' ! -name '*.history.zst' \
    ! -name '*.backup.zst' ! -name '*.partial.zst' -printf '%f\n' 2>/dev/null | sort | tail -n 1
}

# The archive holds every segment from $1 (a run's start_wal) to the newest of its timeline: a
# gap means no point in time past it can be reached. Prints the count; dies on a gap.
# A segment name is timeline, log and segment (8 hex digits each); 16 MB segments make 256 per log.
wal_index() { printf '%s\n' "$(( 16#${1:8:8} * 256 + 16#${1:16:8} ))"; }

check_wal_chain() {
  local start="$1" tli name seg prev="" count=0
  tli="${start:0:8}"
  while read -r name; do
    seg="${name%.zst}"
    [[ "$seg" < "$start" ]] && continue
    if [ -n "$prev" ] && [ "$(wal_index "$seg")" -ne $(( $(wal_index "$prev") + 1 )) ]; then
      die "WAL archive gap: $prev is followed by $seg"
    fi
    prev="$seg"
    count=$((count + 1))
  done < <(find "$WAL_ARCHIVE" -maxdepth 1 -name "${tli}*.zst" ! -name '*.*.zst' -printf '%f\n' | sort)
  [ "$count" -gt 0 ] || die "the WAL archive has no segment from $start on"
  printf '%s\n' "$count"
}

# Restore: the run's base backup into this stack's (empty) data folder, recovery settings for
# the target ($2: latest | immediate | time:T | lsn:X | name:Y), start, wait for the promotion.
# Prints the recovery's own account of where it stopped.
pg_restore_run() {
  local run="$1" target="$2" stop
  [ -z "$(pg_pid)" ] || die "postgres of $STACK_DIR is running; restore goes onto a stopped, empty stack folder"
  if [ -d "$PG_DATA" ] && [ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]; then
    die "postgres: $PG_DATA is not empty; restore onto a fresh stack folder (or 'scripts/stack.sh down --purge postgres' if this one is lost)"
  fi
  require_free_port "$PG_PORT" postgres
  mkdir -p "$PG_DIR"
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  install -d -o postgres -g postgres -m 700 "$PG_DATA" "$PG_SOCK" "$PG_DIR/log"
  ensure_traversable postgres "$PG_DIR"
  zstd -q -d -c "$run/postgres/base.tar.zst" | tar -C "$PG_DATA" -xf -
  if [ -f "$run/postgres/pg_wal.tar.zst" ]; then
    zstd -q -d -c "$run/postgres/pg_wal.tar.zst" | tar -C "$PG_DATA/pg_wal" -xf -
  fi
  rm -f "$PG_DATA/postmaster.pid" "$PG_DATA/tenantry.conf.next"
  chown -R postgres:postgres "$PG_DATA"
  chmod 700 "$PG_DATA"
  # This stack's settings (port, socket, where its own WAL goes), not the source's.
  pg_write_conf "$PG_DATA/tenantry.conf" "$PG_PORT"
  printf 'RESTORE_WAL_DIR=%q\n' "$WAL_ARCHIVE" > "$PG_DIR/restore.env"
  chown postgres:postgres "$PG_DIR/restore.env"
  {
    printf "restore_command = '\"%s/wal-restore.sh\" \"%%f\" \"%%p\"'\n" "$PG_DIR"
    printf "recovery_target_timeline = 'latest'\n"
    # The default action is pause, which would leave a read-only server behind.
    printf "recovery_target_action = 'promote'\n"
    case "$target" in
      latest) ;;
      immediate) printf "recovery_target = 'immediate'\n" ;;
      time:*) printf "recovery_target_time = '%s'\nrecovery_target_inclusive = off\n" "${target#time:}" ;;
      lsn:*) printf "recovery_target_lsn = '%s'\nrecovery_target_inclusive = off\n" "${target#lsn:}" ;;
      name:*) printf "recovery_target_name = '%s'\n" "${target#name:}" ;;
    esac
  } > "$PG_DATA/tenantry-recovery.conf"
  printf "include_if_exists = 'tenantry-recovery.conf'   # scripts/restore.sh, removed after recovery\n" >> "$PG_DATA/postgresql.conf"
  chown postgres:postgres "$PG_DATA/tenantry-recovery.conf" "$PG_DATA/postgresql.conf"
  touch "$PG_DATA/recovery.signal"
  chown postgres:postgres "$PG_DATA/recovery.signal"
  : > "$PG_LOG"
  chown postgres:postgres "$PG_LOG"
  log "postgres: recovering to $target"
  (cd "$PG_DIR" && run_clean runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -W -s start 9>&-) \
    || { show_tail "$PG_LOG"; die "postgres: did not start recovery"; }
  record_port "$PG_DIR/port" "$PG_PORT"
  local deadline=$(( $(date +%s) + ${RESTORE_PG_TIMEOUT:-3600} ))
  sleep 1
  until [ "$(pg_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; do
    # The postmaster gone means the recovery failed (a target it cannot reach, a segment it
    # cannot read): say so now, not at the deadline.
    [ -n "$(pg_pid)" ] || { show_tail "$PG_LOG" >&2; die "postgres: recovery stopped (see the log above; a target past the archive's end cannot be reached)"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "postgres: still recovering after ${RESTORE_PG_TIMEOUT:-3600}s"
    sleep 0.5
  done
  sed -i "/^include_if_exists = 'tenantry-recovery.conf'/d" "$PG_DATA/postgresql.conf"
  rm -f "$PG_DATA/tenantry-recovery.conf" "$PG_DIR/restore.env"
  stop="$(grep -E 'recovery stopping|archive recovery complete|last completed transaction|redo done at|consistent recovery state reached' "$PG_LOG" | sed 's/^.*LOG:  //' | tr '\n' ' ')"
  log "postgres: promoted; $stop"
  printf '%s\n' "$stop"
}
