# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps build demo test bench clean

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

# Benchmarks with their in-run baselines (release build).
bench: deps
	$(SWIFT) build -c release
	taskset -c 0 .build/release/ektp-bench

clean:
	rm -rf .build demo-output
