#!/usr/bin/env bash
# The install test: the packages `make deb` wrote, installed the way a station PC and the
# central server install them, on a clean Debian 12 root made with mmdebstrap from
# Debian's own packages (no Swift toolchain in it):
#
#   1. apt installs ektp-data, ektp-station and ektp-hub from dist/;
#   2. ektpd starts from the example /etc/ektp/ektpd.toml with a simulated printer, as the
#      ektp user, and `ektpctl status` answers; the hub starts from /etc/ektp/hub.toml;
#   3. a newer build upgrades them, keeping the station's data;
#   4. purge removes the programs and keeps /var/lib/ektp;
#   5. systemd-analyze verify and security on both units.
#
#   EKTP_INSTALL_ROOT_CACHE  a pristine Debian root kept here and copied for each run
#                            (mmdebstrap takes a minute or two)
#   EKTP_DEB_DIR        where the packages are (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
debs=${EKTP_DEB_DIR:-dist}
[ "$(id -u)" -eq 0 ] || { echo "install test: perlu root (chroot, mount)" >&2; exit 1; }
ls "$debs"/ektp-station_*.deb >/dev/null 2>&1 || { echo "install test: tidak ada paket di $debs (make deb)" >&2; exit 1; }

fail() { echo "install test GAGAL: $*" >&2; exit 1; }
step() { echo "== $*"; }

work=$(mktemp -d /tmp/ektp-install.XXXXXX)
root=$work/root
cache=${EKTP_INSTALL_ROOT_CACHE:-}
mounted=()
cleanup() {
  for pid in $(cat "$work"/*.pid 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "$cache" ] && [ -x "$cache/usr/bin/apt-get" ]; then
  step "Debian root dari $cache"
  cp -a "$cache" "$root"
else
  step "mmdebstrap bookworm (apt variant) ke $root"
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mmdebstrap --quiet --variant=apt --include=ca-certificates,curl,procps,systemd,man-db bookworm "$root" "deb ${mirror:-http://deb.debian.org/debian} bookworm main"
  if [ -n "$cache" ]; then rm -rf "$cache" && cp -a "$root" "$cache"; fi
fi
for fs in proc dev; do
  mkdir -p "$root/$fs"
  if [ "$fs" = proc ]; then mount -t proc proc "$root/proc"; else mount --rbind /dev "$root/dev"; fi
  mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" "$@"; }
# mmdebstrap leaves no package lists behind.
in_root apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; fail "apt-get update in the root"; }
in_root test ! -e /usr/bin/swift || fail "the root has a Swift toolchain"

# The newest build in the folder is installed first; the upgrade goes to a newer version
# of it, packaged here from the same binaries when the folder holds only one.
[ -s "$debs/built-version" ] || fail "$debs/built-version is missing (make deb)"
version=$(cat "$debs/built-version")
newer=${EKTP_INSTALL_UPGRADE_VERSION:-}
if [ -z "$newer" ]; then
  newer=$(echo "$version" | awk -F'[.+]' '{ printf "%s.%s.%d", $1, $2, $3 + 1; if (NF > 3) printf "+%s", $4 }')
  [ -e "$debs/ektp-station_${newer}_$(dpkg --print-architecture).deb" ] ||
    EKTP_DEB_REUSE_BUILD=1 EKTP_DEB_VERSION=$newer EKTP_DEB_OUT=$debs bash scripts/make-deb.sh >"$work/make-deb.log" 2>&1 ||
    { cat "$work/make-deb.log"; fail "packaging the newer version $newer"; }
fi
arch=$(dpkg --print-architecture)

# A binary with packed relocations needs glibc 2.36 (GLIBC_ABI_DT_RELR), which Debian's
# symbols file does not know: its package must say so, or apt installs it where the loader
# refuses it.
step "libc6 in Depends covers what the binaries need"
for pkg in ektp-station ektp-hub; do
  deb="$debs/${pkg}_${version}_$arch.deb"
  rm -rf "$work/x"
  dpkg-deb -x "$deb" "$work/x"
  needs=$(find "$work/x/usr" -type f -perm -u+x -exec readelf -V {} \; 2>/dev/null | grep -c 'Name: GLIBC_ABI_DT_RELR' || true)
  if [ "$needs" -gt 0 ]; then
    dpkg-deb -f "$deb" Depends | grep -E 'libc6 \(>= 2\.(3[6-9]|[4-9][0-9])' >/dev/null ||
      fail "$pkg: binernya perlu glibc 2.36 (GLIBC_ABI_DT_RELR), Depends hanya $(dpkg-deb -f "$deb" Depends | grep -o 'libc6 ([^)]*)')"
  fi
done

mkdir -p "$root/tmp/debs"
cp "$debs"/ektp-data_"$version"_all.deb "$debs"/ektp-station_"$version"_"$arch".deb "$debs"/ektp-hub_"$version"_"$arch".deb "$root/tmp/debs/"

step "apt install ektp-data ektp-station ektp-hub $version"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/debs/ektp-data_"$version"_all.deb \
  /tmp/debs/ektp-station_"$version"_"$arch".deb /tmp/debs/ektp-hub_"$version"_"$arch".deb >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt install"; }
for f in /usr/sbin/ektpd /usr/bin/ektpctl /usr/bin/ektp-hub /etc/ektp/ektpd.toml /etc/ektp/hub.toml \
  /lib/systemd/system/ektpd.service /lib/udev/rules.d/60-ektp-card-printers.rules /usr/lib/sysusers.d/ektp.conf \
  /usr/share/ektp/data/wilayah.csv /usr/share/ektp/drivers/layout/ktp-el.json /usr/share/man/man8/ektpd.8.gz \
  /usr/share/bash-completion/completions/ektpctl; do
  in_root test -e "$f" || fail "$f tidak terpasang"
done
in_root getent passwd ektp >/dev/null || fail "user ektp"
in_root id -nG ektp | grep -qw lp || fail "ektp is not in group lp"
if in_root ldd /usr/sbin/ektpd | grep -q libswift; then fail "ektpd needs the Swift runtime: $(in_root ldd /usr/sbin/ektpd | grep libswift)"; fi
for b in /usr/sbin/ektpd /usr/bin/ektpctl /usr/bin/ektp-hub; do
  got=$(in_root "$b" --version)
  [ "$got" = "${version%%+*}" ] || [ "$got" = "$version" ] || [ -n "${EKTP_INSTALL_ANY_VERSION:-}" ] || fail "$b --version: $got, expected $version"
done
[ "$(in_root stat -c %a /etc/ektp/ektpd.toml)" = 640 ] || fail "/etc/ektp/ektpd.toml is not 0640"

# ektpd as systemd would run it: user ektp, /run/ektp made for it, the example config.
start_station() {
  in_root install -d -o ektp -g ektp -m 0750 /run/ektp
  # systemd's side of Type=notify and of the journal: a datagram socket that receives
  # READY=1, and JOURNAL_STREAM set so each log line carries its priority.
  rm -f "$root/run/notify.sock" "$work/notify.txt"
  python3 - "$root/run/notify.sock" "$work/notify.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666); s.settimeout(60)
with open(sys.argv[2], "w") as out:
    try:
        out.write(s.recv(4096).decode()); out.flush()
    except socket.timeout:
        pass
PY
  echo $! >"$work/notify.pid"
  for _ in $(seq 1 50); do [ -S "$root/run/notify.sock" ] && break; sleep 0.1; done
  chroot --userspec=ektp:ektp "$root" env HOME=/var/lib/ektp EKTP_LOG_LEVEL=info NOTIFY_SOCKET=/run/notify.sock JOURNAL_STREAM=8:1 \
    /usr/sbin/ektpd --config /etc/ektp/ektpd.toml --printer "sim://evolis-primacy-2?serial=PASANG-1&ms=20&state=/var/lib/ektp/sim" \
    >>"$work/ektpd.log" 2>&1 &
  echo $! >"$work/ektpd.pid"
  for _ in $(seq 1 100); do
    in_root ektpctl status >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$work/ektpd.pid")" 2>/dev/null || { cat "$work/ektpd.log"; fail "ektpd stopped while starting"; }
    sleep 0.2
  done
  cat "$work/ektpd.log"
  fail "ektpd did not answer"
}
stop_station() {
  kill "$(cat "$work/ektpd.pid")" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$(cat "$work/ektpd.pid")" 2>/dev/null || return 0; sleep 0.1; done
  fail "ektpd did not stop on SIGTERM"
}

step "ektpd from the example config, ektpctl status"
started_checks() {
  for _ in $(seq 1 50); do [ -s "$work/notify.txt" ] && break; sleep 0.1; done
  grep -q "READY=1" "$work/notify.txt" 2>/dev/null || fail "ektpd sent systemd no READY=1"
  grep -q "^<6>ektpd: ektpd $version mulai" "$work/ektpd.log" || { head -3 "$work/ektpd.log"; fail "ektpd's log lines carry no journald priority, or no version"; }
}
# What the operator's guide says to do first: the approval key from the centre goes into
# the example configuration (made here with the hub's own command).
trust=$(in_root ektp-hub keys generate --key-id pusat-2026 --out /root/approval-key.json)
in_root sed -i "s|^keys = \[\]|keys = [\"$trust\"]|" /etc/ektp/ektpd.toml
in_root grep -q "pusat-2026:" /etc/ektp/ektpd.toml || fail "could not set the approval key in ektpd.toml"
start_station
started_checks
status=$(in_root ektpctl status)
echo "$status" | grep -q "32.16.01" || { echo "$status"; fail "status does not name the kecamatan"; }
echo "$status" | grep -q "sim-PASANG-1" || { echo "$status"; fail "status does not show the printer"; }
in_root ektpctl stock receive 25 --document SJ-PASANG >/dev/null || fail "stock receive"
in_root ektpctl devices test-print sim-PASANG-1 >/dev/null 2>&1 || true
[ "$(in_root stat -c %U /var/lib/ektp/station.sqlite)" = ektp ] || fail "station.sqlite is not owned by ektp"
before=$(in_root ektpctl status --json | grep -o '"blangkoOnHand" *: *[0-9]*' | grep -o '[0-9]*$')
[ "$before" = 25 ] || fail "blangko on hand $before, expected 25"
stop_station

step "ektp-hub from /etc/ektp/hub.toml"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
chroot --userspec=ektp-hub:ektp-hub "$root" env EKTP_HUB_PORT="$port" /usr/bin/ektp-hub serve --config /etc/ektp/hub.toml \
  >"$work/hub.log" 2>&1 &
echo $! >"$work/hub.pid"
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$(cat "$work/hub.pid")" 2>/dev/null || { cat "$work/hub.log"; fail "ektp-hub stopped while starting"; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/hub.log"; fail "ektp-hub did not answer"; }
in_root test -e /var/lib/ektp-hub/hub.sqlite || fail "the hub made no database where hub.toml says"
[ "$(in_root stat -c %a /var/lib/ektp-hub/hub-data.key)" = 600 ] || fail "hub-data.key is not 0600"
kill "$(cat "$work/hub.pid")"
wait "$(cat "$work/hub.pid")" 2>/dev/null || true
# Admin commands read /etc/ektp/hub.toml wherever they run, and never make a database.
in_root chroot --userspec=ektp-hub:ektp-hub / sh -c 'cd /tmp && ektp-hub enroll-token 32.16.01' >"$work/token.txt" 2>/dev/null ||
  fail "ektp-hub enroll-token run in /tmp did not find the hub of /etc/ektp/hub.toml"
grep -q "^ektp-en-" "$work/token.txt" || fail "no enrollment token"
if in_root ektp-hub enroll-token 32.16.01 --database /tmp/kosong.sqlite >/dev/null 2>&1; then
  fail "ektp-hub enroll-token made a token for a database that does not exist"
fi
in_root test ! -e /tmp/kosong.sqlite || fail "ektp-hub enroll-token made an empty /tmp/kosong.sqlite"

step "upgrade to a newer build, data kept"
dpkg --compare-versions "$newer" gt "$version" || fail "$newer is not newer than $version"
cp "$debs"/ektp-data_"$newer"_all.deb "$debs"/ektp-station_"$newer"_"$arch".deb "$debs"/ektp-hub_"$newer"_"$arch".deb "$root/tmp/debs/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/debs/ektp-data_"$newer"_all.deb \
  /tmp/debs/ektp-station_"$newer"_"$arch".deb /tmp/debs/ektp-hub_"$newer"_"$arch".deb >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt upgrade"; }
in_root dpkg-query -W -f='${Version}' ektp-station | grep -qx "$newer" || fail "ektp-station was not upgraded"
start_station
after=$(in_root ektpctl status --json | grep -o '"blangkoOnHand" *: *[0-9]*' | grep -o '[0-9]*$')
[ "$after" = "$before" ] || fail "after the upgrade: $after blangko, before: $before"
stop_station

step "purge: programs gone, /var/lib/ektp kept"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ektp-station ektp-hub ektp-data >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt purge"; }
for f in /usr/sbin/ektpd /usr/bin/ektpctl /usr/bin/ektp-hub /etc/ektp/ektpd.toml /usr/share/ektp/data/wilayah.csv; do
  in_root test ! -e "$f" || fail "$f is still there after purge"
done
in_root test -s /var/lib/ektp/station.sqlite || fail "purge removed the station's database"
in_root test -s /var/lib/ektp/ektpd.key || fail "purge removed the station's key"

step "systemd-analyze verify and security"
if command -v systemd-analyze >/dev/null; then
  # verify resolves ExecStart and the user: against the installed root, before purge
  # (reinstalled here for the check).
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/debs/ektp-data_"$newer"_all.deb \
    /tmp/debs/ektp-station_"$newer"_"$arch".deb /tmp/debs/ektp-hub_"$newer"_"$arch".deb >"$work/apt.log" 2>&1 || fail "reinstall"
  # The units name their man pages; man finds them in the root (verify itself is told
  # not to look on this machine).
  in_root man -w ektpd >/dev/null || fail "man ektpd"
  in_root man -w ektp-hub >/dev/null || fail "man ektp-hub"
  for unit in ektpd ektp-hub; do
    systemd-analyze verify --man=no --root="$root" "$root/lib/systemd/system/$unit.service" 2>&1 | tee "$work/verify-$unit.log"
    if grep -v "Failed to open\|Cannot add dependency" "$work/verify-$unit.log" | grep -q .; then fail "systemd-analyze verify $unit"; fi
    exposure=$(systemd-analyze security --offline=yes --root="$root" "$root/lib/systemd/system/$unit.service" 2>/dev/null |
      sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
    echo "$unit: exposure $exposure"
    awk -v e="${exposure:-10}" 'BEGIN { exit !(e <= 4.0) }' || fail "$unit: systemd-analyze security exposure ${exposure:-?} (> 4.0)"
  done
fi
echo "install test: lulus (versi $version → $newer)"
