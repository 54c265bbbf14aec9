#!/usr/bin/env bash
# PgBouncer in transaction mode in front of both PostgreSQL clusters of the compose `cluster`
# profile: the silo database on postgres-silo, every other database (control, pooled, test and
# bench ones) on postgres. The same pool settings as scripts/stack/pgbouncer/pgbouncer.ini.tmpl.
set -euo pipefail

: "${DATABASE_NAME:=tenantry}"
: "${DATABASE_SILO_NAME:=tenantry_silo}"
: "${DATABASE_OWNER_USER:=tenantry_owner}"
: "${DATABASE_OWNER_PASSWORD:=tenantry_owner_dev}"
: "${DATABASE_APP_USER:=tenantry_app}"
: "${DATABASE_APP_PASSWORD:=tenantry_app_dev}"
: "${DATABASE_PLATFORM_USER:=tenantry_platform}"
: "${DATABASE_PLATFORM_PASSWORD:=tenantry_platform_dev}"
DIR=/tmp/pgbouncer
mkdir -p "$DIR"
umask 077

# The auth file holds the passwords, not the SCRAM verifiers the stack copies from pg_authid:
# PgBouncer logs in to a server with the client's SCRAM keys only when the server stores the very
# same verifier (same salt), and the two clusters salted their roles' passwords separately.
# With the password itself PgBouncer authenticates to each cluster on its own. The file lives in
# the container's /tmp (mode 600), never in the image or the repository.
userlist() { printf '"%s" "%s"\n' "$1" "${2//\"/\"\"}"; }
{
  userlist "$DATABASE_OWNER_USER" "$DATABASE_OWNER_PASSWORD"
  userlist "$DATABASE_APP_USER" "$DATABASE_APP_PASSWORD"
  userlist "$DATABASE_PLATFORM_USER" "$DATABASE_PLATFORM_PASSWORD"
} > "$DIR/userlist.txt"

cat > "$DIR/pgbouncer.ini" <<INI
[databases]
${DATABASE_SILO_NAME} = host=postgres-silo port=5432 dbname=${DATABASE_SILO_NAME}
* = host=postgres port=5432

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
logfile =
pidfile =
auth_type = scram-sha-256
auth_file = ${DIR}/userlist.txt
admin_users = ${DATABASE_OWNER_USER}
stats_users = ${DATABASE_PLATFORM_USER}
; A server connection is a client's for one transaction: the app keeps no session state
; (docs/local-stack.md, "Why transaction mode is safe for this app").
pool_mode = transaction
server_reset_query =
; The app sends no named prepared statements; 0 keeps the pooler's behaviour the stack's (1.18).
max_prepared_statements = 0
default_pool_size = 20
reserve_pool_size = 5
reserve_pool_timeout = 3
max_client_conn = 1000
query_wait_timeout = 30
server_idle_timeout = 60
ignore_startup_parameters = extra_float_digits
INI

exec pgbouncer "$DIR/pgbouncer.ini"
