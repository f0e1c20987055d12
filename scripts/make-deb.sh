#!/usr/bin/env bash
# `make deb`: the Debian packages a station PC and the central server install, built with
# Debian's own tools (dpkg-deb, dpkg-shlibdeps, help2man, lintian) from this checkout:
#
#   ektp-data     (all)  printer profiles, the card layout, the Kemendagri region codes
#   ektp-station  (arch) ektpd, ektpctl, udev rule, systemd unit, sysusers/tmpfiles, config
#   ektp-hub      (arch) ektp-hub, systemd unit, config
#
# The Swift runtime is linked into the binaries (--static-swift-stdlib): a station PC
# needs no toolchain. Writes dist/*.deb and checks them with lintian (any error fails).
#
#   EKTP_DEB_VERSION        package version (default 0.<commits>.0+g<commit>, from git)
#   EKTP_DEB_CONFIGURATION  release (default) or debug
#   EKTP_DEB_OUT            output folder (default dist)
#   EKTP_DEB_REUSE_BUILD=1  package the binaries already built (a second version of the
#                           same build, as the install test's upgrade does)
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=${EKTP_DEB_CONFIGURATION:-release}
out=${EKTP_DEB_OUT:-dist}
if [ -z "${EKTP_DEB_VERSION:-}" ]; then
  EKTP_DEB_VERSION="0.$(git rev-list --count HEAD 2>/dev/null || echo 0).0+g$(git rev-parse --short HEAD 2>/dev/null || echo local)"
fi
version=$EKTP_DEB_VERSION
arch=$(dpkg --print-architecture)
maintainer="Pengembang ektp <ektp@dukcapil.example>"
products=(ektpd ektpctl ektp-hub)

# 1. The binaries, with the version stamped into every one (EKTPInstall/BuildInfo.swift,
# put back as it was afterwards).
bin=$(swift build -c "$configuration" --static-swift-stdlib --show-bin-path)
if [ "${EKTP_DEB_REUSE_BUILD:-0}" != 1 ]; then
  info=Sources/EKTPInstall/BuildInfo.swift
  cp "$info" "$info.orig"
  trap 'mv -f "$info.orig" "$info"' EXIT
  sed -i "s/public static let version = \".*\"/public static let version = \"$version\"/" "$info"
  if [ "$configuration" = release ]; then
    bash scripts/build-release.sh "${products[@]}"
  else
    for product in "${products[@]}"; do
      echo "== swift build -c $configuration --static-swift-stdlib --product $product"
      swift build -c "$configuration" --static-swift-stdlib --product "$product"
    done
  fi
  mv -f "$info.orig" "$info"
  trap - EXIT
  mkdir -p "$out"
  # The version stamped into the binaries: the install test installs this one first.
  echo "$version" >"$out/built-version"
fi
for product in "${products[@]}"; do
  [ -x "$bin/$product" ] || { echo "make deb: $bin/$product tidak ada (build dulu)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Installs $2 as $3 with mode $1 under the package root $root.
put() {
  install -D -m "$1" "$2" "$root/$3"
}
# A man page from the program's own --help (help2man), gzipped.
manpage() { # program section path-in-package
  mkdir -p "$(dirname "$root/$3")"
  help2man --no-info --no-discard-stderr --section="$2" --version-string="$version" \
    --name="$(LC_ALL=C.UTF-8 "$1" --help 2>&1 | sed -n 's/^OVERVIEW: //p' | head -1)" "$1" | gzip -9n >"$root/$3"
  chmod 0644 "$root/$3"
}
# Documentation every package carries: copyright and a changelog.
docs() { # package
  put 0644 packaging/common/copyright "usr/share/doc/$1/copyright"
  printf '%s (%s) unstable; urgency=medium\n\n  * Build %s.\n\n -- %s  %s\n' \
    "$1" "$version" "$version" "$maintainer" "$(date -R -d @"$(git log -1 --format=%ct 2>/dev/null || date +%s)")" |
    gzip -9n >"$root/usr/share/doc/$1/changelog.gz"
  chmod 0644 "$root/usr/share/doc/$1/changelog.gz"
}
# The shared libraries a set of binaries needs, as a Depends list (dpkg-shlibdeps). Debian
# 12's symbols file for libc6 does not know GLIBC_ABI_DT_RELR, the version a binary with
# packed relocations needs (glibc 2.36; `leanExecutable` in Package.swift), so a binary
# that needs it raises libc6 to 2.36 here.
shlibs() {
  mkdir -p "$work/shlibs/debian"
  printf 'Source: ektp\n\nPackage: ektp\nArchitecture: any\n' >"$work/shlibs/debian/control"
  local depends arg
  depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$@" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  for arg in "$@"; do
    if readelf -V "${arg#-e}" | grep 'Name: GLIBC_ABI_DT_RELR' >/dev/null; then
      depends=$(printf '%s' "$depends" | sed -E 's/libc6 \(>= [^)]*\)/libc6 (>= 2.36)/')
    fi
  done
  printf '%s' "$depends"
}
# Writes DEBIAN/control and builds the package.
package() { # name architecture depends description-file [recommends]
  local name=$1 architecture=$2 depends=$3 description=$4 recommends=${5:-}
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $architecture"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $size"
    [ -z "$depends" ] || echo "Depends: $depends"
    [ -z "$recommends" ] || echo "Recommends: $recommends"
    echo "Section: admin"
    echo "Priority: optional"
    echo "Homepage: https://github.com/ektp/ektp"
    cat "$description"
  } >"$root/DEBIAN/control"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${name}_${version}_${architecture}.deb" >/dev/null
  echo "make deb: $out/${name}_${version}_${architecture}.deb"
}

# 2. ektp-data
root=$work/ektp-data
mkdir -p "$root/DEBIAN"
for f in drivers/profiles/*.toml; do put 0644 "$f" "usr/share/ektp/$f"; done
put 0644 drivers/layout/ktp-el.json usr/share/ektp/drivers/layout/ktp-el.json
put 0644 data/wilayah.csv usr/share/ektp/data/wilayah.csv
docs ektp-data
package ektp-data all "" packaging/data/description

# 3. ektp-station
root=$work/ektp-station
mkdir -p "$root/DEBIAN"
put 0755 "$bin/ektpd" usr/sbin/ektpd
put 0755 "$bin/ektpctl" usr/bin/ektpctl
strip --strip-unneeded "$root/usr/sbin/ektpd" "$root/usr/bin/ektpctl"
put 0644 systemd/ektpd.service lib/systemd/system/ektpd.service
put 0644 udev/60-ektp-card-printers.rules lib/udev/rules.d/60-ektp-card-printers.rules
put 0644 packaging/station/sysusers.conf usr/lib/sysusers.d/ektp.conf
put 0644 packaging/station/tmpfiles.conf usr/lib/tmpfiles.d/ektp.conf
put 0644 packaging/station/ektpd.toml etc/ektp/ektpd.toml
manpage "$bin/ektpd" 8 usr/share/man/man8/ektpd.8.gz
manpage "$bin/ektpctl" 1 usr/share/man/man1/ektpctl.1.gz
mkdir -p "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions"
# bash-completion sources the file: no interpreter line.
"$bin/ektpctl" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/ektpctl"
"$bin/ektpctl" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_ektpctl"
chmod 0644 "$root/usr/share/bash-completion/completions/ektpctl" "$root/usr/share/zsh/vendor-completions/_ektpctl"
docs ektp-station
put 0644 docs/id/panduan-operator.md usr/share/doc/ektp-station/README.id.md
put 0644 docs/id/cadangan.md usr/share/doc/ektp-station/cadangan.md
echo /etc/ektp/ektpd.toml >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do put 0755 "packaging/station/$script" "DEBIAN/$script"; done
put 0644 packaging/station/lintian-overrides usr/share/lintian/overrides/ektp-station
package ektp-station "$arch" \
  "$(shlibs -e"$root/usr/sbin/ektpd" -e"$root/usr/bin/ektpctl"), ektp-data (= $version), adduser, fonts-liberation2" \
  packaging/station/description pcscd

# 4. ektp-hub
root=$work/ektp-hub
mkdir -p "$root/DEBIAN"
put 0755 "$bin/ektp-hub" usr/bin/ektp-hub
strip --strip-unneeded "$root/usr/bin/ektp-hub"
put 0644 systemd/ektp-hub.service lib/systemd/system/ektp-hub.service
put 0644 packaging/hub/sysusers.conf usr/lib/sysusers.d/ektp-hub.conf
put 0644 packaging/hub/tmpfiles.conf usr/lib/tmpfiles.d/ektp-hub.conf
put 0640 packaging/hub/hub.toml etc/ektp/hub.toml
manpage "$bin/ektp-hub" 1 usr/share/man/man1/ektp-hub.1.gz
mkdir -p "$root/usr/share/bash-completion/completions"
"$bin/ektp-hub" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/ektp-hub"
chmod 0644 "$root/usr/share/bash-completion/completions/ektp-hub"
docs ektp-hub
put 0644 docs/hub.md usr/share/doc/ektp-hub/README.md
echo /etc/ektp/hub.toml >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do put 0755 "packaging/hub/$script" "DEBIAN/$script"; done
put 0644 packaging/hub/lintian-overrides usr/share/lintian/overrides/ektp-hub
package ektp-hub "$arch" "$(shlibs -e"$root/usr/bin/ektp-hub"), ektp-data (= $version), adduser" packaging/hub/description

# 5. The packages as Debian checks them.
if command -v lintian >/dev/null; then
  lintian --fail-on error \
    "$out/ektp-data_${version}_all.deb" "$out/ektp-station_${version}_${arch}.deb" "$out/ektp-hub_${version}_${arch}.deb"
  echo "make deb: lintian tidak menemukan galat"
fi
