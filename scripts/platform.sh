#!/usr/bin/env bash
# Brings the whole platform up on this machine: Node dependencies, the local stack (PostgreSQL,
# Redis, ClickHouse, Kafka), a build, migrations, the app on 127.0.0.1, and demo tenants; then
# prints where to look.
#
#   scripts/platform.sh up       start (or restart the app), seed the demo tenants once, start the simulator
#   scripts/platform.sh down     stop the simulator, the app and the stack
#   scripts/platform.sh status   what runs, and where (the API, the simulator, the events topic)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_DIR="$PWD"
STACK_DIR="${TENANTRY_STACK_DIR:-$REPO_DIR/.stack}"
APP_DIR="$STACK_DIR/app"
APP_PID="$APP_DIR/app.pid"
APP_LOG="$APP_DIR/app.log"
# Where the running app listens and what it reads, written by up for status.
APP_ENDPOINTS="$APP_DIR/endpoints.env"
PORT="${PORT:-3000}"

step() { printf '==> %s\n' "$*"; }
usage() { echo "usage:"; sed -n '6,8p' "$REPO_DIR/scripts/platform.sh" | sed 's/^# //'; }
SIM_PID="$APP_DIR/simulator.pid"
SIM_LOG="$APP_DIR/simulator.log"
STREAM_RATE="${DEMO_STREAM_RATE:-20}"

stream_running() { [ -f "$SIM_PID" ] && kill -0 "$(cat "$SIM_PID")" 2>/dev/null; }

stop_stream() {
  if stream_running; then
    kill -TERM "$(cat "$SIM_PID")" 2>/dev/null || true
  fi
  rm -f "$SIM_PID"
}

# A steady trickle of realistic events into the demo tenants, so there is always something new to
# look at (DEMO_STREAM_RATE events/s, 0 to turn it off).
start_stream() {
  stop_stream
  [ "$STREAM_RATE" -gt 0 ] || return 0
  TENANTRY_URL="$1" nohup node -r ./scripts/swc-register.js src/cli/simulate.ts \
    --slugs acme,globex,initech --events 1000000000 --rate "$STREAM_RATE" --batch 10 --concurrency 1 \
    >>"$SIM_LOG" 2>&1 </dev/null &
  echo $! > "$SIM_PID"
}
app_running() { [ -f "$APP_PID" ] && kill -0 "$(cat "$APP_PID")" 2>/dev/null; }

stop_app() {
  if app_running; then
    local pid; pid="$(cat "$APP_PID")"
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    step "app stopped (pid $pid)"
  fi
  rm -f "$APP_PID"
}

# Secrets for this machine's platform, made once and kept under .stack/app (mode 600): the JWT
# secret and the demo password, from which the first platform admin's password is derived.
ensure_secrets() {
  mkdir -p "$APP_DIR"
  [ -s "$APP_DIR/jwt-secret" ] || (umask 077; node -e 'console.log(require("crypto").randomBytes(48).toString("base64url"))' > "$APP_DIR/jwt-secret")
  [ -s "$APP_DIR/demo-password" ] || (umask 077; node -e 'console.log("demo-" + require("crypto").randomBytes(9).toString("base64url"))' > "$APP_DIR/demo-password")
  [ -s "$APP_DIR/sso-secret-key" ] || (umask 077; node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))' > "$APP_DIR/sso-secret-key")
  [ -s "$APP_DIR/metrics-token" ] || (umask 077; node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))' > "$APP_DIR/metrics-token")
  rm -f "$APP_DIR/admin-token"  # the static admin token of earlier versions is gone
  DEMO_PASSWORD="$(cat "$APP_DIR/demo-password")"
  # The first platform admin account, created by the app at start-up when none exists.
  export PLATFORM_ADMIN_EMAIL="${PLATFORM_ADMIN_EMAIL:-ops@tenantry.localhost}"
  export PLATFORM_ADMIN_PASSWORD="${PLATFORM_ADMIN_PASSWORD:-$DEMO_PASSWORD-ops}"
  export JWT_SECRET; JWT_SECRET="$(cat "$APP_DIR/jwt-secret")"
  # Encrypts tenants' SSO client secrets at rest (AES-256-GCM).
  export SSO_SECRET_KEY; SSO_SECRET_KEY="$(cat "$APP_DIR/sso-secret-key")"
  # GET /metrics needs it as a bearer token (Prometheus: authorization.credentials_file).
  export METRICS_TOKEN; METRICS_TOKEN="$(cat "$APP_DIR/metrics-token")"
}

up() {
  bash scripts/ensure-node-modules.sh
  step "local stack"; PG_SILO=on bash scripts/stack.sh up   # the silo cluster: placement silo-1
  set -a; . "$STACK_DIR/stack.env"; set +a
  ensure_secrets
  step "build"; npm run --silent build   # nest build, then the embed bundle (dist/embed) and the consoles (dist/web)
  step "migrations"; node dist/src/cli/migrate.js
  stop_stream  # it would only count failures while the app restarts; started again below
  stop_app
  step "app"
  export PORT HOST="${HOST:-127.0.0.1}" NODE_ENV="${NODE_ENV:-development}"
  nohup node dist/src/main.js >>"$APP_LOG" 2>&1 </dev/null &
  echo $! > "$APP_PID"
  local url="http://127.0.0.1:$PORT"
  {
    echo "API_URL=$url"
    echo "EVENTS_TOPIC=${KAFKA_EVENTS_TOPIC:-tenant_events}"
    echo "KAFKA_BROKERS=${KAFKA_BROKERS:-}"
    echo "STREAM_RATE=$STREAM_RATE"
  } > "$APP_ENDPOINTS"
  for _ in $(seq 1 100); do
    curl -fsS "$url/health/live" >/dev/null 2>&1 && break
    app_running || { tail -n 30 "$APP_LOG"; echo "the app exited; its log is above" >&2; exit 1; }
    sleep 0.2
  done
  curl -fsS "$url/health/live" >/dev/null || { tail -n 30 "$APP_LOG"; exit 1; }

  echo
  echo "Tenantry is up (pid $(cat "$APP_PID"))."
  echo "  API         $url"
  echo "  Swagger UI  $url/docs   (OpenAPI document: $url/docs-json)"
  echo "  Health      $url/health"
  echo "  Metrics     $url/metrics   (Authorization: Bearer \$(cat $APP_DIR/metrics-token))"
  echo "  App log     $APP_LOG   (JSON lines; pipe through npx pino-pretty to read)"
  echo "  Operator console  $url/console   sign in as $PLATFORM_ADMIN_EMAIL / $PLATFORM_ADMIN_PASSWORD"
  echo "  Tenant workspace  $url/app?tenant=acme   sign in as owner@acme.example / $DEMO_PASSWORD (or any owner below)"
  echo "  Admin login $PLATFORM_ADMIN_EMAIL / $PLATFORM_ADMIN_PASSWORD   (POST /auth/admin/login; README shows the curl)"
  echo "  Demo tenants, each with an owner who can log in (POST /auth/login, 15-minute tokens):"
  # Sends the week of history only to tenants without events in the last 7 days, and counts
  # what is stored once it is.
  TENANTRY_URL="$url" DEMO_PASSWORD="$DEMO_PASSWORD" node dist/src/cli/demo.js
  start_stream "$url"
  [ "$STREAM_RATE" -gt 0 ] && echo "  Stream      ~$STREAM_RATE events/s into acme, globex, initech (simulator pid $(cat "$SIM_PID"), log $SIM_LOG; DEMO_STREAM_RATE=0 to turn off)"
  if [ -n "${CLICKHOUSE_URL:-}" ]; then
    echo "  ClickHouse  curl -s '$CLICKHOUSE_URL/?query=SELECT+event_type,count()+FROM+${CLICKHOUSE_DATABASE:-tenantry}.events+FINAL+GROUP+BY+event_type'"
  fi
  echo
  status || true
}

# The app, the simulator and the events topic, then the stack's servers; exits 3 when the app
# or one of the stack's servers is not running (as the stack's status does), so a script can
# wait on it.
status() {
  local API_URL="" EVENTS_TOPIC="" KAFKA_BROKERS="" STREAM_RATE="$STREAM_RATE" app_up=0
  # shellcheck disable=SC1090
  [ -f "$APP_ENDPOINTS" ] && . "$APP_ENDPOINTS"
  if app_running; then
    app_up=1
    printf '%-11s running (pid %s)  API %s  log %s\n' app "$(cat "$APP_PID")" "${API_URL:-?}" "$APP_LOG"
  else
    printf '%-11s stopped  log %s\n' app "$APP_LOG"
  fi
  if stream_running; then
    printf '%-11s running (pid %s)  ~%s events/s into acme, globex, initech  log %s\n' \
      simulator "$(cat "$SIM_PID")" "$STREAM_RATE" "$SIM_LOG"
  else
    printf '%-11s stopped  log %s\n' simulator "$SIM_LOG"
  fi
  printf '%-11s %s on %s (POST /v1/events and direct producers write it)\n' \
    topic "${EVENTS_TOPIC:-${KAFKA_EVENTS_TOPIC:-tenant_events}}" "${KAFKA_BROKERS:-?}"
  echo
  local stack_status=0
  bash scripts/stack.sh status || stack_status=$?
  [ "$stack_status" -ne 0 ] && return "$stack_status"
  [ "$app_up" -eq 1 ] || return 3
}

case "${1:-}" in
  up) up ;;
  down) stop_stream; stop_app; bash scripts/stack.sh down ;;
  status) status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
