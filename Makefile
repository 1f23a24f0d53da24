# mynasim — build, test and demo. `make demo` and `make test` are the two commands that matter.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pcscd libpcsclite-dev libssl-dev libsqlite3-dev openssl opensc opensc-pkcs11 pcsc-tools python3-pyscard systemd valgrind gcc make \
                pkg-config xxd imagemagick fonts-ipafont-gothic curl chromium wrk libccid vsmartcard-vpcd \
                libnss3-tools libengine-pkcs11-openssl openssh-client openssh-server dpkg-dev lintian libcurl4-openssl-dev

# Installation. `make install` and `make deb` use the release build with the Swift runtime linked
# in statically (the binary then needs only Debian's own libraries); INSTALL_BUILD=debug installs
# the debug build instead (the install test, to keep CI short).
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_BUILD ?= release
RELEASE_FLAGS := -c release --static-swift-stdlib
MAN_PAGES := .build/man
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null || date +%F)

.PHONY: all build release debug deps handler demo demo-kakunin test lint format test-swift test-handler test-fuzz fuzz test-e2e test-torture test-contention test-install bench \
        bench-service man install install-system uninstall uninstall-system deb clean

all: build handler

## Install the Debian packages mynasim uses (only what is missing; needs root or sudo).
deps:
	@scripts/install-deps.sh $(APT_PACKAGES)

build:
	$(SWIFT) build

## The release build users get (make install, make deb, the benchmarks).
release:
	$(SWIFT) build $(RELEASE_FLAGS)

debug: build

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
## contention tests (CI sizes; docs/testing.md has the larger ones), and `make install` and the Debian package.
test: lint test-swift test-handler test-fuzz test-e2e test-torture test-contention test-install

## swift-format (.swift-format) over every Swift file, and every card-reference citation resolves.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Benchmarks Package.swift fuzz/swift/Sources fuzz/swift/Package.swift
	scripts/check-citations.py

## Rewrites the Swift sources in the project's format.
format:
	$(SWIFT) format format -i -r Sources Tests Benchmarks Package.swift fuzz/swift/Sources fuzz/swift/Package.swift

test-swift: build handler
	$(SWIFT) test

test-handler: handler
	ifd-handler/tests/run-tests.sh

test-e2e: build handler
	IntegrationTests/e2e/run.sh
	IntegrationTests/e2e/readers.sh
	IntegrationTests/e2e/recipes.sh
	IntegrationTests/e2e/signals.sh
	IntegrationTests/e2e/reader_check.sh

## `make install` and the Debian package of the debug build, used from an unrelated directory.
test-install: build handler
	IntegrationTests/install/run.sh

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
	$(SWIFT) build $(RELEASE_FLAGS)
	scripts/bench-pcsc.sh

bench-service: build
	scripts/bench-service.sh

## Man pages (one per subcommand) from the binary, by ArgumentParser's generate-manual tool; names man-db can index, and
## the Japanese text generate-manual leaves out (it writes ASCII only) put back from the CLI's own description.
man: $(INSTALL_BUILD)
	$(SWIFT) build --product generate-manual
	rm -rf $(MAN_PAGES) && mkdir -p $(MAN_PAGES)
	$$($(SWIFT) build --show-bin-path)/generate-manual .build/$(INSTALL_BUILD)/mynasim --multi-page --date $(MAN_DATE) \
		--output-directory $(MAN_PAGES)
	scripts/man-names.sh $(MAN_PAGES)
	/usr/bin/python3 scripts/man-unicode.py .build/$(INSTALL_BUILD)/mynasim $(MAN_PAGES)

## mynasim, its handler, data, man pages and docs under PREFIX (default /usr/local; PREFIX=$$HOME/.local needs no
## root), with a manifest for `make uninstall`. The system pcscd is left alone: see install-system.
install: handler man
	BINARY=.build/$(INSTALL_BUILD)/mynasim MANPAGES=$(MAN_PAGES) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) scripts/install.sh

## Removes exactly what `make install PREFIX=…` installed (its manifest says what).
uninstall:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) scripts/uninstall.sh

## The system pcscd's reader (root): the handler in /usr/lib/pcsc/drivers/serial and /etc/reader.conf.d/mynasim for
## /run/mynasim/mynasim.sock; restart pcscd, then `sudo mynasim serve`.
install-system: handler
	$(MAKE) -C ifd-handler install

uninstall-system:
	$(MAKE) -C ifd-handler uninstall

## The Debian package, .build/deb/mynasim_<version>-1_<arch>.deb, checked by lintian.
deb: handler man
	BINARY=.build/$(INSTALL_BUILD)/mynasim MANPAGES=$(MAN_PAGES) scripts/make-deb.sh

clean:
	$(SWIFT) package clean
	rm -rf .build-fuzz fuzz/build/swift
	-$(MAKE) -C ifd-handler clean
	-$(MAKE) -C fuzz clean
