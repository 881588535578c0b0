# The two programs, rebuilt when their Go sources change.

CORPUS_PACK := $(BIN)/corpus-pack
PAGEGEN     := $(BIN)/pagegen
GO          ?= go
# Vector code for the Gram matrix and the walk (Go 1.26 simd/archsimd, amd64);
# elsewhere the portable code, with the same results.
GOEXPERIMENT ?= simd
export GOEXPERIMENT
GO_SOURCES  := go.mod go.sum $(shell find cmd internal -name '*.go' ! -name '*_test.go')

.PHONY: tools
tools: $(CORPUS_PACK) $(PAGEGEN)

$(BIN)/%: $(GO_SOURCES)
	$(GO) build -o $@ ./cmd/$*
