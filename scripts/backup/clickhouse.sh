# shellcheck shell=bash
# ClickHouse in a backup run: FREEZE of every MergeTree table of the backed-up databases (hard
# links, so consistent per table and instant), the parts copied out with each table's CREATE
# query; small Log tables (schema_migrations) dumped as rows. A materialized view does not fire
# on ATTACH, so its target table (events_daily) is frozen like any other, never rebuilt.
# On restore: the CREATE queries in order (tables, then views), the parts into detached/ and
# ATTACH PART, the rows counted against the manifest. Sourced by backup.sh and restore.sh.

CH_PATH="$CH_DIR/data"

ch_port() { recorded_port "$CH_DIR/port" "$CLICKHOUSE_HTTP_PORT"; }

# One query as the stack's default user (loopback only); the body on stdout, dies on an error.
ch_q() {
  local out code
  out="$(curl -sS --max-time "${2:-600}" -w '\n%{http_code}' \
    "http://127.0.0.1:$(ch_port)/?user=default" --data-binary "$1")" || die "clickhouse: request failed: $1"
  code="${out##*$'\n'}"
  out="${out%$'\n'*}"
  [ "$code" = 200 ] || die "clickhouse: $code for '${1:0:120}': ${out:0:400}"
  [ -z "$out" ] || printf '%s\n' "$out"
}

valid_name() { [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "clickhouse: '$1' is not a plain lowercase name"; }

# Prints one database's object of the manifest; the files go to $1/clickhouse/<db>/.
ch_backup_database() {
  local run="$1" db="$2" dest tables=() name engine query n frozen parts rows bytes out='[]'
  valid_name "$db"
  dest="$run/clickhouse/$db"
  mkdir -p "$dest"
  local listing
  listing="$(ch_q "SELECT name FROM system.tables WHERE database = '$db' ORDER BY name")"
  [ -n "$listing" ] || die "clickhouse: database $db has no tables"
  mapfile -t tables <<<"$listing"
  for name in "${tables[@]}"; do
    valid_name "$name"
    engine="$(ch_q "SELECT engine FROM system.tables WHERE database = '$db' AND name = '$name'")"
    query="$(ch_q "SELECT create_table_query FROM system.tables WHERE database = '$db' AND name = '$name' FORMAT JSONEachRow" | jq -r .create_table_query)"
    parts='[]' rows=0 bytes=0 frozen=false
    case "$engine" in
      *MergeTree)
        frozen=true
        ch_q "ALTER TABLE $db.$name FREEZE" >/dev/null
        n="$(cat "$CH_PATH/shadow/increment.txt")"
        FROZEN_DIRS+=("$CH_PATH/shadow/$n")
        if [ -d "$CH_PATH/shadow/$n/data/$db/$name" ]; then
          tar -C "$CH_PATH/shadow/$n/data/$db" -cf "$dest/$name.tar" "$name"
          local list
          list="$(find "$CH_PATH/shadow/$n/data/$db/$name" -mindepth 1 -maxdepth 1 -type d -printf "'%f'," | sed 's/,$//')"
          parts="$(ch_q "SELECT name, partition_id, rows, bytes_on_disk FROM system.parts WHERE database = '$db' AND table = '$name' AND name IN ($list) FORMAT JSONEachRow" \
            | jq -sc 'map({name, partition_id, rows: (.rows|tonumber), bytes_on_disk: (.bytes_on_disk|tonumber)})')"
        else
          tar -cf "$dest/$name.tar" -T /dev/null   # an empty table freezes nothing
        fi
        rm -rf "${CH_PATH:?}/shadow/$n"
        rows="$(jq '[.[].rows] | add // 0' <<<"$parts")"
        bytes="$(jq '[.[].bytes_on_disk] | add // 0' <<<"$parts")" ;;
      TinyLog|Log|StripeLog)
        n="$(ch_q "SELECT count() FROM $db.$name")"
        [ "$n" -le 100000 ] || die "clickhouse: $db.$name ($engine) has $n rows; only small Log tables are dumped"
        ch_q "SELECT * FROM $db.$name FORMAT JSONEachRow" > "$dest/$name.rows.json"
        rows="$n" ;;
      MaterializedView|View) ;;
      *) die "clickhouse: $db.$name has engine $engine, which the backup does not know how to copy" ;;
    esac
    out="$(jq -c --arg name "$name" --arg engine "$engine" --arg query "$query" --argjson frozen "$frozen" \
      --argjson rows "$rows" --argjson bytes "$bytes" --argjson parts "$parts" \
      '. + [{name: $name, engine: $engine, frozen: $frozen, rows: $rows, bytes_on_disk: $bytes,
             create_table_query: $query, parts: $parts}]' <<<"$out")"
  done
  local versions='[]'
  [ -f "$dest/schema_migrations.rows.json" ] && versions="$(jq -sc 'map(.version | tonumber? // .)' "$dest/schema_migrations.rows.json")"
  jq -nc --arg db "$db" --argjson tables "$out" --argjson versions "$versions" \
    '{name: $db, schema_versions: $versions, tables: $tables}'
}

# Restores one database of the manifest $1 from run folder $2 onto this stack's (empty) server.
ch_restore_database() {
  local manifest="$1" run="$2" db="$3" src name engine tmp part attached expected
  valid_name "$db"
  src="$run/clickhouse/$db"
  ch_q "CREATE DATABASE IF NOT EXISTS $db" >/dev/null
  [ "$(ch_q "SELECT count() FROM system.tables WHERE database = '$db'")" = 0 ] \
    || die "clickhouse: database $db already has tables; restore onto an empty server"
  tmp="$(mktemp -d "$CH_PATH/restore.XXXXXX")"
  # Tables first (views read from them), in the manifest's order.
  while IFS=$'\t' read -r name engine; do
    valid_name "$name"
    ch_q "$(jq -r --arg db "$db" --arg t "$name" '.clickhouse.databases[] | select(.name == $db) | .tables[] | select(.name == $t) | .create_table_query' "$manifest")" >/dev/null
    case "$engine" in
      *MergeTree)
        tar -C "$tmp" -xf "$src/$name.tar"
        if [ -d "$tmp/$name" ]; then
          for part in "$tmp/$name"/*/; do
            [ -d "$part" ] || continue
            [ "$(basename "$part")" = detached ] && continue
            mv "$part" "$CH_PATH/data/$db/$name/detached/"
          done
          chown -R clickhouse:clickhouse "$CH_PATH/data/$db/$name/detached"
          chmod -R u+rwX "$CH_PATH/data/$db/$name/detached"
          for part in "$CH_PATH/data/$db/$name/detached"/*/; do
            [ -d "$part" ] || continue
            [[ "$(basename "$part")" =~ ^[A-Za-z0-9_-]{1,200}$ ]] || die "clickhouse: '$(basename "$part")' is not a part name"
            ch_q "ALTER TABLE $db.$name ATTACH PART '$(basename "$part")'" >/dev/null
          done
        fi
        attached="$(ch_q "SELECT sum(rows) FROM system.parts WHERE database = '$db' AND table = '$name' AND active")"
        expected="$(jq --arg db "$db" --arg t "$name" '.clickhouse.databases[] | select(.name == $db) | .tables[] | select(.name == $t) | .rows' "$manifest")"
        [ "${attached:-0}" = "$expected" ] || die "clickhouse: $db.$name has $attached rows after ATTACH, the backup recorded $expected"
        log "clickhouse: $db.$name: $attached rows attached" ;;
      TinyLog|Log|StripeLog)
        if [ -s "$src/$name.rows.json" ]; then
          curl -fsS --max-time 120 "http://127.0.0.1:$(ch_port)/?user=default" \
            --data-binary @- >/dev/null < <(printf 'INSERT INTO %s.%s FORMAT JSONEachRow\n' "$db" "$name"; cat "$src/$name.rows.json") \
            || die "clickhouse: restoring the rows of $db.$name failed"
        fi ;;
    esac
  done < <(jq -r --arg db "$db" '.clickhouse.databases[] | select(.name == $db) | .tables[]
             | select(.engine != "MaterializedView" and .engine != "View") | [.name, .engine] | @tsv' "$manifest")
  # Then the views: from now on inserts (the Kafka replay) feed the rollups again.
  while read -r name; do
    ch_q "$(jq -r --arg db "$db" --arg t "$name" '.clickhouse.databases[] | select(.name == $db) | .tables[] | select(.name == $t) | .create_table_query' "$manifest")" >/dev/null
  done < <(jq -r --arg db "$db" '.clickhouse.databases[] | select(.name == $db) | .tables[]
             | select(.engine == "MaterializedView" or .engine == "View") | .name' "$manifest")
  rm -rf "$tmp"
}
