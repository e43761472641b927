# SPDX-License-Identifier: LGPL-2.1-or-later
# Thin wrapper over meson. `make demo` and `make test` work from a fresh
# clone on Debian 12: they install missing packages first (scripts/deps.sh).
BUILD ?= build

.PHONY: all deps build demo test bench docs clean

all: build

deps:
	@sh scripts/deps.sh

# building never installs anything: `make deps` (or demo, test, bench) does
build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	@ninja -C $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory build
	@sh scripts/demo.sh $(BUILD)

test: deps
	@sh scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory build
	@sh scripts/bench.sh $(BUILD)

# Regenerate docs/elements/*.txt (gst-inspect-1.0 output) after changing an
# element's properties or pads; tests fail until they match.
docs: build
	@sh tests/docs/check-inspect.sh $(BUILD) --update

clean:
	rm -rf $(BUILD) build-asan build-aarch64
