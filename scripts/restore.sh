#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh (pg_dump -Fc) into TARGET_URL, a database that must be
# empty (no table, view, sequence or function of its own): refused otherwise, unless --force, which
# drops and recreates what the backup contains. All in one transaction: a failure leaves the target
# as it was.
#
#   scripts/restore.sh /var/backups/smepilot/smepilot-20270430T060000Z.dump \
#       postgres://smepilot_owner:...@db:5432/smepilot_restored
#
# Connect as the owner role: what is restored belongs to the role that restores it (--no-owner)
# and no privileges are restored (--no-acl); run `manage.py migrate` with DATABASE_APP_ROLE
# afterwards to grant the application role its access. Uses pg_restore and psql on the PATH,
# whose major version must be the server's or newer. See docs/OPERATIONS.md.
set -euo pipefail

usage() {
    echo "usage: $0 [--force] BACKUP_FILE TARGET_DATABASE_URL" >&2
    exit 2
}

force=0
if [ "${1:-}" = "--force" ]; then
    force=1
    shift
fi
[ $# -eq 2 ] || usage
backup=$1
url=$2
case $url in
    postgres://* | postgresql://*) ;;
    *) echo "restore.sh: $url is not a PostgreSQL URL (postgres://...)." >&2; exit 2 ;;
esac
[ -r "$backup" ] || { echo "restore.sh: cannot read $backup." >&2; exit 2; }
for tool in pg_restore psql; do
    command -v "$tool" >/dev/null || { echo "restore.sh: $tool is not on the PATH." >&2; exit 2; }
done
pg_restore --list "$backup" >/dev/null || { echo "restore.sh: $backup is not a pg_dump -Fc backup." >&2; exit 2; }

# Objects of the target's own (not PostgreSQL's, not an extension's): tables, views, sequences, functions.
objects=$(psql --no-password --no-psqlrc --quiet --tuples-only --no-align --dbname="$url" \
    --set=ON_ERROR_STOP=1 --command="
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
              AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
         + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))")

clean=()
if [ "$objects" != "0" ]; then
    if [ $force -eq 0 ]; then
        echo "restore.sh: the target database is not empty ($objects tables, sequences, views or functions)." >&2
        echo "Restore into a new, empty database, or pass --force to replace what the backup contains." >&2
        exit 1
    fi
    clean=(--clean --if-exists)
fi

pg_restore --no-password --no-owner --no-acl --exit-on-error --single-transaction "${clean[@]}" \
    --dbname="$url" "$backup"
echo "Restored $backup."
