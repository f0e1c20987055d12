#!/usr/bin/env bash
# The hub benchmarks (`ektp-bench hub`, docs/hub.md): starts a private PostgreSQL on a
# loopback port (durable: fsync on, as in production) so both backends are measured,
# raises the file-descriptor limit for 7,285 long-polls, and pins the country run's
# `ektp-hub` to CPU 1. PostgreSQL is stopped by its pid on the way out.
#
#   EKTP_BENCH_BIN      where ektp-bench and ektp-hub are (default .build/release)
#   EKTP_BENCH_PG_PORT  the private PostgreSQL's port (default 55442)
#   EKTP_BENCH_WRAP     a command to run ektp-bench under (`perf record -g -o F --`)
#   EKTP_HUB_*          hub settings the bench does not set itself, passed on to the hub
#                       (EKTP_HUB_POSTGRES_KEEPALIVE_SECONDS=0: a hub without the keep-alive)
#   arguments           passed on: `backlog`, `country` (default both), `--jobs N`,
#                       `--backend sqlite|postgres`, `--json`
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${EKTP_BENCH_BIN:-.build/release}

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/ektp-bench-pg.XXXXXX)
pgport=${EKTP_BENCH_PG_PORT:-55442}
cleanup() {
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    kill "$(head -n 1 "$pgdir/data/postmaster.pid")" 2>/dev/null || true
    for _ in $(seq 100); do [ -f "$pgdir/data/postmaster.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$pgdir"
}
trap cleanup EXIT
run=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$pgdir"
  run=(runuser -u postgres --)
fi
"${run[@]}" "$pgbin/initdb" -D "$pgdir/data" -U ektp -A trust >/dev/null
"${run[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
echo "PostgreSQL $($pgbin/postgres --version | awk '{print $3}') siap di 127.0.0.1:$pgport" >&2

ulimit -n "$(ulimit -Hn)"
# The country run pins `ektp-hub` to CPU 1 (the bench's stations share the machine); the
# backlog gives the hub every core, as its floor's signature checks have.
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  export EKTP_BENCH_HUB_CPU=1
fi
EKTP_BENCH_POSTGRES="127.0.0.1:$pgport:ektp" ${EKTP_BENCH_WRAP:-} "$bin/ektp-bench" hub "$@"
