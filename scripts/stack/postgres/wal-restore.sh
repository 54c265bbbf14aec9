#!/bin/sh
# restore_command of a cluster that scripts/restore.sh is recovering: wal-restore.sh %f %p (run
# as postgres). restore.env, written beside it by restore.sh, names the archive to read. A
# segment that is not there exits 1: PostgreSQL takes that as the end of the archive. One that is
# there but does not decompress exits 255, which makes PostgreSQL stop the recovery instead of
# promoting at that point and quietly dropping everything after it.
set -eu
here="$(cd "$(dirname "$0")" && pwd -P)"
RESTORE_WAL_DIR=
# shellcheck disable=SC1091
. "$here/restore.env"
src="$RESTORE_WAL_DIR/$1.zst"
[ -f "$src" ] || exit 1
timeout 300 zstd -q -d -c "$src" > "$2" || exit 255
