# mynasim — build, test and demo. `make demo` and `make test` are the two commands that matter.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pcscd libpcsclite-dev libssl-dev openssl opensc opensc-pkcs11 pcsc-tools python3-pyscard systemd valgrind gcc make pkg-config xxd imagemagick fonts-ipafont-gothic

.PHONY: all build deps handler demo test test-swift test-handler test-e2e bench install uninstall clean

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

## Everything CI runs: Swift tests, the IFD handler's tests (with valgrind), and the end-to-end
## tests through a private pcscd with OpenSC, pcsc-tools and pyscard.
test: test-swift test-handler test-e2e

test-swift: build
	$(SWIFT) test

test-handler: handler
	ifd-handler/tests/run-tests.sh

test-e2e: build handler
	tests/e2e/run.sh

## Benchmarks (not part of `make test`): in-process card, and PC/SC against the null-handler floor.
bench: handler
	scripts/bench.sh
	$(SWIFT) build -c release
	scripts/bench-pcsc.sh

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
	-$(MAKE) -C ifd-handler clean
