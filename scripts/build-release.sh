#!/usr/bin/env bash
# The release binaries as the packages ship them (make deb, make bench*): the Swift runtime
# linked in (--static-swift-stdlib), product by product (the test-only targets need Swift
# Testing, which has no static library).
#
# Every function is compiled into its own section, and the daemons are linked with the code
# they run first (made by scripts/startup-order.sh): ektpd its start-up and idle code
# (packaging/station/ektpd.text-order; an idle station keeps a third of the code resident
# that it did, docs/install.md "Memory"), ektp-hub the code it runs serving stations
# (packaging/hub/ektp-hub.text-order; docs/hub.md, "The hub's code in the order it runs").
#
#   scripts/build-release.sh [PRODUCT...]   default: ektpd ektpctl ektp-hub ektp-bench
#
#   EKTP_TEXT_ORDER=FILE|none  the order of each daemon built (default: its own list)
#   EKTP_LINK_MAP=FILE         where lld's map of a daemon's link goes (default .build/PRODUCT.map)
set -euo pipefail
cd "$(dirname "$0")/.."

products=("$@")
[ ${#products[@]} -gt 0 ] || products=(ektpd ektpctl ektp-hub ektp-bench)
build=(-c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
own_order() { # own_order PRODUCT: the committed text order of a daemon; nothing for the rest
  case $1 in
    ektpd) echo packaging/station/ektpd.text-order ;;
    ektp-hub) echo packaging/hub/ektp-hub.text-order ;;
  esac
}

# swift-driver's incremental build does not see a change of frontend flags: a release
# build made with other flags is removed first, or its objects would stay as they were.
bin=$(swift build "${build[@]}" --show-bin-path)
stamp=.build/release-flags
if [ "$(cat "$stamp" 2>/dev/null)" != "${build[*]}" ]; then
  [ ! -d "$bin" ] || echo "== release flags changed: $bin rebuilt from scratch"
  [ -z "$bin" ] || rm -rf "$bin"
  mkdir -p .build
  echo "${build[*]}" >"$stamp"
fi

for product in "${products[@]}"; do
  link=() order=
  own=$(own_order "$product")
  if [ -n "$own" ]; then
    order=${EKTP_TEXT_ORDER:-$own}
    [ "$order" != none ] && [ -f "$order" ] || order=
    if [ -n "$order" ]; then
      static="$(swift -print-target-info | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"]["runtimeResourcePath"])')_static/linux"
      # Named by its content: a changed order is a changed link command, so the daemon relinks.
      script=$(python3 scripts/text-order.py script "$order" "$bin" "$static")
      ld=".build/$product-text-order-$(printf '%s' "$script" | sha256sum | cut -c1-12).ld"
      mkdir -p .build
      printf '%s\n' "$script" >"$ld"
      link+=(-Xlinker -T -Xlinker "$PWD/$ld")
    fi
    map=${EKTP_LINK_MAP:-$PWD/.build/$product.map}
    link+=(-Xlinker "-Map=$map")
  fi
  echo "== swift build -c release --static-swift-stdlib --product $product"
  swift build "${build[@]}" "${link[@]}" --product "$product"
  if [ -n "$order" ] && [ -f "$map" ]; then
    python3 scripts/text-order.py check "$map" "$order" "$product"
  fi
done
