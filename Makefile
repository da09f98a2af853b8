# The two commands a new user needs: `make quickstart` and `make test`.
# Each installs the system packages (apt) and builds what it needs on first use.

LOOM := .build/release/loom

.PHONY: quickstart test setup build notebooks bench man completions clean

quickstart: setup
	$(LOOM) run notebooks/quickstart.md

test:
	./setup.sh --no-build --test
	swift test

setup:
	./setup.sh

build: setup

notebooks: setup
	$(LOOM) run notebooks/eda.md notebooks/cnn.md notebooks/mlp.md --assets

bench:
	./setup.sh --no-build
	benchmarks/run.sh

# The man page, from the same declarations as --help: .build/plugins/GenerateManual/outputs/loom/loom.1
man:
	swift package --allow-writing-to-package-directory generate-manual
	@echo "man .build/plugins/GenerateManual/outputs/loom/loom.1"

# Shell completion scripts in completions/ (source the one for your shell).
completions: setup
	mkdir -p completions
	$(LOOM) --generate-completion-script bash > completions/loom.bash
	$(LOOM) --generate-completion-script zsh > completions/_loom
	$(LOOM) --generate-completion-script fish > completions/loom.fish

clean:
	rm -rf .build cache/loom.sqlite*
