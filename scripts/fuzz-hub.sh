#!/usr/bin/env bash
# Fuzzes the running hub with schemathesis (PyPI) over docs/hub-openapi.json: starts the
# built `ektp-hub serve` on a free loopback port with a temporary SQLite database, an
# admin token and an approval key, enrolls a station for a station credential, and runs
# schemathesis with both credentials against every route. The run fails on a server
# error (5xx), a response that does not match the document, a hub that stopped, or a
# shutdown that was not clean. The hub is stopped by its pid. With
# EKTP_HUB_TEST_POSTGRES=HOST:PORT:USER[:PASSWORD] (scripts/test.sh sets it) the same run
# follows on a fresh PostgreSQL database.
#
#   EKTP_HUB_BIN        the hub binary (default .build/debug/ektp-hub; built if missing)
#   EKTP_FUZZ_SECONDS   time budget of each schemathesis run (default 90)
#   EKTP_FUZZ_VENV      where the virtualenv lives (default .build/fuzz-venv-$version)
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5
hub=${EKTP_HUB_BIN:-.build/debug/ektp-hub}
budget=${EKTP_FUZZ_SECONDS:-90}
venv=${EKTP_FUZZ_VENV:-.build/fuzz-venv-$schemathesis_version}

bash scripts/install-deps.sh
[ -x "$hub" ] || swift build --product ektp-hub
if [ ! -x "$venv/bin/st" ]; then
  echo "Memasang schemathesis $schemathesis_version di $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

work=$(mktemp -d /tmp/ektp-fuzz.XXXXXX)
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then kill -KILL "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Whether a schemathesis run that exited non-zero found something in the hub (status 1) or
# only tripped over itself (status 0): a check that failed, or an error that is not inside
# schemathesis' or Hypothesis' own test-case generation (a refused connection, a timeout),
# is a finding; an internal generation error (Hypothesis' "Inconsistent results" on the
# tool's own example drawing, seen on large array schemas) is named and let through, as it
# says nothing about the hub. A missing report is a finding.
findings() {
  python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError) as error:
    print(f"laporan schemathesis tidak terbaca: {error}", file=sys.stderr)
    sys.exit(1)
found = False
for case in cases:
    for failure in case.findall("failure"):
        found = True
    for error in case.findall("error"):
        text = (error.get("message") or "") + (error.text or "")
        internal = "site-packages/hypothesis/" in text and "Network Error" not in text and "Timeout" not in text
        if internal:
            print(f"peringatan: galat internal schemathesis pada {case.get('name')} (bukan temuan hub)", file=sys.stderr)
        else:
            found = True
sys.exit(1 if found else 0)
PY
}

# One run against a hub on the backend the EKTP_HUB_* variables name; 0 when clean.
fuzz() {
  local backend=$1
  local dir="$work/$1"
  mkdir -p "$dir"
  local port admin trust token credential base status=0 hub_status=0
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  admin=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  trust=$("$hub" keys generate --key-id approval-fuzz --out "$dir/approval-key.json")
  export EKTP_HUB_DATABASE="$dir/hub.sqlite" EKTP_HUB_DATA_KEY="$dir/hub-data.key" EKTP_HUB_ADMIN_TOKEN="$admin" EKTP_HUB_APPROVAL_KEYS="$trust"
  export EKTP_HUB_REGIONS="$PWD/data/wilayah.csv"
  # A long-poll may not outlast a fuzzing request: polls wait at most 1 s here.
  export EKTP_HUB_MAX_WAIT_SECONDS=1 EKTP_LOG_LEVEL=info
  "$hub" init >/dev/null
  token=$("$hub" enroll-token 32.16.01 2>/dev/null)

  "$hub" serve --host 127.0.0.1 --port "$port" >"$dir/hub.log" 2>&1 &
  hub_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 200); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    kill -0 "$hub_pid" 2>/dev/null || { cat "$dir/hub.log"; echo "ektp-hub ($backend) berhenti saat mulai" >&2; return 1; }
    sleep 0.05
  done
  credential=$(curl -fsS -X POST "$base/v1/stations/enroll" -H 'Content-Type: application/json' \
    -d "{\"token\": \"$token\", \"name\": \"PC fuzz\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["credential"])')

  # Each security scheme of the document gets its own bearer token.
  printf '[auth.openapi.adminToken]\nbearer = "${EKTP_FUZZ_ADMIN}"\n[auth.openapi.stationCredential]\nbearer = "${EKTP_FUZZ_STATION}"\n' \
    >"$dir/schemathesis.toml"
  echo "== schemathesis $schemathesis_version terhadap ektp-hub ($backend) di $base (pid $hub_pid), paling lama $budget s"
  # Revocation and retirement last and alone: the stateful phase learns station ids from
  # the views and would end the fuzzing station's own credential, leaving its routes only
  # 401s.
  local ending='^/v1/admin/stations/\{id\}/(revoke|retire)$' part run=0
  for part in "--exclude-path-regex=$ending --max-time=$budget" "--include-path-regex=$ending --max-time=20"; do
    run=$((run + 1))
    # shellcheck disable=SC2086  # two options in one word, split on purpose
    EKTP_FUZZ_ADMIN="$admin" EKTP_FUZZ_STATION="$credential" "$venv/bin/st" --config-file "$dir/schemathesis.toml" run docs/hub-openapi.json \
      --url "$base" --checks not_a_server_error,response_schema_conformance $part --request-timeout 15 \
      --workers 2 --generation-database none --report junit --report-junit-path "$dir/junit-$run.xml" ||
      findings "$dir/junit-$run.xml" || status=1
  done

  # Still serving, and a clean stop on SIGTERM.
  if ! curl -fsS "$base/health" >/dev/null; then
    echo "ektp-hub ($backend) tidak menjawab lagi setelah fuzzing" >&2
    status=1
  fi
  kill -TERM "$hub_pid"
  wait "$hub_pid" || hub_status=$?
  hub_pid=""
  if [ "$hub_status" -ne 0 ]; then
    echo "ektp-hub ($backend) tidak berhenti dengan bersih (status $hub_status)" >&2
    status=1
  fi
  if grep -q "gagal:" "$dir/hub.log"; then
    echo "ektp-hub ($backend) mencatat kesalahan internal:" >&2
    grep "gagal:" "$dir/hub.log" | head -20 >&2
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    mkdir -p .build && cp "$dir/hub.log" ".build/fuzz-hub-$backend.log"
    echo "fuzz hub ($backend) GAGAL; log hub lengkap di .build/fuzz-hub-$backend.log; akhirnya:" >&2
    grep -m 5 -E "Fatal error|Crash|crashed" "$dir/hub.log" >&2 || true
    tail -n 40 "$dir/hub.log" >&2
  fi
  return "$status"
}

failed=0
fuzz sqlite || failed=1
if [ -n "${EKTP_HUB_TEST_POSTGRES:-}" ]; then
  IFS=: read -r pg_host pg_port pg_user pg_password <<<"$EKTP_HUB_TEST_POSTGRES"
  pg_db="ektp_hub_fuzz_$$"
  export PGPASSWORD="${pg_password:-}"
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
  export EKTP_HUB_POSTGRES_HOST="$pg_host" EKTP_HUB_POSTGRES_PORT="$pg_port" EKTP_HUB_POSTGRES_USER="$pg_user" EKTP_HUB_POSTGRES_DATABASE="$pg_db"
  [ -z "${pg_password:-}" ] || export EKTP_HUB_POSTGRES_PASSWORD="$pg_password"
  fuzz postgres || failed=1
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null || true
fi
if [ "$failed" -ne 0 ]; then
  echo "fuzz hub: ada temuan (lihat di atas)" >&2
  exit 1
fi
echo "fuzz hub: tidak ada galat server, jawaban sesuai dokumen, hub berhenti dengan bersih"
