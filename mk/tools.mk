# The programs. They are rebuilt when a Go source changes, but replaced only
# when the new binary differs, so that a change elsewhere (a test, another
# command) does not make every page stale.

GO          ?= go
# The tools are cmd/corpus-pack and cmd/pagegen, and every package they use
# is internal/X or internal/X/Y: make's own wildcard lists them, with no
# shell started.
TOOL_DIRS   := cmd/corpus-pack cmd/pagegen
GO_SOURCES  := go.mod go.sum $(filter-out %_test.go,$(wildcard $(TOOL_DIRS:%=%/*.go) internal/*/*.go internal/*/*/*.go))
# Vector code for the Gram matrix and the walk (Go 1.26 simd/archsimd, amd64);
# elsewhere the portable code, with the same results.
GOEXPERIMENT ?= simd
export GOEXPERIMENT
# Static binaries: no dynamic loader at each of the thousands of page processes.
export CGO_ENABLED := 0
# Without the symbol table and debug information: every page is a process,
# and a binary a third smaller starts ~2 ms sooner here (panics still name
# their functions and lines).
TOOL_LDFLAGS := -ldflags='-s -w'
# The command line the tools are built with. As Kbuild's if_changed, a tool
# is rebuilt when it was last built with another one (bin/.TOOL.cmd holds
# it): another GOEXPERIMENT, other flags.
TOOL_BUILD := $(GO) build -buildvcs=false $(TOOL_LDFLAGS)
TOOL_CMD    = GOEXPERIMENT=$(GOEXPERIMENT) CGO_ENABLED=$(CGO_ENABLED) $(TOOL_BUILD)
# eq is non-empty when $1 and $2 are the same string.
eq = $(and $(findstring x$1,x$2),$(findstring x$2,x$1))
# tool_record is what bin/.TOOL.cmd holds: the command TOOL was built with,
# after a mark by which make clean (pagegen clean) knows the record for one
# of the build's.
tool_record = pagegen built $1 with: $(TOOL_CMD)
# MODULE is the module's path (go.mod's first line), which Go records in
# every program it builds from the module's commands.
MODULE := $(word 2,$(file < go.mod))
# refuse_foreign stops a recipe that would write program $2 over $1 unless
# $1 is not there or is that program of this module's, as go version -m
# reads it: BIN may be a folder of the poet's own programs, and the build
# never writes over a file it did not make.
refuse_foreign = { ! [ -e $(call q,$1) ] && ! [ -L $(call q,$1) ] || { ! [ -L $(call q,$1) ] && $(GO) version -m $(call q,$1) 2>/dev/null | grep -qx "$$(printf '\tpath\t%s' $(call q,$(MODULE)/cmd/$2))"; } || \
	{ echo 'make: $1 is not a program pagegen built, and the build never writes over a file it did not make: move it away, or set BIN to another folder' >&2; exit 1; }; }

.PHONY: tools
tools: $(CORPUS_PACK) $(PAGEGEN)

$(CORPUS_PACK): $(BIN)/.corpus-pack.stamp ;
$(PAGEGEN): $(BIN)/.pagegen.stamp ;

# tool_rule is the build of cmd/$1; it also runs when the binary is gone or
# was built with another command line.
define tool_rule
$$(BIN)/.$1.stamp: $$(GO_SOURCES) $$(if $$(wildcard $$(BIN)/$1),,FORCE) $$(if $$(call eq,$$(file < $$(BIN)/.$1.cmd),$$(call tool_record,$1)),,FORCE)
	@echo 'go build ./cmd/$1' && mkdir -p $$(call q,$$(BIN)) && $$(call refuse_foreign,$$(BIN)/$1,$1) && \
	$$(TOOL_BUILD) -o $$(call q,$$(BIN)/$1.new)$$$$$$$$ ./cmd/$1 && \
	if cmp -s $$(call q,$$(BIN)/$1.new)$$$$$$$$ $$(call q,$$(BIN)/$1); then rm $$(call q,$$(BIN)/$1.new)$$$$$$$$; \
	else mv $$(call q,$$(BIN)/$1.new)$$$$$$$$ $$(call q,$$(BIN)/$1); fi && \
	printf '%s\n' $$(call q,$$(call tool_record,$1)) > $$(call q,$$(BIN)/.$1.cmd) && \
	printf 'pagegen built %s\n' $1 > $$(call q,$$@)
endef
$(foreach t,corpus-pack pagegen,$(eval $(call tool_rule,$t)))
