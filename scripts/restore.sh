#!/usr/bin/env bash
# Restores a backup of scripts/backup.sh onto a fresh stack folder: PostgreSQL to a point in
# time (base backup + archived WAL), ClickHouse from the run's frozen parts, the Kafka consumer
# groups rewound to the run's offsets (so the app replays what came after; dedup makes that
# safe), then the isolation report as a gate. Runbook: docs/disaster-recovery.md.
#
#   scripts/restore.sh --to TARGET [--only postgres|clickhouse] [--no-kafka] [--accept-gap] [--from ID]
#
#   TARGET: latest             the newest run plus every archived WAL segment (the least loss)
#           20261130T142500Z   that run as it was when its base backup ended
#           2026-11-30T14:31:07Z   a moment (UTC): the newest run that ended before it, WAL up to it
#           lsn:0/5000128 | name:before-migration-X   a WAL position or a named restore point
#   --from ID      the run to start from for a time, lsn or name target (default: chosen as above)
#   --only         restore one store (the other is left alone)
#   --no-kafka     do not rewind the consumer groups (their broker is gone: events after the
#                  run are then lost up to the snapshot's age)
#   --accept-gap   rewind even where topic retention already deleted part of the replay
#
# Writes into TENANTRY_STACK_DIR (its servers on the ports in the environment) from BACKUP_DIR
# (default: that stack folder's backup.env). The app must not be running against it yet.
set -euo pipefail
# Backups hold every tenant's data: files 0640, folders 0750 (the app's group may read manifests).
umask 027

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd -P)"
# shellcheck source=SCRIPTDIR/backup/lib.sh
. "$SCRIPT_DIR/backup/lib.sh"
# shellcheck source=SCRIPTDIR/backup/postgres.sh
. "$SCRIPT_DIR/backup/postgres.sh"
# shellcheck source=SCRIPTDIR/backup/clickhouse.sh
. "$SCRIPT_DIR/backup/clickhouse.sh"

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# An LSN (X/Y, hex) as one number, to compare positions.
lsn_number() { local hi="${1%/*}" lo="${1#*/}"; printf '%s\n' "$(( (16#$hi << 32) + 16#$lo ))"; }

# The newest run whose base backup ended before the WAL position $1.
run_before_lsn() {
  local limit id best=""
  limit="$(lsn_number "$1")"
  for id in $(complete_runs); do
    if [ "$(lsn_number "$(jq -r .postgres.end_lsn "$(manifest_of "$id")")")" -le "$limit" ]; then best="$id"; fi
  done
  [ -n "$best" ] || die "no backup ended before $1"
  printf '%s\n' "$best"
}

# The newest run whose base backup ended before the moment $1 (epoch seconds).
run_before() {
  local limit="$1" id best=""
  for id in $(complete_runs); do
    if [ "$(date -d "$(jq -r .postgres.end_time "$(manifest_of "$id")")" +%s)" -lt "$limit" ]; then best="$id"; fi
  done
  [ -n "$best" ] || die "no backup ended before $(date -u -d "@$limit" +%FT%TZ): the oldest kept run is $(complete_runs | head -n 1)"
  printf '%s\n' "$best"
}

main() {
  local to="" only="" kafka=1 accept_gap=0 from="" run_id target stamp started
  while [ $# -gt 0 ]; do
    case "$1" in
      --to) to="${2:?--to needs a target}"; shift ;;
      --from) from="${2:?--from needs a run id}"; shift ;;
      --only) only="${2:?--only needs postgres or clickhouse}"; shift
              [[ "$only" =~ ^(postgres|clickhouse)$ ]] || die "--only takes postgres or clickhouse" ;;
      --no-kafka) kafka=0 ;;
      --accept-gap) accept_gap=1 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  [ -n "$to" ] || { usage >&2; exit 2; }
  [ "$(id -u)" = 0 ] || die "run as root (the servers' files belong to their system users)"
  [ -d "$RUNS_DIR" ] || die "no backups in $BACKUP_ROOT (set BACKUP_DIR to the backup folder)"
  started="$(now)"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  # Before choosing: a prune must not delete the run between the choice and its use.
  take_backup_lock

  case "$to" in
    latest) run_id="$(resolve_run "${from:-latest}")"; target=latest ;;
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z)
      run_id="$(resolve_run "$to")"; target=immediate ;;
    lsn:*) [[ "$to" =~ ^lsn:[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$ ]] || die "--to $to: an LSN looks like lsn:0/5000128"
           run_id="$(resolve_run "${from:-$(run_before_lsn "${to#lsn:}")}")"; target="$to" ;;
    name:*) [[ "$to" =~ ^name:[A-Za-z0-9._-]{1,60}$ ]] || die "--to $to: a restore point name is letters, digits, . _ -"
            # Where a named point lies is only known to the WAL: the operator names the run before it.
            [ -n "$from" ] || die "--to $to needs --from <the run taken before that restore point>"
            run_id="$(resolve_run "$from")"; target="$to" ;;
    *) local epoch
       epoch="$(date -d "$to" +%s 2>/dev/null)" || die "--to $to is not latest, a run id, a time, lsn: or name:"
       local newest
       newest="$(newest_archived_wal)"
       [ -n "$newest" ] || die "the WAL archive $WAL_ARCHIVE is empty"
       # A target past the archive's end makes PostgreSQL stop with FATAL; say it plainly first.
       [ "$epoch" -le "$(stat -c %Y "$WAL_ARCHIVE/$newest")" ] \
         || die "--to $to is after the newest archived WAL ($newest, $(date -u -r "$WAL_ARCHIVE/$newest" +%FT%TZ)); use --to latest"
       run_id="${from:-$(run_before "$epoch")}"
       run_id="$(resolve_run "$run_id")"
       target="time:$(date -u -d "@$epoch" '+%Y-%m-%d %H:%M:%S+00')"
       # Keep sub-second precision when given.
       if [[ "$to" =~ \.[0-9]+ ]]; then
         target="time:$(date -u -d "$to" '+%Y-%m-%d %H:%M:%S.%N' | cut -c1-26)+00"
       fi ;;
  esac
  local run="$RUNS_DIR/$run_id" manifest
  manifest="$(manifest_of "$run_id")"
  log "restore $run_id ($target) into $STACK_DIR"
  # A run without ClickHouse would bring the event store back empty while Kafka is rewound.
  if [ "$only" != postgres ] && [ "$(jq '.clickhouse == null' "$manifest")" = true ]; then
    die "run $run_id has no ClickHouse snapshot: restore it with --only postgres, or pick another run"
  fi
  phase checks
  # The files as written (a copy synced back from elsewhere included), and the WAL the target needs.
  (cd "$run" && sha256sum --quiet -c SHA256SUMS >&2) || die "run $run_id does not match its SHA256SUMS"
  if [ "$only" != clickhouse ] && [ "$target" != immediate ]; then
    check_wal_chain "$(jq -r .postgres.start_wal "$manifest")" >/dev/null
  fi

  local pg_stop="" kafka_report="" restored=()
  mkdir -p "$STACK_DIR"
  if [ "$only" != clickhouse ]; then
    phase postgres
    pg_stop="$(pg_restore_run "$run" "$target")"
    stack_cmd up postgres >&2   # roles, stack.env
    restored+=(postgres)
  fi
  if [ "$only" != postgres ] && [ "$(jq '.clickhouse != null' "$manifest")" = true ]; then
    phase clickhouse
    stack_cmd up clickhouse >&2
    local db
    for db in $(jq -r '.clickhouse.databases[].name' "$manifest"); do
      ch_restore_database "$manifest" "$run" "$db"
    done
    restored+=(clickhouse)
  fi
  mkdir -p "$RESTORES_DIR"
  if [ "$kafka" = 1 ] && [ "$(jq '.kafka != null' "$manifest")" = true ]; then
    phase kafka_offsets
    kafka_report="$RESTORES_DIR/$stamp.kafka.json"
    local gap_flag=()
    [ "$accept_gap" = 1 ] && gap_flag=(--accept-gap)
    node_cli src/cli/kafka-offsets.ts reset --from "$run/kafka/offsets.json" --report "$kafka_report" \
      "${gap_flag[@]+"${gap_flag[@]}"}" >&2 \
      || die "rewinding the consumer groups failed (above). With the broker gone, rerun the Kafka step by hand or accept the loss: docs/disaster-recovery.md, 'Lost broker'"
    if [ "$target" != latest ]; then
      # PostgreSQL (usage_daily) is as of an earlier moment: the replay is metered again.
      log "no replay marks for a point-in-time target: the replayed events are metered again"
    elif [ -z "$(pg_pid)" ]; then
      warn "PostgreSQL of $STACK_DIR is not running: no replay marks written, so the replay will be metered twice; write them with: npm run reconcile-restore -- --replay-marks $kafka_report --replay-marks-only"
    else
      # Before the app consumes: the replayed events below these offsets were metered already.
      phase replay_marks
      DATABASE_HOST=127.0.0.1 DATABASE_PORT="$(pg_port)" node_cli src/cli/reconcile-restore.ts \
        --replay-marks "$kafka_report" --replay-marks-only --restore-id "$stamp" >&2 \
        || die "writing the replay marks failed (above)"
    fi
  fi
  phase isolation_report
  local ch_url=""
  [ -n "$(ch_pid)" ] && ch_url="http://127.0.0.1:$(ch_port)"
  if [ -n "$(pg_pid)" ]; then
    # This stack's servers, whatever the caller's environment names.
    DATABASE_HOST=127.0.0.1 DATABASE_PORT="$(pg_port)" CLICKHOUSE_URL="$ch_url" \
      node_cli src/cli/isolation-report.ts > "$RESTORES_DIR/$stamp.isolation.json" \
      || die "the isolation report found a problem in the restored data: $RESTORES_DIR/$stamp.isolation.json"
  fi
  phase_end
  jq -n --arg stamp "$stamp" --arg run "$run_id" --arg to "$to" --arg target "$target" \
    --arg stack "$STACK_DIR" --arg pg_stop "$pg_stop" --arg kafka_report "$kafka_report" \
    --arg snapshot "$(jq -r .started_at "$manifest")" --argjson restored "$(printf '%s\n' "${restored[@]}" | jq -R . | jq -sc .)" \
    --argjson phases "$(phases_json)" --argjson seconds "$(elapsed "$started")" \
    '{restored_at: $stamp, run: $run, to: $to, target: $target, stack_dir: $stack, stores: $restored,
      snapshot_started_at: $snapshot, postgres_stop: $pg_stop,
      kafka_report: (if $kafka_report == "" then null else $kafka_report end),
      phases: $phases, seconds: $seconds}' > "$RESTORES_DIR/$stamp.json"
  log "restore done in $(elapsed "$started")s: $RESTORES_DIR/$stamp.json"
  log "next: start the app on this stack; when the consumer lag is 0, run"
  log "  npm run reconcile-restore -- --since $(jq -r .started_at "$manifest")"
  printf '%s\n' "$RESTORES_DIR/$stamp.json"
}

main "$@"
