# Thin wrapper over meson. `make demo` and `make test` work from a fresh
# clone on Debian 12: they install missing packages first (scripts/deps.sh).
BUILD ?= build

.PHONY: all deps build demo test bench docs clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	@ninja -C $(BUILD)

demo: build
	@sh scripts/demo.sh $(BUILD)

test: deps
	@sh scripts/test.sh

bench: build
	@sh scripts/bench.sh $(BUILD)

# Regenerate docs/elements/*.txt (gst-inspect-1.0 output) after changing an
# element's properties or pads; tests fail until they match.
docs: build
	@sh tests/docs/check-inspect.sh $(BUILD) --update

clean:
	rm -rf $(BUILD) build-asan
