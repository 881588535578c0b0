# make embeddings: POEMS to EMBEDDINGS and COLOR_EMBEDDINGS (the palette's
# colour words) with an embedding server the poet runs (cmd/embed): Ollama,
# or any server with the OpenAI-style API. A cache beside EMBEDDINGS keeps
# every vector by model and exact text, so a run sends only new texts, and
# the files are rewritten only when their contents change. With EMBED_URL
# set, every build goal brings the embeddings up to date first; without it
# the build uses the files as they are.
#
# The key, if the server wants one, is read from the environment
# (EMBED_API_KEY, or OPENAI_API_KEY with EMBED_API=openai), never from a
# command line, where every user of the machine could read it; so is
# EMBED_URL, which may hold a password (http://user:password@host).

EMBED_API     ?= ollama
EMBED_URL     ?=
EMBED_MODEL   ?=
EMBED_BATCH   ?=
EMBED_JOBS    ?=
EMBED_TIMEOUT ?=
EMBED_RETRIES ?=
EMBED         := $(BIN)/embed

# An unset setting is left to embed's default (embed --help lists them).
embed_flag = $(if $($1),$2=$(call q,$($1)))
export EMBED_URL
EMBED_FLAGS = --api=$(call q,$(EMBED_API)) $(call embed_flag,EMBED_MODEL,--model) \
	$(call embed_flag,EMBED_BATCH,--batch) $(call embed_flag,EMBED_JOBS,--jobs) \
	$(call embed_flag,EMBED_TIMEOUT,--timeout) $(call embed_flag,EMBED_RETRIES,--retries) \
	$(if $(filter 1 yes true,$(ALLOW_MISSING)),--allow-missing)

.PHONY: embeddings
# Not echoed: embed names the server itself, without a password in EMBED_URL.
embeddings: $(EMBED)
	@$(EMBED) --poems=$(call q,$(POEMS)) --embeddings=$(call q,$(EMBEDDINGS)) --colors=$(call q,$(COLOR_EMBEDDINGS)) $(EMBED_FLAGS)

ifneq ($(EMBED_URL),)
supervise: embeddings
endif

$(EMBED): $(BIN)/.embed.stamp ;
$(BIN)/.embed.stamp: $(filter-out %_test.go,$(wildcard cmd/embed/*.go))
$(eval $(call tool_rule,embed))

