#!/usr/bin/env bash
# Runs GoHavi's whole test suite on a fresh machine: installs chromium when
# missing, makes sure a PostgreSQL answers, then runs every test (unit,
# conformance on both engines, end-to-end, browser) with the race detector.
# Extra arguments go to 'go test' (e.g. -run TestInbox).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

log() { printf '== %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# 1. A browser for the chromedp tests.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium"
  apt_install chromium
fi

# 2. PostgreSQL: the machine's server at 127.0.0.1:5432, started if down; a
# scratch cluster as a last resort.
pg_url_default="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-$pg_url_default}"
pg_ok() { psql "$TEST_POSTGRES_URL" -Atqc 'select 1' >/dev/null 2>&1; }
if ! command -v psql >/dev/null 2>&1; then
  log "installing postgresql"
  apt_install postgresql
fi
if ! pg_ok; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for v in $(ls /etc/postgresql); do
      log "starting PostgreSQL $v"
      as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
    if ! pg_ok && psql "${TEST_POSTGRES_URL%%/test*}/postgres?sslmode=disable" -Atqc 'select 1' >/dev/null 2>&1; then
      psql "${TEST_POSTGRES_URL%%/test*}/postgres?sslmode=disable" -qc 'create database test' >/dev/null 2>&1 || true
    fi
  fi
fi
if ! pg_ok; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  dir=$(mktemp -d /tmp/gohavi-pg.XXXXXX)
  log "starting a scratch PostgreSQL in $dir"
  chown postgres "$dir" 2>/dev/null || true
  run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
  run_pg "$bindir/initdb -D $dir/data -A trust -U postgres >/dev/null"
  run_pg "$bindir/pg_ctl -D $dir/data -l $dir/log -o '-p 55432 -k $dir -c listen_addresses=127.0.0.1' -w start >/dev/null"
  psql "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable" -qc 'create database test' >/dev/null
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:55432/test?sslmode=disable"
fi
pg_ok || { echo "PostgreSQL is not reachable at $TEST_POSTGRES_URL" >&2; exit 1; }

# 3. Static checks, then the tests. CI=true makes PostgreSQL and browser
# tests fail instead of skipping when their dependency is missing.
log "go vet"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
log "go test -race"
go test -race -count=1 -timeout 20m "$@" ./...
