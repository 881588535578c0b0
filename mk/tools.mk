# The programs. They are rebuilt when a Go source changes, but replaced only
# when the new binary differs, so that a change elsewhere (a test, another
# command) does not make every page stale.

CORPUS_PACK := $(BIN)/corpus-pack
PAGEGEN     := $(BIN)/pagegen
GO          ?= go
GO_SOURCES  := go.mod go.sum $(shell find cmd internal -name '*.go' ! -name '*_test.go')
# Vector code for the Gram matrix and the walk (Go 1.26 simd/archsimd, amd64);
# elsewhere the portable code, with the same results.
GOEXPERIMENT ?= simd
export GOEXPERIMENT
# Static binaries: no dynamic loader at each of the thousands of page processes.
export CGO_ENABLED := 0

.PHONY: tools
tools: $(CORPUS_PACK) $(PAGEGEN)

$(CORPUS_PACK): $(BIN)/.corpus-pack.stamp ;
$(PAGEGEN): $(BIN)/.pagegen.stamp ;

$(BIN)/.corpus-pack.stamp $(BIN)/.pagegen.stamp: $(BIN)/.%.stamp: $(GO_SOURCES)
	@echo 'go build ./cmd/$*' && mkdir -p '$(BIN)' && \
	$(GO) build -buildvcs=false -o '$(BIN)/$*.new'$$$$ ./cmd/$* && \
	if cmp -s '$(BIN)/$*.new'$$$$ '$(BIN)/$*'; then rm '$(BIN)/$*.new'$$$$; else mv '$(BIN)/$*.new'$$$$ '$(BIN)/$*'; fi && \
	touch '$@'
