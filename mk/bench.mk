# make bench: pagegen at upstream scale on a synthetic corpus
# (docs/performance.md has the targets and one dated run). First the real
# commands, timed by cmd/bench into one table on stdout, each beside its floor
# or reference; then the in-process timings, the Go benchmarks of the packages
# they time, on the same corpus, as go test prints them. The corpus is kept in
# $(BENCH_DIR) for the next run; pages are removed as the bench goes.
# BENCH_FLAGS passes options to the first, e.g. BENCH_FLAGS='--pages 100'
# (see bin/bench --help), BENCH_GO_FLAGS to go test for internal/site.

BENCH_DIR      ?= bench
BENCH_FLAGS    ?=
BENCH_GO_FLAGS ?= -benchtime=21x -count=5

.PHONY: bench clean-bench
# Built like the tools (GOEXPERIMENT from mk/tools.mk, which go test gets
# too), so that the in-process numbers use the same vector kernels as pagegen.
bench: $(CORPUS_PACK) $(PAGEGEN)
	@$(call refuse_foreign,$(BIN)/bench,bench)
	$(GO) build -o $(call q,$(BIN)/bench) ./cmd/bench
	$(BIN)/bench --bin=$(call q,$(BIN)) --dir=$(call q,$(BENCH_DIR)) --go=$(call q,$(GO)) $(BENCH_FLAGS)
	PAGEGEN_BENCH_CORPUS=$(call q,$(abspath $(BENCH_DIR))/corpus/corpus.bin) $(GO) test -run '^$$' -bench . $(BENCH_GO_FLAGS) ./internal/site
	$(GO) test -run '^$$' -bench . -benchtime=3x -count=3 ./internal/deploy

clean-bench:
	rm -rf $(call q,$(BENCH_DIR))
