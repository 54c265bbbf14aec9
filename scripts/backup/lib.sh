# shellcheck shell=bash
# What scripts/backup.sh and scripts/restore.sh share: the stack's server files (ports, users,
# data folders), where backups live, the backup lock, run folders and their manifests, and
# timing of phases. Layout of a backup folder: docs/disaster-recovery.md.

TPL_DIR="$REPO_DIR/scripts/stack"
# shellcheck source=SCRIPTDIR/../stack/common.sh
. "$TPL_DIR/common.sh"
# shellcheck source=SCRIPTDIR/../stack/postgres.sh
. "$TPL_DIR/postgres.sh"
# shellcheck source=SCRIPTDIR/../stack/redis.sh
. "$TPL_DIR/redis.sh"
# shellcheck source=SCRIPTDIR/../stack/clickhouse.sh
. "$TPL_DIR/clickhouse.sh"
# shellcheck source=SCRIPTDIR/../stack/kafka.sh
. "$TPL_DIR/kafka.sh"
# shellcheck source=SCRIPTDIR/../stack/commands.sh
. "$TPL_DIR/commands.sh"

log()  { printf '[backup] %s\n' "$*" >&2; }
warn() { printf '[backup] WARNING: %s\n' "$*" >&2; }
die()  { printf '[backup] ERROR: %s\n' "$*" >&2; exit 1; }

# The backup folder: BACKUP_DIR from the environment, else the stack's backup.env.
BACKUP_ROOT="${BACKUP_DIR:-$(backup_dir)}"
RUNS_DIR="$BACKUP_ROOT/backups"
# shellcheck disable=SC2034  # read by postgres.sh, verify.sh and restore.sh
WAL_ARCHIVE="$BACKUP_ROOT/wal"
# shellcheck disable=SC2034  # read by restore.sh
RESTORES_DIR="$BACKUP_ROOT/restores"
BACKUP_RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-$(backup_setting BACKUP_RETENTION_DAYS 30)}"
BACKUP_MIN_KEEP="${BACKUP_MIN_KEEP:-$(backup_setting BACKUP_MIN_KEEP 2)}"
BACKUP_MIN_FREE_GB="${BACKUP_MIN_FREE_GB:-$(backup_setting BACKUP_MIN_FREE_GB 2)}"

# One create, prune or restore at a time per backup folder (fd 8; the stack lock is fd 9).
take_backup_lock() {
  mkdir -p "$BACKUP_ROOT"
  exec 8>"$BACKUP_ROOT/.lock"
  flock -w 600 8 || die "another backup.sh or restore.sh is working on $BACKUP_ROOT"
}

iso_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# Seconds spent in each phase, kept for the manifest or the restore record: PHASES[name]=secs.
declare -A PHASES=()
PHASE_NAME="" PHASE_START=""
phase() {
  phase_end
  PHASE_NAME="$1"
  PHASE_START="$(now)"
  log "$1 …"
}
phase_end() {
  [ -n "$PHASE_NAME" ] || return 0
  PHASES[$PHASE_NAME]="$(elapsed "$PHASE_START")"
  log "$PHASE_NAME: ${PHASES[$PHASE_NAME]}s"
  PHASE_NAME=""
}
phases_json() {
  local k out='{}'
  for k in "${!PHASES[@]}"; do
    out="$(jq -c --arg k "$k" --argjson v "${PHASES[$k]}" '. + {($k): $v}' <<<"$out")"
  done
  printf '%s\n' "$out"
}

# Complete runs (a manifest.json), oldest first, one id per line.
complete_runs() {
  [ -d "$RUNS_DIR" ] || return 0
  local d
  for d in "$RUNS_DIR"/*/; do
    [ -f "$d/manifest.json" ] && basename "$d"
  done | sort
}

manifest_of() { printf '%s\n' "$RUNS_DIR/$1/manifest.json"; }

# A run id from latest or an id; dies when there is none.
resolve_run() {
  local want="$1" id
  if [ "$want" = latest ]; then
    id="$(complete_runs | tail -n 1)"
    [ -n "$id" ] || die "no complete backup in $RUNS_DIR"
  else
    [[ "$want" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || die "not a backup id: $want (ids look like 20261130T142500Z)"
    [ -f "$(manifest_of "$want")" ] || die "no complete backup $want in $RUNS_DIR"
    id="$want"
  fi
  printf '%s\n' "$id"
}

# The settings the app uses (stack.env under the environment), for the Node CLIs.
stack_env_value() {
  local name="$1" value="${!1:-}"
  if [ -z "$value" ] && [ -s "$STACK_ENV" ]; then
    value="$(sed -n "s/^$name=//p" "$STACK_ENV" | tail -n 1)"
  fi
  printf '%s\n' "$value"
}

# scripts/stack.sh with the usual umask: the servers' own files (configs their users read) are
# not backup data.
stack_cmd() {
  (umask 022 && bash "$REPO_DIR/scripts/stack.sh" "$@")
}

node_cli() {
  (cd "$REPO_DIR" && node -r ./scripts/swc-register.js "$@")
}
