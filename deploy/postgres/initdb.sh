#!/bin/sh
# Run by the postgres image on its first start (mounted as /docker-entrypoint-initdb.d): creates the
# smepilot database with its owner and application roles (create-database.psql, beside this file).
# The names and passwords come from the environment; docker-compose.yml sets them.
set -eu
psql --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v owner="${SMEPILOT_OWNER_ROLE:-smepilot_owner}" \
  -v app="${SMEPILOT_APP_ROLE:-smepilot_app}" \
  -v database="${SMEPILOT_DATABASE:-smepilot}" \
  -v owner_password="${SMEPILOT_OWNER_PASSWORD:?Set SMEPILOT_OWNER_PASSWORD}" \
  -v app_password="${SMEPILOT_APP_PASSWORD:?Set SMEPILOT_APP_PASSWORD}" \
  -f "${SMEPILOT_CREATE_DATABASE_SQL:-/docker-entrypoint-initdb.d/create-database.psql}"
