#!/bin/sh
# archive_command of the local stack's PostgreSQL: wal-archive.sh %p %f (installed beside the
# data folder by scripts/stack/postgres.sh, run as postgres). archive.env, written beside it from
# the stack's backup.env, says where: BACKUP_TARGET=off discards the segment (no backups
# configured), local compresses it into BACKUP_WAL_DIR. Any failure exits non-zero, so
# PostgreSQL keeps the segment and retries; nothing here may hang (each step has a timeout).
set -eu
here="$(cd "$(dirname "$0")" && pwd -P)"
BACKUP_TARGET=
BACKUP_WAL_DIR=
# Without archive.env nobody said whether WAL is wanted: keep it (PostgreSQL retries) rather than
# discard what a backup chain may need.
[ -r "$here/archive.env" ] || { echo "wal-archive: $here/archive.env is missing" >&2; exit 1; }
# shellcheck disable=SC1091
. "$here/archive.env"

case "$BACKUP_TARGET" in
  off) exit 0 ;;
  local) ;;
  *) echo "wal-archive: BACKUP_TARGET=$BACKUP_TARGET is not local or off" >&2; exit 1 ;;
esac

src="$1"
dest="$BACKUP_WAL_DIR/$2.zst"
[ -d "$BACKUP_WAL_DIR" ] || { echo "wal-archive: $BACKUP_WAL_DIR does not exist" >&2; exit 1; }

if [ -e "$dest" ]; then
  # The same segment again (a retry after a crash between copy and PostgreSQL's bookkeeping):
  # a success only when the archived copy holds the same bytes, as the PostgreSQL docs ask.
  if timeout 120 zstd -q -d -c "$dest" | cmp -s - "$src"; then exit 0; fi
  echo "wal-archive: $dest already exists with other content" >&2
  exit 1
fi

tmp="$dest.tmp.$$"
trap 'rm -f "$tmp"' EXIT
timeout 120 zstd -q -1 -c "$src" > "$tmp"
timeout 60 sync "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT
timeout 60 sync "$BACKUP_WAL_DIR"
