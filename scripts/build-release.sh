#!/usr/bin/env bash
# The release binaries as the packages ship them (make deb, make bench*): the Swift runtime
# linked in (--static-swift-stdlib), product by product (the test-only targets need Swift
# Testing, which has no static library).
#
# Every function is compiled into its own section, and ektpd is linked with its start-up
# and idle code first (packaging/station/ektpd.text-order, made by scripts/startup-order.sh):
# an idle station then keeps a third of the code resident that it did (docs/install.md,
# "Memory").
#
#   scripts/build-release.sh [PRODUCT...]   default: ektpd ektpctl ektp-hub ektp-bench
#
#   EKTP_TEXT_ORDER=FILE|none  ektpd's order (default packaging/station/ektpd.text-order)
#   EKTP_LINK_MAP=FILE         where lld's map of ektpd's link goes (default .build/ektpd.map)
set -euo pipefail
cd "$(dirname "$0")/.."

products=("$@")
[ ${#products[@]} -gt 0 ] || products=(ektpd ektpctl ektp-hub ektp-bench)
build=(-c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
order=${EKTP_TEXT_ORDER:-packaging/station/ektpd.text-order}

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
  link=()
  if [ "$product" = ektpd ]; then
    if [ "$order" != none ]; then
      static="$(swift -print-target-info | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"]["runtimeResourcePath"])')_static/linux"
      # Named by its content: a changed order is a changed link command, so ektpd relinks.
      script=$(python3 scripts/text-order.py script "$order" "$bin" "$static")
      ld=".build/ektpd-text-order-$(printf '%s' "$script" | sha256sum | cut -c1-12).ld"
      mkdir -p .build
      printf '%s\n' "$script" >"$ld"
      link+=(-Xlinker -T -Xlinker "$PWD/$ld")
    fi
    map=${EKTP_LINK_MAP:-$PWD/.build/ektpd.map}
    link+=(-Xlinker "-Map=$map")
  fi
  echo "== swift build -c release --static-swift-stdlib --product $product"
  swift build "${build[@]}" "${link[@]}" --product "$product"
  if [ "$product" = ektpd ] && [ "$order" != none ] && [ -f "$map" ]; then
    python3 scripts/text-order.py check "$map" "$order"
  fi
done
