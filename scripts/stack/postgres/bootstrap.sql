-- Tenantry database bootstrap: the two roles and the database.
--
-- Idempotent: safe to run on every `scripts/stack.sh up` and as the docker
-- init script (docker/postgres/init/10-tenantry.sh). Run it as a superuser,
-- connected to any database, with psql variables:
--
--   psql -v ON_ERROR_STOP=1 \
--        -v owner_user=tenantry_owner -v owner_password=... \
--        -v app_user=tenantry_app     -v app_password=... \
--        -v platform_user=tenantry_platform -v platform_password=... \
--        -v db_name=tenantry [-v statement_timeout_ms=15000] -f bootstrap.sql
--
-- * owner role: owns the database and its public schema; migrations run as it.
-- * app role: what the app connects as. It owns nothing, is not a superuser,
--   cannot bypass row level security, and is NOINHERIT so a grant of another
--   role never widens what it can do without an explicit SET ROLE.
-- * platform role: what the /admin code paths (and the rollup job) connect as, on a pool of
--   their own. Same attributes as the app role; the migrations give it the cross-tenant
--   SECURITY DEFINER readers and UPDATE on tenants and platform_admins, which the app role,
--   serving tenant traffic, no longer holds.
-- Table privileges for the app and platform roles are granted by the migrations, not here.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I', :'owner_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L',
              :'owner_user', :'owner_password') \gexec

SELECT format('CREATE ROLE %I', :'app_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD %L',
              :'app_user', :'app_password') \gexec

SELECT format('CREATE ROLE %I', :'platform_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'platform_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD %L',
              :'platform_user', :'platform_password') \gexec

-- The serving roles' statement timeout, as a role default: through PgBouncer (transaction mode)
-- the app cannot send it as a startup parameter (PgBouncer refuses it), so it comes from here.
-- Same value as the app's DATABASE_STATEMENT_TIMEOUT_MS default; a direct connection's startup
-- parameter still overrides it. The owner role (migrations) keeps none.
\if :{?statement_timeout_ms}
\else
  \set statement_timeout_ms 15000
\endif
SELECT format('ALTER ROLE %I SET statement_timeout = %s', r, (:'statement_timeout_ms')::int)
  FROM unnest(ARRAY[:'app_user', :'platform_user']) AS r \gexec

SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db_name', :'owner_user', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db_name', :'owner_user') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db_name', :'app_user') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db_name', :'platform_user') \gexec

\connect :"db_name"

SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner_user') \gexec
-- PostgreSQL 15 already keeps CREATE on public from PUBLIC; say it anyway.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app_user') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'platform_user') \gexec

-- The app and platform roles must own nothing in this database.
SELECT count(*) AS app_owned_objects
  FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
 WHERE r.rolname IN (:'app_user', :'platform_user') \gset
SELECT (:app_owned_objects = 0) AS app_owns_nothing \gset
\if :app_owns_nothing
\else
  \warn 'WARNING: the app or platform role owns relations in this database; both must own nothing.'
\endif
