# The two commands a new user needs: `make quickstart` and `make test`.
# Each installs the system packages (apt) and builds what it needs on first use.

SHELL := /bin/bash
LOOM := .build/release/loom

.PHONY: quickstart test setup build notebooks bench recipe man completions clean fuzz slurm-up slurm-down

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

recipe:
	benchmarks/recipe.sh

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

# Coverage-guided fuzzing (libFuzzer) of the notebook parser, the YAML parameters, the IDX and
# PNG readers and the cache's result decoders, each for FUZZ_SECONDS, in a separate build
# (.build-fuzz). Seeds are in fuzz/corpus/TARGET; what the fuzzer finds goes to
# .build-fuzz/corpus/TARGET, crashes to .build-fuzz/crashes/ (add them to fuzz/corpus/TARGET:
# the tests replay every file there).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= notebook yaml idx png results

fuzz:
	swift build --scratch-path .build-fuzz --product loom-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DLOOM_FUZZ
	@mkdir -p .build-fuzz/crashes
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$target; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  SWIFT_BACKTRACE=enable=no LOOM_FUZZ_TARGET=$$target .build-fuzz/debug/loom-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix=.build-fuzz/crashes/$$target- \
	    .build-fuzz/corpus/$$target fuzz/corpus/$$target 2>&1 | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' ; \
	  test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz: $$target found a crash (see .build-fuzz/crashes/)"; exit 1; }; \
	done

# A one-node Slurm cluster on this machine (slurmctld, slurmd, slurmdbd with MariaDB, munge; no
# systemd needed), for `loom run --executor slurm` and the tests that submit real jobs.
slurm-up:
	./setup.sh --no-build --slurm
	slurm/cluster.sh up

slurm-down:
	slurm/cluster.sh down

clean:
	rm -rf .build .build-fuzz cache/loom.sqlite*
