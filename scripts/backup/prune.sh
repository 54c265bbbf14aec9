# shellcheck shell=bash
# backup.sh prune: keeps every run younger than BACKUP_RETENTION_DAYS (30), the newest run
# older than that (the anchor: without it the first hours of the window could not be restored),
# and at least BACKUP_MIN_KEEP (2) runs; deletes the rest, runs that never finished (no
# manifest) after a day, and the archived WAL older than the oldest run kept.

# Ids to delete, given complete run ids oldest first on stdin (pure, so it can be tested).
prune_selection() {
  local cutoff="$1" min_keep="$2" ids=() keep=() i anchor=-1
  mapfile -t ids
  local n="${#ids[@]}"
  for (( i = 0; i < n; i++ )); do
    if [[ "${ids[$i]}" < "$cutoff" ]]; then anchor=$i; fi
  done
  for (( i = 0; i < n; i++ )); do
    if (( i >= anchor )) || (( i >= n - min_keep )); then keep[i]=1; fi
  done
  for (( i = 0; i < n; i++ )); do
    [ -n "${keep[$i]:-}" ] || printf '%s\n' "${ids[$i]}"
  done
}

cmd_prune() {
  local dry=0 cutoff id oldest d start_wal deleted=0
  [ "${1:-}" = --dry-run ] && dry=1
  take_backup_lock
  cutoff="$(date -u -d "-$BACKUP_RETENTION_DAYS days" +%Y%m%dT%H%M%SZ)"
  for id in $(complete_runs | prune_selection "$cutoff" "$BACKUP_MIN_KEEP"); do
    log "prune: $id (older than $BACKUP_RETENTION_DAYS days and not the anchor)"
    [ "$dry" = 1 ] || rm -rf "${RUNS_DIR:?}/$id"
    deleted=$((deleted + 1))
  done
  for d in "$RUNS_DIR"/*/; do
    if [ ! -d "$d" ] || [ -f "$d/manifest.json" ]; then continue; fi
    if [ -n "$(find "$d" -maxdepth 0 -mmin +1440)" ]; then
      log "prune: $(basename "$d") never finished"
      [ "$dry" = 1 ] || rm -rf "$d"
    fi
  done
  oldest="$(complete_runs | head -n 1)"
  if [ -n "$oldest" ] && [ -d "$WAL_ARCHIVE" ]; then
    start_wal="$(jq -r '.postgres.start_wal' "$(manifest_of "$oldest")")"
    # pg_archivecleanup removes every segment older than the named one; -x strips .zst.
    if [ "$dry" = 1 ]; then
      runuser -u postgres -- "$PG_BIN/pg_archivecleanup" -n -x .zst "$WAL_ARCHIVE" "$start_wal" | wc -l | sed 's/^/[backup] prune: WAL segments to remove: /' >&2
    else
      runuser -u postgres -- "$PG_BIN/pg_archivecleanup" -x .zst "$WAL_ARCHIVE" "$start_wal"
    fi
  fi
  log "prune: $deleted run(s) removed; $(complete_runs | wc -l) kept; retention $BACKUP_RETENTION_DAYS days"
}
