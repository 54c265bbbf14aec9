#!/usr/bin/env bash
# Local dev stack for Tenantry, without Docker: PostgreSQL 15, Redis,
# ClickHouse (Debian's 18.16) and Apache Kafka 4.x (KRaft), all on 127.0.0.1,
# all data and logs under one folder, ${TENANTRY_STACK_DIR:-<repo>/.stack}.
#
#   scripts/stack.sh up     [SERVICE...]           install what is missing, start, wait, write stack.env
#   scripts/stack.sh down   [--purge|--kill] [SERVICE...] stop what this stack started (--purge: delete its data; --kill: SIGKILL, kafka@N only)
#   scripts/stack.sh status [SERVICE...]           exit 0 if all running, else 3
#   scripts/stack.sh reset                         down --purge for every service (pgbouncer too)
#   scripts/stack.sh env                           print the path of stack.env
#   scripts/stack.sh browser                       install Debian's chromium if missing (the embed browser test)
#   scripts/stack.sh promtool                      install Debian's prometheus if missing (promtool, for the alert rules)
#
# SERVICE is any of: postgres postgres-silo redis clickhouse kafka pgbouncer (default: postgres,
# redis, clickhouse, kafka; pgbouncer with PGBOUNCER=on and postgres-silo, the second PostgreSQL
# cluster of siloed placements, with PG_SILO=on, or while they run); also kafka@N, node N of a
# KAFKA_NODES=3 cluster.
# Ports and credentials come from the environment; see docs/local-stack.md.
#
# The code is in scripts/stack/: common.sh (logging, pid files, waiting, apt), one file per
# server (postgres.sh, redis.sh, clickhouse.sh, kafka.sh), commands.sh (up, down, status and
# stack.env), browser.sh and promtool.sh; beside them each server's templates (postgres/,
# clickhouse/, kafka/).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd -P)"
TPL_DIR="$SCRIPT_DIR/stack"

# Every service this script knows, in start order; ALL_SERVICES (below) is what `up`, `down` and
# `status` act on when none is named.
KNOWN_SERVICES=(postgres postgres-silo redis clickhouse kafka pgbouncer)

# shellcheck source=SCRIPTDIR/stack/common.sh
. "$TPL_DIR/common.sh"
# shellcheck source=SCRIPTDIR/stack/postgres.sh
. "$TPL_DIR/postgres.sh"
# shellcheck source=SCRIPTDIR/stack/redis.sh
. "$TPL_DIR/redis.sh"
# shellcheck source=SCRIPTDIR/stack/clickhouse.sh
. "$TPL_DIR/clickhouse.sh"
# shellcheck source=SCRIPTDIR/stack/kafka.sh
. "$TPL_DIR/kafka.sh"
# shellcheck source=SCRIPTDIR/stack/pgbouncer.sh
. "$TPL_DIR/pgbouncer.sh"
# shellcheck source=SCRIPTDIR/stack/commands.sh
. "$TPL_DIR/commands.sh"
# shellcheck source=SCRIPTDIR/stack/browser.sh
. "$TPL_DIR/browser.sh"
# shellcheck source=SCRIPTDIR/stack/promtool.sh
. "$TPL_DIR/promtool.sh"

# PgBouncer joins the default set with PGBOUNCER=on, or while it runs (so down and status see it).
ALL_SERVICES=(postgres redis clickhouse kafka)
# The silo cluster (siloed placements) likewise, with PG_SILO=on or while it runs.
if [ "${PG_SILO:-off}" = on ] || { [ -d "$STACK_DIR" ] && [ -n "$(pg_use_instance silo; pg_pid)" ]; }; then
  ALL_SERVICES+=(postgres-silo)
fi
if [ "${PGBOUNCER:-off}" = on ] || { [ -d "$STACK_DIR" ] && [ -n "$(pgb_pid)" ]; }; then
  ALL_SERVICES+=(pgbouncer)
fi

# Here, not in common.sh: it prints this file's header.
usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    reset) cmd_down --purge "${KNOWN_SERVICES[@]}" ;;
    env) printf '%s\n' "$STACK_ENV" ;;
    browser) cmd_browser ;;
    promtool) cmd_promtool ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
