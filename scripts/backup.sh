#!/usr/bin/env bash
# Backups of the local stack's data: PostgreSQL (base backup + continuous WAL archive, so any
# moment since the oldest kept backup can be restored), ClickHouse (FREEZE of the event and rollup
# tables) and the Kafka consumer groups' offsets (the replay point that fills the gap after a
# restore). Redis holds nothing that is not rebuilt. Runbook: docs/disaster-recovery.md.
#
#   scripts/backup.sh init [--dir DIR] [--off]   turn backups on for this stack folder (WAL archiving into DIR/wal)
#   scripts/backup.sh create [--json]            one backup run; prints its id (or a JSON line)
#   scripts/backup.sh list [--json]              the complete runs, newest first
#   scripts/backup.sh verify [--deep] [ID]       checksums, the WAL chain, Kafka retention; --deep restores it aside
#   scripts/backup.sh prune [--dry-run]          drop runs past BACKUP_RETENTION_DAYS (30), keeping the anchor
#
# The stack folder is TENANTRY_STACK_DIR (default <repo>/.stack); the backup folder is BACKUP_DIR,
# else the one `init` wrote into the stack folder's backup.env (default <stack>/backups).
# Restore: scripts/restore.sh.
set -euo pipefail
# Backups hold every tenant's data: files 0640, folders 0750 (the app's group may read manifests).
umask 027

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd -P)"
# shellcheck source=SCRIPTDIR/backup/lib.sh
. "$SCRIPT_DIR/backup/lib.sh"
# shellcheck source=SCRIPTDIR/backup/postgres.sh
. "$SCRIPT_DIR/backup/postgres.sh"
# shellcheck source=SCRIPTDIR/backup/clickhouse.sh
. "$SCRIPT_DIR/backup/clickhouse.sh"
# shellcheck source=SCRIPTDIR/backup/create.sh
. "$SCRIPT_DIR/backup/create.sh"
# shellcheck source=SCRIPTDIR/backup/list.sh
. "$SCRIPT_DIR/backup/list.sh"
# shellcheck source=SCRIPTDIR/backup/verify.sh
. "$SCRIPT_DIR/backup/verify.sh"
# shellcheck source=SCRIPTDIR/backup/prune.sh
. "$SCRIPT_DIR/backup/prune.sh"

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# Writes backup.env, then lets the stack apply it (archive settings, reload; archive_mode itself
# needs one restart of a server that was started before backups existed).
cmd_init() {
  local dir="" target=local
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="${2:?--dir needs a folder}"; shift ;;
      --off) target=off ;;
      *) die "init: unknown option $1" ;;
    esac
    shift
  done
  dir="${dir:-$BACKUP_ROOT}"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  mkdir -p "$STACK_DIR"
  {
    printf '# Backups of this stack folder (scripts/backup.sh init). Read by scripts/stack.sh,\n'
    printf '# scripts/backup.sh and the WAL archiving script; KEY=value lines only.\n'
    printf 'BACKUP_TARGET=%s\nBACKUP_DIR=%s\n' "$target" "$dir"
  } > "$BACKUP_ENV_FILE"
  log "wrote $BACKUP_ENV_FILE (target $target, folder $dir)"
  if [ -n "$(pg_pid)" ]; then
    stack_cmd up postgres >&2
  fi
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  [ "$(id -u)" = 0 ] || [ "$cmd" = list ] || die "run as root (base backups run as postgres, frozen parts belong to clickhouse)"
  case "$cmd" in
    init) cmd_init "$@" ;;
    create) cmd_create "$@" ;;
    list) cmd_list "$@" ;;
    verify) cmd_verify "$@" ;;
    prune) cmd_prune "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
