# shellcheck shell=bash
# backup.sh list [--json]: the complete runs, newest first, with their age, size, what they hold
# and whether a verify passed.

cmd_list() {
  local json=0 id m now_s
  [ "${1:-}" = --json ] && json=1
  now_s="$(date +%s)"
  if [ "$json" = 1 ]; then
    for id in $(complete_runs | sort -r); do
      m="$(manifest_of "$id")"
      jq -c --slurpfile v <(cat "$RUNS_DIR/$id/verified.json" 2>/dev/null || true) \
        '{id, finished_at, size_bytes, duration_seconds, postgres: (.postgres != null),
          clickhouse: (.clickhouse != null), kafka: (.kafka != null), verified: ($v[0] // null)}' "$m"
    done
    return 0
  fi
  printf '%-18s %-20s %8s %9s %6s  %-22s %s\n' ID FINISHED AGE SIZE_MB SECS STORES VERIFIED
  for id in $(complete_runs | sort -r); do
    m="$(manifest_of "$id")"
    local finished age verified stores
    finished="$(jq -r '.finished_at' "$m")"
    age=$(( (now_s - $(date -d "$finished" +%s)) / 60 ))
    stores="$(jq -r '[if .postgres then "postgres" else empty end, if .clickhouse then "clickhouse" else empty end,
                      if .kafka then "kafka" else empty end] | join(",")' "$m")"
    verified="-"
    [ -f "$RUNS_DIR/$id/verified.json" ] && verified="$(jq -r 'if .ok then "ok" else "FAILED" end + (if .deep then " (deep)" else "" end) + " " + .verified_at' "$RUNS_DIR/$id/verified.json")"
    printf '%-18s %-20s %7sm %9s %6s  %-22s %s\n' "$id" "${finished:0:19}" "$age" \
      "$(( $(jq -r .size_bytes "$m") / 1048576 ))" "$(jq -r '.duration_seconds | floor' "$m")" "$stores" "$verified"
  done
}
