# make bench: pagegen at upstream scale on a synthetic corpus, one table on
# stdout (cmd/bench): the real commands timed, and the Go benchmarks of
# internal/site for the orderings. The corpus is kept in $(BENCH_DIR) for the
# next run; pages are removed as the bench goes. BENCH_FLAGS passes options,
# e.g. make bench BENCH_FLAGS='--pages 100' (see bin/bench --help).

BENCH_DIR   ?= bench
BENCH_FLAGS ?=

.PHONY: bench clean-bench
# Built like the tools (GOEXPERIMENT from mk/tools.mk, which go test gets
# too), so that the in-process numbers use the same vector kernels as pagegen.
bench: $(CORPUS_PACK) $(PAGEGEN)
	@$(call refuse_foreign,$(BIN)/bench,bench)
	$(GO) build -o $(call q,$(BIN)/bench) ./cmd/bench
	$(BIN)/bench --bin=$(call q,$(BIN)) --dir=$(call q,$(BENCH_DIR)) --go=$(call q,$(GO)) $(BENCH_FLAGS)

clean-bench:
	rm -rf $(call q,$(BENCH_DIR))
