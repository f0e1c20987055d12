#!/usr/bin/env bash
# Installs the Debian packages ektp builds, tests and benchmarks with, if any is missing.
# Safe to run again: it installs only what is not there.
set -euo pipefail

packages=(
  pkg-config
  libsqlite3-dev        # GRDB (station store)
  libcups2-dev          # CUPS driver (libcups)
  libusb-1.0-0-dev      # direct USB drivers (libusb)
  libcairo2-dev zlib1g-dev libjpeg62-turbo-dev fonts-liberation2   # card rendering
  cups cups-filters     # cupsfilter, the baseline of the rendering benchmark
  cups-daemon cups-client cups-ipp-utils dbus avahi-daemon curl   # CUPS driver tests: private cupsd, ippeveprinter (needs DNS-SD: D-Bus + avahi)
  umockdev              # USB driver tests: fake printers for libusb
  postgresql            # the hub's PostgreSQL backend tests (scripts/test.sh starts a private server)
  chromium chromium-driver   # web page tests: a real headless browser driven over WebDriver
  poppler-utils         # office document tests: pdftotext and pdfinfo read the PDFs the station writes
  openssl socat         # sync tests: a TLS front for the hub with a private CA
  faketime              # field-fault tests: ektpd with its clock stepped back (libfaketime)
  python3-venv          # the hub's fuzz run (scripts/fuzz-hub.sh): schemathesis from PyPI in a virtualenv
  python3-aiosmtpd      # alert e-mail tests: a real SMTP server on loopback that keeps what it receives in a Maildir
  libpcsclite-dev       # chip encoding: PC/SC sessions through pcsc-lite
  pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome   # chip encoding tests and demo: a private pcscd, a virtual reader and test chip (the card library imports Crypto without depending on it)
  haproxy               # scale-out tests: three ektp-hub processes on one PostgreSQL behind a load balancer
  dpkg-dev help2man lintian   # make deb: shared-library dependencies, man pages, the package check
  mmdebstrap systemd    # the install test: a clean Debian 12 root; systemd-analyze verify/security on the units
  e2fsprogs mount       # storage fault tests: ext4 on a loop device, tmpfs
  prometheus            # promtool: the metrics, the alert rules and their unit tests (monitoring/)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Memasang paket yang belum ada: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
