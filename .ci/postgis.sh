#!/usr/bin/env bash
# Start a local PostgreSQL cluster with PostGIS for the tests and print the URL to use (last line).
# Installs nothing: .ci/run installs the Debian packages first. On failure: one line on stderr, exit 1.
set -uo pipefail
fail() { echo "postgis: $1" >&2; exit 1; }
[ -d /usr/lib/postgresql ] || fail "PostgreSQL is not installed (apt-get install postgresql)"
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
[ -f "/usr/share/postgresql/$version/extension/postgis.control" ] \
  || fail "the PostGIS server extension for PostgreSQL $version is missing (apt-get install postgresql-$version-postgis-3)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main"; then
  out=$(pg_createcluster "$version" main 2>&1) || fail "pg_createcluster $version main failed: $(echo "$out" | tail -n 1)"
fi
out=$(pg_ctlcluster "$version" main start 2>&1) || pg_lsclusters -h | grep -q "^$version main .* online" \
  || fail "PostgreSQL $version did not start: $(echo "$out" | tail -n 1)"
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL $version does not accept connections on 127.0.0.1:5432 after 30 s"
sql() { su postgres -c "psql -v ON_ERROR_STOP=1 -q $*" 2>&1; }
out=$(sql "-tc \"SELECT 1 FROM pg_roles WHERE rolname='observatory'\"") || fail "psql failed: $(echo "$out" | tail -n 1)"
if ! echo "$out" | grep -q 1; then
  out=$(sql "-c \"CREATE ROLE observatory LOGIN SUPERUSER PASSWORD 'observatory'\"") || fail "CREATE ROLE failed: $(echo "$out" | tail -n 1)"
fi
if ! su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='observatory_test'\"" | grep -q 1; then
  out=$(su postgres -c "createdb -O observatory observatory_test" 2>&1) || fail "createdb failed: $(echo "$out" | tail -n 1)"
fi
out=$(sql "-d observatory_test -c 'CREATE EXTENSION IF NOT EXISTS postgis'") \
  || fail "CREATE EXTENSION postgis failed: $(echo "$out" | tail -n 1)"
echo "postgresql+psycopg://observatory:observatory@127.0.0.1:5432/observatory_test"
