#!/usr/bin/env bash
# Start a local PostgreSQL cluster with PostGIS for the tests and print the URL to use.
# Installs nothing: .ci/run installs the Debian packages first.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null 2>&1
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='observatory'\" | grep -q 1 || psql -q -c \"CREATE ROLE observatory LOGIN SUPERUSER PASSWORD 'observatory'\""
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='observatory_test'\" | grep -q 1 || createdb -O observatory observatory_test"
su postgres -c "psql -q -d observatory_test -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
echo "postgresql+psycopg://observatory:observatory@127.0.0.1:5432/observatory_test"
