# mynasim — build, test and demo. `make demo` and `make test` are the two commands that matter.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug/mynasim
APT_PACKAGES := pcscd libpcsclite-dev libssl-dev openssl opensc opensc-pkcs11 pcsc-tools python3-pyscard systemd valgrind gcc make pkg-config

.PHONY: all build deps demo test test-swift test-handler handler clean bench install

all: build

## Install the Debian packages mynasim uses (only what is missing; needs root or sudo).
deps:
	@scripts/install-deps.sh $(APT_PACKAGES)

build:
	$(SWIFT) build

handler:
	$(MAKE) -C ifd-handler

## Install what is missing, build, and show the virtual card working end to end.
demo: deps build
	@scripts/demo.sh

## Everything CI runs.
test: build
	$(SWIFT) test 2>&1 | tee .build/swift-test.log; exit $${PIPESTATUS[0]}

## Benchmarks (separate package; not part of `make test`).
bench:
	scripts/bench.sh

clean:
	$(SWIFT) package clean
	-$(MAKE) -C ifd-handler clean
