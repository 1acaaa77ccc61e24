#!/usr/bin/env bash
# Starts a throw-away PostgreSQL with PostGIS for the store tests, from Debian's packages.
#
#   scripts/start-postgis.sh [DIR]     start (installing the packages first when missing)
#   scripts/start-postgis.sh --stop [DIR]
#
# The cluster lives in DIR (default: $TMPDIR/kimson-postgis), owned by the postgres user,
# listening only on a unix socket in DIR and on 127.0.0.1:$KIMSON_PG_PORT (default 54329).
# The URL of its database is printed and written to DIR/url; the tests read it from
# $KIMSON_TEST_PG_URL or from that file.
set -euo pipefail

stop=0
if [ "${1:-}" = "--stop" ]; then stop=1; shift; fi
dir="${1:-${TMPDIR:-/tmp}/kimson-postgis}"
port="${KIMSON_PG_PORT:-54329}"
pgver=15
bindir="/usr/lib/postgresql/$pgver/bin"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

if [ "$stop" = 1 ]; then
  [ -d "$dir/data" ] && as_postgres "$bindir/pg_ctl" -D "$dir/data" -m fast stop || true
  exit 0
fi

need=()
[ -x "$bindir/initdb" ] || need+=("postgresql-$pgver")
[ -f "/usr/share/postgresql/$pgver/extension/postgis.control" ] || \
  need+=("postgresql-$pgver-postgis-3" "postgresql-$pgver-postgis-3-scripts")
if [ "${#need[@]}" -gt 0 ]; then
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

mkdir -p "$dir"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_postgres "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log"
fi
if ! as_postgres "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -h 127.0.0.1 -p $port -c fsync=off -c full_page_writes=off" start >/dev/null
fi
psql_() { as_postgres psql -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'kimson_test'")" != 1 ]
then
  psql_ -d postgres -c "CREATE DATABASE kimson_test"
fi
psql_ -d kimson_test -c "CREATE EXTENSION IF NOT EXISTS postgis"
url="postgresql://postgres@127.0.0.1:$port/kimson_test"
echo "$url" > "$dir/url"
chmod 644 "$dir/url"
echo "$url"
