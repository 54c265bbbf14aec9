# shellcheck shell=bash
# The commands over the servers: up, down, status, and what they print and write (the status
# table, stack.env). Sourced by scripts/stack.sh.

svc_pid() {
  case "$1" in
    postgres) pg_pid ;;
    postgres-silo) pg_use_instance silo; pg_pid ;;
    redis) redis_pid ;;
    clickhouse) ch_pid ;;
    kafka) kafka_pid ;;
    pgbouncer) pgb_pid ;;
    kafka@*) kafka_node "${1#kafka@}"; kafka_node_pid ;;
  esac
}

svc_dir() {
  case "$1" in
    postgres) printf '%s\n' "$PG_DIR" ;;
    postgres-silo) pg_use_instance silo; printf '%s\n' "$PG_DIR" ;;
    redis) printf '%s\n' "$REDIS_DIR" ;;
    clickhouse) printf '%s\n' "$CH_DIR" ;;
    kafka) printf '%s\n' "$KAFKA_DIR" ;;
    pgbouncer) printf '%s\n' "$PGB_DIR" ;;
    kafka@*) kafka_node "${1#kafka@}"; printf '%s\n' "$NODE_DIR" ;;
  esac
}

svc_port() {
  case "$1" in
    postgres) recorded_port "$PG_DIR/port" "$PG_PORT" ;;
    postgres-silo) pg_use_instance silo; recorded_port "$PG_DIR/port" "$PG_PORT" ;;
    redis) recorded_port "$REDIS_DIR/port" "$REDIS_PORT" ;;
    clickhouse) recorded_port "$CH_DIR/port" "$CLICKHOUSE_HTTP_PORT" ;;
    kafka) recorded_port "$KAFKA_DIR/port" "$KAFKA_PORT" ;;
    pgbouncer) recorded_port "$PGB_DIR/port" "$PGBOUNCER_PORT" ;;
    kafka@*) kafka_node "${1#kafka@}"; recorded_port "$NODE_DIR/port" "$NODE_PORT" ;;
  esac
}

svc_address() {
  local port
  port="$(svc_port "$1")"
  case "$1" in
    postgres) printf 'postgresql://127.0.0.1:%s/%s\n' "$port" "$DATABASE_NAME" ;;
    postgres-silo) printf 'postgresql://127.0.0.1:%s/%s_silo\n' "$port" "$DATABASE_NAME" ;;
    redis) printf 'redis://127.0.0.1:%s\n' "$port" ;;
    clickhouse)
      if [ "$CLICKHOUSE_NODES" = 1 ]; then
        printf 'http://127.0.0.1:%s (native :%s)\n' "$port" "$(recorded_port "$CH_DIR/tcp_port" "$CLICKHOUSE_TCP_PORT")"
      else
        printf '%s (cluster %s)\n' "$(ch_node_urls)" "$CLICKHOUSE_CLUSTER_NAME"
      fi ;;
    kafka) kafka_brokers ;;
    kafka@*) printf '127.0.0.1:%s\n' "$port" ;;
    pgbouncer) printf 'postgresql://127.0.0.1:%s/%s (pooled)\n' "$port" "$DATABASE_NAME" ;;
  esac
}

svc_log() {
  case "$1" in
    postgres) printf '%s\n' "$PG_LOG" ;;
    postgres-silo) pg_use_instance silo; printf '%s\n' "$PG_LOG" ;;
    redis) printf '%s\n' "$REDIS_LOG" ;;
    clickhouse) printf '%s\n' "$CH_LOG" ;;
    kafka) printf '%s\n' "$KAFKA_LOG" ;;
    pgbouncer) printf '%s\n' "$PGB_LOG" ;;
    kafka@*) kafka_node "${1#kafka@}"; printf '%s\n' "$NODE_LOG" ;;
  esac
}

# Print KEY=value, quoting the value only when the shell needs it.
env_line() {
  if [[ "$2" =~ ^[A-Za-z0-9_./:@%+=,-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf '%s=%q\n' "$1" "$2"
  fi
}

write_stack_env() {
  {
    echo "# Tenantry local stack ($STACK_DIR), written by scripts/stack.sh up."
    echo "# Source it: set -a; . $STACK_ENV; set +a"
    env_line DATABASE_HOST 127.0.0.1
    env_line DATABASE_PORT "$(svc_port postgres)"
    env_line DATABASE_NAME "$DATABASE_NAME"
    env_line DATABASE_OWNER_USER "$DATABASE_OWNER_USER"
    env_line DATABASE_OWNER_PASSWORD "$DATABASE_OWNER_PASSWORD"
    env_line DATABASE_APP_USER "$DATABASE_APP_USER"
    env_line DATABASE_APP_PASSWORD "$DATABASE_APP_PASSWORD"
    env_line DATABASE_PLATFORM_USER "$DATABASE_PLATFORM_USER"
    env_line DATABASE_PLATFORM_PASSWORD "$DATABASE_PLATFORM_PASSWORD"
    env_line CLICKHOUSE_WRITER_USER "$CLICKHOUSE_WRITER_USER"
    env_line CLICKHOUSE_WRITER_PASSWORD "$CLICKHOUSE_WRITER_PASSWORD"
    env_line CLICKHOUSE_READER_USER "$CLICKHOUSE_READER_USER"
    env_line CLICKHOUSE_READER_PASSWORD "$CLICKHOUSE_READER_PASSWORD"
    env_line CLICKHOUSE_READER_BACKGROUND_USER "$CLICKHOUSE_READER_BACKGROUND_USER"
    env_line CLICKHOUSE_READER_BACKGROUND_PASSWORD "$CLICKHOUSE_READER_BACKGROUND_PASSWORD"
    env_line REDIS_URL "redis://127.0.0.1:$(svc_port redis)"
    env_line CLICKHOUSE_URL "http://127.0.0.1:$(svc_port clickhouse)"
    if [ "$CLICKHOUSE_NODES" != 1 ]; then
      # A cluster (CLICKHOUSE_NODES=2): the app shards by tenant over these nodes, in shard order.
      env_line CLICKHOUSE_CLUSTER "$CLICKHOUSE_CLUSTER_NAME"
      env_line CLICKHOUSE_NODE_URLS "$(ch_node_urls)"
      env_line CLICKHOUSE_CLUSTER_PASSWORD "$(ch_cluster_password)"
    fi
    env_line KAFKA_BROKERS "$(kafka_brokers)"
    # PgBouncer running: where it listens (the app uses it with DATABASE_POOLER=pgbouncer).
    [ -z "$(pgb_pid)" ] || env_line DATABASE_POOLER_PORT "$(svc_port pgbouncer)"
    # The silo cluster running: placement silo-1's connection (connection_ref env:SILO1). Same
    # roles as the main cluster; the owner's only for the migration runner. Direct port: no
    # PgBouncer in front of the silo.
    if [ -n "$(svc_pid postgres-silo)" ]; then
      env_line PLACEMENT_SILO1_HOST 127.0.0.1
      env_line PLACEMENT_SILO1_PORT "$(svc_port postgres-silo)"
      env_line PLACEMENT_SILO1_DATABASE "${DATABASE_NAME}_silo"
      env_line PLACEMENT_SILO1_APP_USER "$DATABASE_APP_USER"
      env_line PLACEMENT_SILO1_APP_PASSWORD "$DATABASE_APP_PASSWORD"
      env_line PLACEMENT_SILO1_PLATFORM_USER "$DATABASE_PLATFORM_USER"
      env_line PLACEMENT_SILO1_PLATFORM_PASSWORD "$DATABASE_PLATFORM_PASSWORD"
      env_line PLACEMENT_SILO1_OWNER_USER "$DATABASE_OWNER_USER"
      env_line PLACEMENT_SILO1_OWNER_PASSWORD "$DATABASE_OWNER_PASSWORD"
    fi
    # Backups configured (scripts/backup.sh init): the app reports them (GET /admin/backups).
    [ "$(backup_target)" = off ] || env_line BACKUP_DIR "$(backup_dir)"
    if [ "$KAFKA_SASL" = on ] && [ -s "$KAFKA_CREDENTIALS" ]; then
      # shellcheck disable=SC1090
      . "$KAFKA_CREDENTIALS"
      # The app's principal; the producers' for the README and the tests; the admin's for
      # the test suite's topic clean-up and Kafka's own tools (never for the app).
      env_line KAFKA_SASL_USERNAME "$KAFKA_APP_USERNAME"
      env_line KAFKA_SASL_PASSWORD "$KAFKA_APP_PASSWORD"
      env_line KAFKA_PRODUCER_USERNAME "$KAFKA_PRODUCER_USERNAME"
      env_line KAFKA_PRODUCER_PASSWORD "$KAFKA_PRODUCER_PASSWORD"
      env_line KAFKA_TEST_PRODUCER_USERNAME "$KAFKA_TEST_PRODUCER_USERNAME"
      env_line KAFKA_TEST_PRODUCER_PASSWORD "$KAFKA_TEST_PRODUCER_PASSWORD"
      env_line KAFKA_ADMIN_USERNAME "$KAFKA_ADMIN_USERNAME"
      env_line KAFKA_ADMIN_PASSWORD "$KAFKA_ADMIN_PASSWORD"
    fi
  } > "$STACK_ENV.tmp"
  mv -f "$STACK_ENV.tmp" "$STACK_ENV"
}

print_table() {
  local svc pid
  printf '\n%-14s %-8s %-46s %s\n' SERVICE PID ADDRESS LOG
  for svc in "$@"; do
    pid="$(svc_pid "$svc")"
    printf '%-14s %-8s %-46s %s\n' "$svc" "${pid:--}" "$(svc_address "$svc")" "$(svc_log "$svc")"
  done
  printf '\n'
}

# Parse service names (default: all) into SERVICES, in the canonical order; then single
# Kafka nodes (kafka@N, of a KAFKA_NODES=3 cluster), as given.
parse_services() {
  local s ok known wanted=() nodes=()
  SERVICES=()
  for s in "$@"; do
    if [[ "$s" =~ ^kafka@[0-9]+$ ]]; then
      kafka_node "${s#kafka@}"
      nodes+=("$s")
      continue
    fi
    ok=0
    for known in "${KNOWN_SERVICES[@]}"; do [ "$s" = "$known" ] && ok=1; done
    [ "$ok" = 1 ] || die "unknown service '$s' (known: ${KNOWN_SERVICES[*]}, kafka@N)"
    wanted+=("$s")
  done
  [ "${#wanted[@]}" -gt 0 ] || [ "${#nodes[@]}" -gt 0 ] || wanted=("${ALL_SERVICES[@]}")
  for known in "${KNOWN_SERVICES[@]}"; do
    for s in "${wanted[@]}"; do
      if [ "$s" = "$known" ]; then SERVICES+=("$known"); break; fi
    done
  done
  SERVICES+=("${nodes[@]+"${nodes[@]}"}")
}

check_ports() {
  local name port seen=" "
  for name in PG_PORT PG_SILO_PORT REDIS_PORT CLICKHOUSE_HTTP_PORT CLICKHOUSE_TCP_PORT CLICKHOUSE_INTERSERVER_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT PGBOUNCER_PORT; do
    port="${!name}"
    [[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) || die "$name=$port is not a port number"
    [[ "$seen" != *" $port "* ]] || die "$name=$port is used twice"
    seen+="$port "
  done
}

cmd_up() {
  parse_services "$@"
  check_ports
  [ "$(id -u)" = 0 ] || die "run as root (it installs packages and runs the servers as their system users)"
  local start
  start="$(now)"
  mkdir -p "$STACK_DIR"
  STACK_DIR_ABS="$(cd "$STACK_DIR" && pwd -P)"
  [ "$STACK_DIR_ABS" = "$STACK_DIR" ] || die "internal: stack dir moved ($STACK_DIR -> $STACK_DIR_ABS)"
  take_lock
  log "stack dir: $STACK_DIR; services: ${SERVICES[*]}"
  ensure_installed "${SERVICES[@]}"
  local svc
  for svc in "${SERVICES[@]}"; do
    case "$svc" in
      postgres) pg_start ;;
      postgres-silo) pg_on_silo pg_start ;;
      redis) redis_start ;;
      clickhouse) ch_start ;;
      kafka) kafka_start ;;
      pgbouncer) pgb_start ;;
      kafka@*) kafka_start_node "${svc#kafka@}" ;;
    esac
  done
  write_stack_env
  print_table "${SERVICES[@]}"
  log "app settings: $STACK_ENV   (set -a; . $STACK_ENV; set +a)"
  log "up done in $(elapsed "$start")s"
}

cmd_down() {
  local purge=0 signal=TERM args=() a
  for a in "$@"; do
    case "$a" in
      --purge) purge=1 ;;
      # SIGKILL instead of a clean stop, for fault tests: kafka@N only.
      --kill) signal=KILL ;;
      *) args+=("$a") ;;
    esac
  done
  parse_services "${args[@]+"${args[@]}"}"
  for a in "${SERVICES[@]}"; do
    if [[ "$a" == kafka@* ]]; then
      [ "$purge" = 0 ] || die "--purge deletes whole services; $a is one node of one"
    else
      [ "$signal" = TERM ] || die "--kill stops one Kafka node (kafka@N), not $a"
    fi
  done
  if [ ! -d "$STACK_DIR" ]; then
    log "nothing to stop: $STACK_DIR does not exist"
    return 0
  fi
  take_lock
  local i svc
  for (( i = ${#SERVICES[@]} - 1; i >= 0; i-- )); do
    svc="${SERVICES[$i]}"
    case "$svc" in
      postgres) pg_stop ;;
      postgres-silo) pg_on_silo pg_stop ;;
      redis) redis_stop ;;
      clickhouse) ch_stop ;;
      kafka) kafka_stop ;;
      pgbouncer) pgb_stop ;;
      kafka@*) kafka_stop_node "${svc#kafka@}" "$signal" ;;
    esac
  done
  if [ "$purge" = 1 ]; then
    for svc in "${SERVICES[@]}"; do
      if [ "$svc" = kafka ] && [ -d "$KAFKA_LIBS" ]; then
        # Keep the resolved jars: they are a cache, not data.
        find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} +
      elif [ "$svc" = clickhouse ]; then
        # Every node's folder (a cluster's second node has its own).
        ch_dirs | while read -r d; do rm -rf "$d"; done
      else
        rm -rf "$(svc_dir "$svc")"
      fi
      log "$svc: data removed"
    done
    if [ "${#SERVICES[@]}" -ge "${#ALL_SERVICES[@]}" ]; then
      rm -f "$STACK_ENV" "$STACK_DIR/install.log"
    fi
  fi
}

cmd_status() {
  parse_services "$@"
  local svc pid all=0
  printf '%-14s %-8s %-8s %-46s %s\n' SERVICE STATE PID ADDRESS LOG
  for svc in "${SERVICES[@]}"; do
    pid=""
    [ -d "$STACK_DIR" ] && pid="$(svc_pid "$svc")"
    if [ -n "$pid" ]; then
      printf '%-14s %-8s %-8s %-46s %s\n' "$svc" running "$pid" "$(svc_address "$svc")" "$(svc_log "$svc")"
    else
      printf '%-14s %-8s %-8s %-46s %s\n' "$svc" stopped - "$(svc_address "$svc")" "$(svc_log "$svc")"
      all=3
    fi
  done
  [ -f "$STACK_ENV" ] && printf '\nenv: %s\n' "$STACK_ENV"
  return "$all"
}
