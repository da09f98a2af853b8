# The two commands a new user needs: `make quickstart` and `make test`.
# Each installs the system packages (apt) and builds what it needs on first use.

LOOM := .build/release/loom

.PHONY: quickstart test setup build notebooks bench clean

quickstart: setup
	$(LOOM) run notebooks/quickstart.md

test:
	./setup.sh --no-build
	swift test

setup:
	./setup.sh

build: setup

notebooks: setup
	$(LOOM) run notebooks/eda.md notebooks/cnn.md notebooks/mlp.md --assets

bench:
	./setup.sh --no-build
	benchmarks/run.sh

clean:
	rm -rf .build cache/loom.sqlite*
