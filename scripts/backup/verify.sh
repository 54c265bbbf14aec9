# shellcheck shell=bash
# backup.sh verify [--deep] <id|latest>: quick by default: every file against SHA256SUMS, every
# zstd stream intact, the WAL archive unbroken from the run's start to its newest segment, and
# the recorded Kafka offsets still inside topic retention (else this run can no longer be
# gap-filled). --deep also restores the run into a scratch stack folder on free ports (which runs
# the isolation report) and tears it down. The outcome goes to the run's verified.json.

record_verified() {
  local id="$1" deep="$2" ok="$3" detail="$4"
  jq -nc --arg at "$(iso_now)" --argjson deep "$deep" --argjson ok "$ok" --arg detail "$detail" \
    '{verified_at: $at, deep: $deep, ok: $ok, detail: $detail}' > "$RUNS_DIR/$id/verified.json.tmp"
  mv -f "$RUNS_DIR/$id/verified.json.tmp" "$RUNS_DIR/$id/verified.json"
}

# Partitions whose recorded offset retention has already deleted; prints "group/partition" lines.
kafka_gaps() {
  local recorded="$1" now_file
  now_file="$(mktemp)"
  node_cli src/cli/kafka-offsets.ts record --out "$now_file" >/dev/null 2>&1 || { rm -f "$now_file"; echo "unreachable"; return 0; }
  jq -r --slurpfile now "$now_file" '
    if .cluster_id != $now[0].cluster_id then "cluster id changed (the broker was reformatted)" else
    .groups | to_entries[] | .key as $g | .value.partitions | to_entries[]
    | select(.value.committed != "-1")
    | select((.value.committed | tonumber) < (($now[0].groups[$g].partitions[.key].low // "0") | tonumber))
    | "\($g)/\(.key)" end' "$recorded"
  rm -f "$now_file"
}

cmd_verify() {
  local deep=false want="" id dir problems=() n gaps
  for a in "$@"; do
    case "$a" in
      --deep) deep=true ;;
      -*) die "verify: unknown option $a" ;;
      *) want="$a" ;;
    esac
  done
  id="$(resolve_run "${want:-latest}")"
  dir="$RUNS_DIR/$id"
  log "verify $id"
  (cd "$dir" && sha256sum --quiet -c SHA256SUMS >&2) || problems+=("checksums differ")
  local f
  for f in "$dir"/postgres/*.zst; do
    zstd -q -t "$f" || problems+=("$(basename "$f") is not a whole zstd stream")
  done
  if [ "$(backup_target)" != off ] || [ -d "$WAL_ARCHIVE" ]; then
    if n="$(check_wal_chain "$(jq -r .postgres.start_wal "$dir/manifest.json")" 2>&1)"; then
      log "WAL archive: $n segments from the run's start on, no gap"
    else
      problems+=("${n#\[backup\] ERROR: }")
    fi
  fi
  if [ "$(jq '.kafka != null' "$dir/manifest.json")" = true ]; then
    gaps="$(kafka_gaps "$dir/kafka/offsets.json")"
    if [ "$gaps" = unreachable ]; then
      warn "Kafka unreachable: the offsets were not checked against retention"
    elif [ -n "$gaps" ]; then
      problems+=("Kafka replay impossible for: $(tr '\n' ' ' <<<"$gaps")")
    fi
  fi
  if [ "$deep" = true ] && [ "${#problems[@]}" = 0 ]; then
    deep_restore "$id" || problems+=("the scratch restore failed (see above)")
  fi
  if [ "${#problems[@]}" -gt 0 ]; then
    record_verified "$id" "$deep" false "$(printf '%s; ' "${problems[@]}")"
    die "verify $id: $(printf '%s; ' "${problems[@]}")"
  fi
  record_verified "$id" "$deep" true "ok"
  log "verify $id: ok"
}

free_port() {
  local p
  # Below the ephemeral range (32768 on), where a client connection may hold a port briefly.
  for p in $(shuf -i 21000-24999 -n 40); do
    port_open "$p" || { printf '%s\n' "$p"; return 0; }
  done
  die "no free port found"
}

deep_restore() {
  local id="$1" scratch rc=0
  scratch="$(mktemp -d /tmp/tenantry-verify.XXXXXX)"
  chmod 755 "$scratch"
  log "deep verify: restoring $id into $scratch"
  TENANTRY_STACK_DIR="$scratch" BACKUP_DIR="$BACKUP_ROOT" PG_PORT="$(free_port)" REDIS_PORT="$(free_port)" \
    CLICKHOUSE_HTTP_PORT="$(free_port)" CLICKHOUSE_TCP_PORT="$(free_port)" CLICKHOUSE_INTERSERVER_PORT="$(free_port)" \
    bash "$REPO_DIR/scripts/restore.sh" --to "$id" --no-kafka >&2 || rc=$?
  TENANTRY_STACK_DIR="$scratch" bash "$REPO_DIR/scripts/stack.sh" down --purge postgres redis clickhouse >/dev/null 2>&1 || true
  rm -rf "$scratch"
  return "$rc"
}
