# shellcheck shell=bash
# backup.sh create: one run, in the order that makes the stores agree with the Kafka offsets:
# (1) the consumer groups' committed offsets, (2) FREEZE of ClickHouse, (3) the PostgreSQL base
# backup. Each store then holds at least every event below the recorded offsets, so replaying
# from them after a restore can only deliver an event again (dedup absorbs it), never skip one.
# The run counts only once manifest.json is renamed into place, the last step.

FROZEN_DIRS=()
CREATE_ID="" CREATE_DIR=""

create_failed() {
  local rc=$?
  local dir
  for dir in "${FROZEN_DIRS[@]+"${FROZEN_DIRS[@]}"}"; do rm -rf "$dir"; done
  [ "$rc" = 0 ] && return 0
  mkdir -p "$BACKUP_ROOT"
  jq -nc --arg at "$(iso_now)" --arg id "$CREATE_ID" --arg phase "${PHASE_NAME:-start}" \
    --arg message "backup.sh create failed in ${PHASE_NAME:-start} (exit $rc); see its output" \
    '{at: $at, id: $id, phase: $phase, message: $message}' > "$BACKUP_ROOT/last-failure.json.tmp"
  mv -f "$BACKUP_ROOT/last-failure.json.tmp" "$BACKUP_ROOT/last-failure.json"
  # A half-written run is of no use and the disk is shared with the servers.
  [ -n "$CREATE_DIR" ] && [ -d "$CREATE_DIR" ] && [ ! -f "$CREATE_DIR/manifest.json" ] && rm -rf "$CREATE_DIR"
  printf '[backup] ERROR: backup %s failed in %s\n' "$CREATE_ID" "${PHASE_NAME:-start}" >&2
}

# Free space: the servers share the disk with the backups here. Needs room for the compressed
# copy (PostgreSQL compresses ~4x) plus BACKUP_MIN_FREE_GB to spare.
check_free_space() {
  local pg_bytes ch_bytes=0 need free
  pg_bytes="$(pg_sql "SELECT sum(pg_database_size(datname))::bigint FROM pg_database")"
  if [ -n "$(ch_pid)" ]; then
    ch_bytes="$(ch_q "SELECT sum(bytes_on_disk) FROM system.parts WHERE active")"
  fi
  need=$(( pg_bytes / 4 + ${ch_bytes:-0} + BACKUP_MIN_FREE_GB * 1024 * 1024 * 1024 ))
  free=$(( $(df -Pk "$BACKUP_ROOT" | awk 'NR==2 {print $4}') * 1024 ))
  [ "$free" -ge "$need" ] || die "not enough free space in $BACKUP_ROOT: $((free / 1048576)) MB free, $((need / 1048576)) MB needed"
}

cmd_create() {
  local json=0 a
  for a in "$@"; do
    case "$a" in
      --json) json=1 ;;
      *) die "create: unknown option $a" ;;
    esac
  done
  [ "$(backup_target)" != off ] || [ -n "${BACKUP_DIR:-}" ] \
    || die "backups are not configured for $STACK_DIR: run 'scripts/backup.sh init' first"
  take_backup_lock
  trap create_failed EXIT
  local started started_iso kafka=null clickhouse=null postgres dbs=() db ch_dbs='[]' brokers
  started="$(now)"
  started_iso="$(iso_now)"
  CREATE_ID="$(date -u +%Y%m%dT%H%M%SZ)"
  while [ -e "$RUNS_DIR/$CREATE_ID" ]; do sleep 1; CREATE_ID="$(date -u +%Y%m%dT%H%M%SZ)"; done
  CREATE_DIR="$RUNS_DIR/$CREATE_ID"
  mkdir -p "$CREATE_DIR"
  log "backup $CREATE_ID of $STACK_DIR into $CREATE_DIR"

  phase preflight
  check_free_space
  # Frozen parts a killed run left behind: their hard links would keep merged-away parts on disk.
  if [ -d "$CH_PATH/shadow" ]; then
    find "$CH_PATH/shadow" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -exec rm -rf {} +
  fi

  brokers="$(stack_env_value KAFKA_BROKERS)"
  if [ -n "$brokers" ] && [ "${BACKUP_KAFKA:-on}" != off ]; then
    phase kafka_offsets
    mkdir -p "$CREATE_DIR/kafka"
    # Without the offsets this run cannot fill the gap after a restore, but it still holds
    # PostgreSQL and ClickHouse: better than no backup while the broker is away.
    if node_cli src/cli/kafka-offsets.ts record --out "$CREATE_DIR/kafka/offsets.json" >&2; then
      kafka="$(jq -c . "$CREATE_DIR/kafka/offsets.json")"
    else
      warn "recording the consumer groups' offsets failed: this run has no Kafka replay point (manifest kafka: null)"
      rm -rf "$CREATE_DIR/kafka"
    fi
  fi

  if [ "${BACKUP_CLICKHOUSE:-on}" != off ] && [ -n "$(stack_env_value CLICKHOUSE_URL)" ]; then
    # A run without the event store would restore as an empty ClickHouse: refuse, unless told.
    [ -n "$(ch_pid)" ] || die "ClickHouse of $STACK_DIR is not running (set BACKUP_CLICKHOUSE=off to back up without it)"
    phase clickhouse
    read -r -a dbs <<<"${BACKUP_CLICKHOUSE_DATABASES:-$(stack_env_value CLICKHOUSE_DATABASE)}"
    [ "${#dbs[@]}" -gt 0 ] || dbs=(tenantry)
    for db in "${dbs[@]}"; do
      valid_name "$db"
      if [ "$(ch_q "SELECT count() FROM system.databases WHERE name = '$db'")" = 0 ]; then
        warn "clickhouse: database $db does not exist; skipped"
        continue
      fi
      # Called directly, not in $(…): a failure must stop this shell, and FROZEN_DIRS must be seen.
      ch_backup_database "$CREATE_DIR" "$db" > "$CREATE_DIR/.database.json"
      ch_dbs="$(jq -c --slurpfile d "$CREATE_DIR/.database.json" '. + $d' <<<"$ch_dbs")"
      rm -f "$CREATE_DIR/.database.json"
    done
    clickhouse="$(jq -c --argjson size "$(du -sb "$CREATE_DIR/clickhouse" | cut -f1)" \
      '{size_bytes: $size, databases: .}' <<<"$ch_dbs")"
  fi

  phase postgres
  pg_backup "$CREATE_DIR" > "$CREATE_DIR/.postgres.json"
  postgres="$(jq -c . "$CREATE_DIR/.postgres.json")"
  rm -f "$CREATE_DIR/.postgres.json"

  phase checksums
  (cd "$CREATE_DIR" && find . -type f -printf '%P\n' | sort | xargs -r sha256sum > "$CREATE_DIR.sums")
  mv -f "$CREATE_DIR.sums" "$CREATE_DIR/SHA256SUMS"
  phase_end

  local finished_iso duration size
  finished_iso="$(iso_now)"
  duration="$(elapsed "$started")"
  size="$(du -sb "$CREATE_DIR" | cut -f1)"
  jq -n --arg id "$CREATE_ID" --arg started "$started_iso" --arg finished "$finished_iso" \
    --argjson duration "$duration" --argjson size "$size" --argjson phases "$(phases_json)" \
    --argjson postgres "$postgres" --argjson clickhouse "$clickhouse" --argjson kafka "$kafka" \
    '{format: 1, id: $id, started_at: $started, finished_at: $finished, duration_seconds: $duration,
      size_bytes: $size, phases: $phases, postgres: $postgres, clickhouse: $clickhouse, kafka: $kafka}' \
    > "$CREATE_DIR/manifest.json.tmp"
  # Every file of the run on disk before the manifest says it is whole (-f: the filesystem).
  sync -f "$CREATE_DIR/manifest.json.tmp"
  mv -f "$CREATE_DIR/manifest.json.tmp" "$CREATE_DIR/manifest.json"
  sync "$CREATE_DIR"
  trap - EXIT
  create_failed
  log "backup $CREATE_ID done: $((size / 1048576)) MB in ${duration}s"
  if [ "$json" = 1 ]; then
    jq -c '{id, finished_at, size_bytes, duration_seconds, phases}' "$CREATE_DIR/manifest.json"
  else
    printf '%s\n' "$CREATE_ID"
  fi
}
