# shellcheck shell=bash
# Redis of the local stack (BullMQ, rate-limit counters): redis.conf, start, stop.
# Sourced by scripts/stack.sh.

REDIS_PORT="${REDIS_PORT:-56379}"

REDIS_DIR="$STACK_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_pid() {
  local pid
  pid="$(read_pid "$REDIS_PID")"
  # redis rewrites its process title, so also check its working directory
  # (redis chdirs to its data dir): that ties the process to this stack.
  if [ -n "$pid" ] && pid_matches "$pid" redis-server \
     && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$REDIS_DIR/data" ]; then
    printf '%s\n' "$pid"
  fi
}

redis_start() {
  local pid start user=root
  pid="$(redis_pid)"
  if [ -n "$pid" ]; then
    log "redis: already running (pid $pid, port $(recorded_port "$REDIS_DIR/port" "$REDIS_PORT")); leaving it"
    return 0
  fi
  start="$(now)"
  getent passwd redis >/dev/null && user=redis
  mkdir -p "$REDIS_DIR/data"
  if [ -e "$REDIS_PID" ]; then
    log "redis: removing stale pid file $REDIS_PID"
    rm -f "$REDIS_PID"
  fi
  cat > "$REDIS_DIR/redis.conf" <<EOF
# Written by scripts/stack.sh on every up.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
daemonize yes
supervised no
pidfile $REDIS_PID
logfile $REDIS_LOG
loglevel notice
dir $REDIS_DIR/data
dbfilename dump.rdb
save 3600 1 300 100 60 10000
appendonly no
databases 16
EOF
  touch "$REDIS_LOG"
  chown -R "$user:" "$REDIS_DIR"
  [ "$user" = root ] || ensure_traversable "$user" "$REDIS_DIR"
  require_free_port "$REDIS_PORT" redis
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  if ! (cd "$REDIS_DIR" && run_clean runuser -u "$user" -- redis-server "$REDIS_DIR/redis.conf" >>"$REDIS_LOG" 2>&1 9>&-); then
    show_tail "$REDIS_LOG"
    die "redis: redis-server failed to start"
  fi
  record_port "$REDIS_DIR/port" "$REDIS_PORT"
  # shellcheck disable=SC2317  # called through wait_for
  redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && [ -n "$(redis_pid)" ]; }
  wait_for redis "$WAIT_TIMEOUT" "" "$REDIS_LOG" redis_ready
  log "redis: ready (pid $(redis_pid)) in $(elapsed "$start")s"
}

redis_stop() {
  local pid
  pid="$(redis_pid)"
  if [ -z "$pid" ]; then
    log "redis: not running"
    return 0
  fi
  log "redis: stopping (pid $pid)"
  stop_pid redis "$pid" 30
  rm -f "$REDIS_PID"
  log "redis: stopped"
}
