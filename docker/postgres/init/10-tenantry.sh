#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume
# (/docker-entrypoint-initdb.d). Creates the Tenantry roles and database with
# the same SQL as scripts/stack.sh: scripts/stack/postgres/bootstrap.sql,
# mounted at /tenantry/bootstrap.sql by docker/docker-compose.yml.
set -euo pipefail

psql -X -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v owner_user="${DATABASE_OWNER_USER:-tenantry_owner}" \
  -v owner_password="${DATABASE_OWNER_PASSWORD:-tenantry_owner_dev}" \
  -v app_user="${DATABASE_APP_USER:-tenantry_app}" \
  -v app_password="${DATABASE_APP_PASSWORD:-tenantry_app_dev}" \
  -v platform_user="${DATABASE_PLATFORM_USER:-tenantry_platform}" \
  -v platform_password="${DATABASE_PLATFORM_PASSWORD:-tenantry_platform_dev}" \
  -v db_name="${DATABASE_NAME:-tenantry}" \
  -f /tenantry/bootstrap.sql
