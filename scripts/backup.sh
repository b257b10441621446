#!/usr/bin/env bash
# Back up the smepilot PostgreSQL database: pg_dump in the custom format (-Fc) of DATABASE_URL
# into a timestamped file in FOLDER, printed on success. Exits non-zero, leaving no file, on failure.
#
#   DATABASE_URL=postgres://smepilot_owner:...@db:5432/smepilot scripts/backup.sh /var/backups/smepilot
#
# Uses the pg_dump on the PATH, whose major version must be the server's or newer
# (e.g. PATH=/usr/lib/postgresql/15/bin:$PATH). See docs/OPERATIONS.md.
set -euo pipefail

usage() {
    echo "usage: DATABASE_URL=postgres://... $0 FOLDER" >&2
    exit 2
}

[ $# -eq 1 ] || usage
folder=$1
url=${DATABASE_URL:-}
case $url in
    postgres://* | postgresql://*) ;;
    "") echo "backup.sh: DATABASE_URL is not set." >&2; exit 2 ;;
    *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL (postgres://...)." >&2; exit 2 ;;
esac
if [ ! -d "$folder" ] || [ ! -w "$folder" ]; then
    echo "backup.sh: $folder is not a writable folder." >&2
    exit 2
fi
command -v pg_dump >/dev/null || { echo "backup.sh: pg_dump is not on the PATH." >&2; exit 2; }

target="$folder/smepilot-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [ -e "$target" ]; then
    echo "backup.sh: $target already exists; try again in a second." >&2
    exit 1
fi
partial="$target.partial"
trap 'rm -f "$partial"' EXIT
# The dump goes to a .partial file first: a failed or interrupted run never leaves a file that
# looks like a backup.
pg_dump --format=custom --no-password --file="$partial" --dbname="$url"
mv "$partial" "$target"
trap - EXIT
echo "$target"
