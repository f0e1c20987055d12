#!/usr/bin/env bash
# Makes a daemon's text order, the input sections scripts/build-release.sh links first
# (scripts/text-order.py says why). Run it after changes to what the daemon runs, and
# commit the list with them.
#
#   scripts/startup-order.sh [ROUNDS]           ektpd: packaging/station/ektpd.text-order
#                                               (docs/install.md, "Memory")
#   scripts/startup-order.sh ektp-hub [ROUNDS]  the hub: packaging/hub/ektp-hub.text-order
#                                               (docs/hub.md, "The hub's code in the order it runs")
#
# ektpd, at most ROUNDS refinements (default 12):
# 1. ektpd, idle as a station runs it (one simulated printer, the local socket asked for
#    its status, /metrics and the web pages fetched), under valgrind's callgrind: every
#    function it ran, named or not, is a section to put first.
# 2. Relinked with that order, the same idle run again with scripts/startup-profile.c
#    preloaded: each text page's first touch names the section that ran; what lies outside
#    the list so far is added. Repeated until a round adds fewer than five (the last few
#    are timers that fire in one run and not the next).
#
# ektp-hub, at most ROUNDS rounds (default 4): the hub benchmarks' own load (make
# bench-hub: the backlog and the country's long-polling stations, on SQLite and on
# PostgreSQL) with scripts/startup-profile.c preloaded into the hub and its text dropped
# every half second, so each page names many of the pieces that run on it; relinked with
# what was found first, until a round adds under 1 % more. The rounds start from the
# committed list (remove it to start from nothing). valgrind is too slow for a hub under
# load.
#
# Needs valgrind (installed from Debian when missing; ektpd) and userfaultfd (root here).
set -euo pipefail
cd "$(dirname "$0")/.."

product=ektpd
case ${1:-} in ektpd | ektp-hub) product=$1 && shift ;; esac
work=$(mktemp -d)
daemon=
cleanup() {
  [ -z "$daemon" ] || kill -9 "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -Wall -shared -fPIC -o "$work/startup-profile.so" scripts/startup-profile.c -lpthread
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)

link() { # link ORDER|none: the daemon's release (with the program that drives it), ORDER first, a map in $work
  echo "-- $product linked with $(grep -c . "$1" 2>/dev/null || echo no) sections first"
  local with=ektpctl
  [ "$product" = ektpd ] || with=ektp-bench
  EKTP_TEXT_ORDER=$1 EKTP_LINK_MAP="$work/$product.map" bash scripts/build-release.sh "$product" "$with" >"$work/build.log" 2>&1 ||
    { tail -20 "$work/build.log"; exit 1; }
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

idle() { # idle SECONDS PROGRAM [COMMAND...]: ektpd idle (under COMMAND), asked what a station is asked
  local seconds=$1 program=$2 state="$work/station" metrics web
  shift 2
  rm -rf "$state" && mkdir -p "$state/printers"
  metrics=$(port) web=$(port)
  cat >"$state/ektpd.toml" <<EOF
[station]
kecamatan = "32.16.01"
state_directory = "$state"
socket = "$state/ektpd.sock"
printers = ["sim://evolis-primacy-2?serial=ORDER-IDLE&state=$state/printers"]
drivers_directory = "$PWD/drivers/profiles"
regions = "$PWD/data/wilayah.csv"

[approval]
keys = ["k:XVfYPbn2V1YUcOh49fAShctIMVaQc/zsLIvUePVsvPk="]

[metrics]
listen = "127.0.0.1:$metrics"

[web]
enabled = true
listen = "127.0.0.1:$web"
EOF
  EKTP_LOG_LEVEL=error "$@" "$program" --config "$state/ektpd.toml" >"$state/log" 2>&1 &
  daemon=$!
  for _ in $(seq 600); do
    [ -S "$state/ektpd.sock" ] && "$bin/ektpctl" status --socket "$state/ektpd.sock" >/dev/null 2>&1 && break
    kill -0 "$daemon" 2>/dev/null || { cat "$state/log"; exit 1; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$metrics/metrics" >/dev/null
  curl -fsS "http://127.0.0.1:$web/" >/dev/null || true
  sleep "$seconds"
  kill -INT "$daemon"
  wait "$daemon" || true
  daemon=
}

added() { # added ROUND: $work/touches' sections added to $work/order; sets $total and $new
  local said
  said=$(python3 scripts/text-order.py add "$work/$product.map" "$bin/$product" "$work/touches" "$work/order" 2>&1)
  echo "   round $1: $said"
  total=$(echo "$said" | sed -n 's/^\([0-9]*\) sections.*/\1/p')
  new=$(echo "$said" | sed -n 's/.*(\([0-9]*\) new).*/\1/p')
  total=${total:-0} new=${new:-0}
}

commit() { # the list found, in place of the committed one, and the daemon linked with it
  cp "$work/order" "$order"
  link "$order"
  echo "== $order: $(grep -c . "$order") sections; $product relinked with it"
}

serve() { # the hub benchmarks, ektp-hub profiled (its touches in $work/touches.PID)
  local bench="$work/bench"
  rm -rf "$bench" && mkdir -p "$bench"
  cp "$bin/ektp-bench" "$bench/"
  cat >"$bench/ektp-hub" <<EOF
#!/bin/sh
exec env LD_PRELOAD="$work/startup-profile.so" EKTP_STARTUP_PROFILE="$work/touches.\$\$" EKTP_STARTUP_PROFILE_REARM_MS=500 "$bin/ektp-hub" "\$@"
EOF
  chmod +x "$bench/ektp-hub"
  for backend in sqlite postgres; do
    EKTP_BENCH_BIN=$bench EKTP_BENCH_PG_PORT=55452 bash scripts/bench-hub.sh backlog --jobs 20000 --backend $backend >"$work/bench.log" 2>&1 ||
      { tail -20 "$work/bench.log"; exit 1; }
    EKTP_BENCH_BIN=$bench EKTP_BENCH_PG_PORT=55452 EKTP_BENCH_COUNTRY_STATIONS=2000 bash scripts/bench-hub.sh country --backend $backend >"$work/bench.log" 2>&1 ||
      { tail -20 "$work/bench.log"; exit 1; }
  done
}

if [ "$product" = ektpd ]; then
  rounds=${1:-12}
  order=packaging/station/ektpd.text-order
  command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
  echo "== 1. callgrind"
  # Linked without an order: valgrind names only the code in `.text`. Stripped: it cannot
  # read Swift's DWARF 5.
  link none
  strip -g -o "$bin/ektpd.callgrind" "$bin/ektpd"
  idle 20 "$bin/ektpd.callgrind" valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out"
  rm -f "$bin/ektpd.callgrind"
  python3 scripts/text-order.py seed "$work/$product.map" "$bin/$product" "$work/callgrind.out" "$work/order"

  echo "== 2. first touches"
  for round in $(seq "$rounds"); do
    link "$work/order"
    idle 15 "$bin/ektpd" env EKTP_STARTUP_PROFILE="$work/touches" LD_PRELOAD="$work/startup-profile.so"
    added "$round"
    [ "$new" -ge 5 ] || break
  done
  commit
else
  rounds=${1:-4}
  order=packaging/hub/ektp-hub.text-order
  if [ -f "$order" ]; then cp "$order" "$work/order"; else : >"$work/order"; fi
  for round in $(seq "$rounds"); do
    if [ -s "$work/order" ]; then link "$work/order"; else link none; fi
    rm -f "$work"/touches.*
    serve
    cat "$work"/touches.* >"$work/touches"
    added "$round ($(wc -l <"$work/touches") touches)"
    [ "$((new * 100))" -ge "$total" ] || break
  done
  commit
fi
