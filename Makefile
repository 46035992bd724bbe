# Conventional entry points around SwiftPM and packaging/install.sh.
#   make              release binaries (static Swift stdlib)
#   make install      PREFIX=/usr/local DESTDIR= (staged when DESTDIR is set)
#   make uninstall    keeps /var/lib/contaird; PURGE=1 removes it and the group
#   make test         the whole test suite, as root
PREFIX ?= /usr/local
DESTDIR ?=
INIT ?=

BIN_DIR = $(shell swift build -c release --show-bin-path 2>/dev/null)

.PHONY: all install uninstall test clean

all:
	swift build -c release --static-swift-stdlib

install: all
	packaging/install.sh --prefix "$(PREFIX)" --bin-dir "$(BIN_DIR)" \
		$(if $(DESTDIR),--destdir "$(DESTDIR)") $(if $(INIT),--init "$(INIT)")

uninstall:
	packaging/install.sh --uninstall --prefix "$(PREFIX)" \
		$(if $(DESTDIR),--destdir "$(DESTDIR)") $(if $(PURGE),--purge)

test:
	scripts/test.sh

clean:
	swift package clean
