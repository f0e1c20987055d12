#!/usr/bin/env bash
# The README's test command: installs what is missing, starts a private PostgreSQL on a
# loopback port for the hub's backend tests, builds everything (the SIGKILL test runs the
# real ektpd binary) and runs every test. The server is stopped by its pid on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/ektp-pg.XXXXXX)
pgport=${EKTP_TEST_PG_PORT:-55432}
cleanup() {
  # Daemons a test started and could not stop (the runner killed, a hang): none outlives
  # the run. They are the ones running our built binaries or living in a test's scratch.
  pkill -TERM -f "$PWD/.build/debug/(ektpd|ektp-hub|ektp-demo)" 2>/dev/null || true
  pkill -TERM -f "(cupsd|ippeveprinter|chromedriver|chromium|pcscd|ektp-test-card).*/tmp/ektp-" 2>/dev/null || true
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    kill "$(head -n 1 "$pgdir/data/postmaster.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$pgdir/data/postmaster.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$pgdir"
}
trap cleanup EXIT

# initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
run=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pgdir"
  run=(runuser -u postgres --)
fi
"${run[@]}" "$pgbin/initdb" -D "$pgdir/data" -U ektp -A trust --no-sync >/dev/null
"${run[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
echo "PostgreSQL $($pgbin/postgres --version | awk '{print $3}') siap di 127.0.0.1:$pgport"
export EKTP_HUB_TEST_POSTGRES="127.0.0.1:$pgport:ektp"

swift build
# A hang fails the run with a message instead of using up CI's time (the whole suite takes
# under two minutes here).
status=0
timeout --kill-after=30 "${EKTP_TEST_TIMEOUT:-1800}" swift test || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -ne 124 ] || echo "swift test tidak selesai dalam ${EKTP_TEST_TIMEOUT:-1800} s: dihentikan" >&2
  exit "$status"
fi

# The running hub under schemathesis over docs/hub-openapi.json: any server error, any
# answer unlike the document, a crash or an unclean stop fails the run.
EKTP_HUB_BIN=.build/debug/ektp-hub bash scripts/fuzz-hub.sh
