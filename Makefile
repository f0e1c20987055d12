# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift
# The benchmarks measure the binaries as the packages ship them (scripts/make-deb.sh):
# scripts/build-release.sh.
RELEASE = bash scripts/build-release.sh

.PHONY: deps build demo test test-cups bench bench-hub bench-sync bench-cups deb install-test clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The demo: ektp-hub on SQLite and two ektpd stations print synthetic signed jobs from the
# hub on simulated printers (`.build/debug/ektp-demo --serve` keeps the web pages up after).
demo: build
	.build/debug/ektp-demo

# Every test, with a private PostgreSQL for the hub (scripts/test.sh).
test:
	@bash scripts/test.sh

# The CUPS driver's suite alone (a private cupsd, ippeveprinter, D-Bus and avahi; root).
test-cups: deps
	$(SWIFT) test --filter EKTPCUPSTests

# Benchmarks with their in-run baselines (release build); then ektpd through a compressed
# office day beside an idle ektpd (`ektp-bench soak`, EKTP_BENCH_SOAK_MINUTES, default 6).
bench: deps
	$(RELEASE)
	taskset -c 0 .build/release/ektp-bench
	.build/release/ektp-bench soak

# The hub benchmarks (release): Kabupaten Bekasi's backlog and the country's 7,285
# stations, on SQLite and a private PostgreSQL (scripts/bench-hub.sh).
bench-hub: deps
	$(RELEASE)
	@bash scripts/bench-hub.sh

# The station–hub link (release): intake → stored at the station, and the outbox drained
# after the hub was away; ektp-hub, ektpd and the bench share one core.
bench-sync: deps
	$(RELEASE)
	taskset -c 0 .build/release/ektp-bench sync

# The CUPS driver path against plain `lp` on the same queue and PDF (release; a private
# cupsd, ippeveprinter, D-Bus and avahi; root).
bench-cups: deps
	$(RELEASE)
	.build/release/ektp-bench cups

# The Debian packages (docs/install.md): ektp-data, ektp-station, ektp-hub in dist/,
# the Swift runtime linked in, checked with lintian.
deb: deps
	@bash scripts/make-deb.sh

# The packages installed, upgraded and purged on a clean Debian 12 root (mmdebstrap; root).
install-test: deps
	@bash scripts/install-test.sh

clean:
	rm -rf .build demo-output dist
