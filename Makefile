# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps build demo test test-cups bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Hub-less demo: ektpd with two simulated printers prints synthetic signed jobs.
demo: build
	.build/debug/ektp-demo

# Every test, with a private PostgreSQL for the hub (scripts/test.sh).
test:
	@bash scripts/test.sh

# The whole CUPS suite, including its three timing-dependent tests.
test-cups:
	@EKTP_TEST_CUPS_ALL=1 bash scripts/test.sh

# Benchmarks with their in-run baselines (release build).
bench: deps
	$(SWIFT) build -c release
	taskset -c 0 .build/release/ektp-bench

clean:
	rm -rf .build demo-output
