# mynasim — build, test and demo. `make demo` and `make test` are the two commands that matter.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pcscd libpcsclite-dev libssl-dev libsqlite3-dev openssl opensc opensc-pkcs11 pcsc-tools python3-pyscard systemd valgrind gcc make \
                pkg-config xxd imagemagick fonts-ipafont-gothic curl chromium wrk libccid vsmartcard-vpcd

.PHONY: all build deps handler demo demo-kakunin test lint format test-swift test-handler test-fuzz fuzz test-e2e test-torture test-contention bench \
        bench-service install uninstall clean

all: build handler

## Install the Debian packages mynasim uses (only what is missing; needs root or sudo).
deps:
	@scripts/install-deps.sh $(APT_PACKAGES)

build:
	$(SWIFT) build

handler:
	$(MAKE) -C ifd-handler

## Install what is missing, build, and show the virtual card working end to end.
demo: deps build handler
	@scripts/demo.sh

## The 資格確認限定型 flow: mock qualification service + kakunin, method A and method B, through pcscd.
demo-kakunin: deps build handler
	@scripts/demo-kakunin.sh

## Everything CI runs: the format and citation checks, Swift tests, the IFD handler's tests (with valgrind), the end-to-end
## tests through a private pcscd with OpenSC, pcsc-tools and pyscard, a short fuzzing run, the crash torture and the
## contention tests (CI sizes; docs/testing.md has the larger ones).
test: lint test-swift test-handler test-fuzz test-e2e test-torture test-contention

## swift-format (.swift-format) over every Swift file, and every card-reference citation resolves.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Benchmarks Package.swift fuzz/swift/Sources fuzz/swift/Package.swift
	scripts/check-citations.py

## Rewrites the Swift sources in the project's format.
format:
	$(SWIFT) format format -i -r Sources Tests Benchmarks Package.swift fuzz/swift/Sources fuzz/swift/Package.swift

test-swift: build
	$(SWIFT) test

test-handler: handler
	ifd-handler/tests/run-tests.sh

test-e2e: build handler
	IntegrationTests/e2e/run.sh
	IntegrationTests/e2e/readers.sh

## SIGKILLs of mynasim serve under a hammering client, a full disk and a read-only persona (MYNASIM_TORTURE_KILLS=N).
test-torture: build
	IntegrationTests/torture/run.sh

## Contention and load through a private pcscd: exclusive mode, transactions, a killed client, 16 slots × 64 clients
## (MYNASIM_LOAD_SECONDS=60 for the full minute), pcscd restarts, a removal during a slow command.
test-contention: build handler
	IntegrationTests/contention/run.sh

## Coverage-guided fuzzing (docs/testing.md, fuzz/README.md): the Swift targets (fuzz/swift, -sanitize=fuzzer,address) and
## the IFD handler's (fuzz/Makefile, libFuzzer + ASan + UBSan). In `make test`: every committed seed once, then each Swift
## target for FUZZ_CI_SECONDS (a debug build) and each C target for the fuzz/Makefile's CI_SECONDS. `make fuzz`: every
## target for FUZZ_SECONDS each (a release build; long).
FUZZ_CI_SECONDS ?= 10
FUZZ_SECONDS ?= 300
test-fuzz:
	fuzz/run.sh ci $(FUZZ_CI_SECONDS)

fuzz:
	fuzz/run.sh build
	fuzz/run.sh all $(FUZZ_SECONDS)

## Benchmarks (not part of `make test`): in-process card, and PC/SC against the null-handler floor.
bench: handler
	scripts/bench.sh
	$(SWIFT) build -c release
	scripts/bench-pcsc.sh

bench-service: build
	scripts/bench-service.sh

## A permanent setup with the system's pcscd: the handler in the pcsc drivers directory, a
## reader.conf.d entry for /run/mynasim/mynasim.sock, and mynasim in /usr/local/bin.
install: handler
	$(SWIFT) build -c release
	install -D -m 0755 .build/release/mynasim $(DESTDIR)/usr/local/bin/mynasim
	$(MAKE) -C ifd-handler install

uninstall:
	rm -f $(DESTDIR)/usr/local/bin/mynasim
	$(MAKE) -C ifd-handler uninstall

clean:
	$(SWIFT) package clean
	rm -rf .build-fuzz fuzz/build/swift
	-$(MAKE) -C ifd-handler clean
	-$(MAKE) -C fuzz clean
