# Cleaning, tests and help.

.PHONY: clean clean-similar clean-different test fuzz help
# pagegen removes only what the build made: a site it made (a CNAME, a .git
# or a favicon of the poet's stays), its own files beside the corpus, and
# the programs it built in BIN (a program or folder of the poet's of the
# same name stays). With build goals (make clean all) the programs stay,
# for those goals to run, which come after the clean.
CLEAN_GOALS := $(filter clean clean-similar clean-different,$(MAKECMDGOALS))
clean: $(PAGEGEN)
	@$(PAGEGEN) --corpus=$(call q,$(CORPUS)) clean --out=$(call q,$(OUT)) --makefile=$(call q,$(PAGES_MK)) $(if $(SUPERVISED),,--programs=$(call q,$(BIN)))
ifneq ($(and $(CLEAN_GOALS),$(SUPERVISED)),)
supervise: | $(CLEAN_GOALS)
endif

clean-similar clean-different: $(PAGEGEN)
	@$(PAGEGEN) --corpus=$(call q,$(CORPUS)) clean --out=$(call q,$(OUT)) --only $(@:clean-%=%)

# Fuzz targets: make test runs each briefly; make fuzz FUZZTIME=30m runs them longer.
# The default is a count of inputs, not a time: a time can run out while Go
# is still replaying the inputs found before ("context deadline exceeded"),
# and their number grows in the fuzz cache from run to run.
FUZZ_TARGETS := input:FuzzPoems input:FuzzEmbeddings input:FuzzColors \
	corpus:FuzzOpen corpus:FuzzOpenSections corpus:FuzzOpenHeader
FUZZTIME ?= 500x

# The end-to-end tests take ~5 minutes on a quiet 2-core machine; Go's
# default limit of 10 is a wall clock that a loaded one runs out of (CI
# beside another build). A hang is caught by each test's own bound.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout=30m ./...
	GOEXPERIMENT= $(GO) test ./internal/gram ./internal/order
	@$(MAKE) --no-print-directory fuzz

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s ./internal/$${t%%:*}/ || exit 1; \
	done

help:
	@echo 'Build a static site of a poetry collection, ordered by meaning.'
	@echo
	@echo 'Targets:'
	@echo '  all                 tools, packed corpus, every page and the index (default)'
	@echo '  embeddings          $(EMBEDDINGS) and $(COLOR_EMBEDDINGS) from $(POEMS) with an embedding server (EMBED_*)'
	@echo '  corpus              pack the inputs into $(CORPUS)'
	@echo '  similar, different  every similar/ or different/ page'
	@echo '  similar/N.html      one ordering, written to $(OUT)/similar/N.html and its chapters (likewise different/N.html)'
	@echo '  chronological       every poem, oldest first, in $(OUT)/chronological.html (and its chapters)'
	@echo '  index               $(OUT)/index.html'
	@echo '  size                the site against its budget, and the pages to build against the free disk space'
	@echo '  deploy              build the site (as all), then publish it to Neocities: only what changed (README, Deploying)'
	@echo '  clean               remove the site, the packed corpus and the programs'
	@echo '  clean-similar       remove the similar pages (clean-different likewise)'
	@echo '  test                vet and run the tests (and each fuzz target briefly)'
	@echo '  fuzz                run the fuzz targets for FUZZTIME each (default $(FUZZTIME))'
	@echo '  bench               the benchmark at 7,800 poems (docs/performance.md)'
	@echo '  check-robustness    fault tests (bad inputs, kill -9, full disk, two makes, your files, hangs) and their table'
	@echo
	@echo 'Variables (make VAR=value ...):'
	@echo '  POEMS=$(POEMS)'
	@echo '  EMBEDDINGS=$(EMBEDDINGS)'
	@echo '  COLOR_EMBEDDINGS=$(COLOR_EMBEDDINGS)   (empty: every poem gray)'
	@echo '  OUT=$(OUT)   where the site is written'
	@echo '  ALLOW_MISSING=1     leave out poems without an embedding instead of failing'
	@echo '  SPACE_CHECK=0       build even when the pages will not fit on the disk'
	@echo '  PER_PAGE=k          chapters of k poems (unset: every page holds the whole collection)'
	@echo '  CHAPTERS=m          keep the first m chapters of each similar and different ordering'
	@echo '  HOST=name           fit the site to a host: neocities, neocities-free, github-pages, gitlab-pages, cloudflare-pages'
	@echo '  QUOTA, MAX_FILES, MAX_FILE_SIZE   a budget of your own (e.g. QUOTA=50G MAX_FILES=20000 MAX_FILE_SIZE=25MiB)'
	@echo '  NEOCITIES_URL=$(NEOCITIES_URL)   the Neocities API (make deploy)'
	@echo '  DEPLOY_DIR=folder   the folder of the Neocities site the site goes to (default: its root)'
	@echo '  DRY_RUN=1           make deploy shows its plan, and sends and removes nothing'
	@echo '  NEOCITIES_API_KEY   the site'"'"'s API key, in the environment only (or the neocities CLI'"'"'s ~/.config/neocities/config.json)'
	@echo '  EMBED_URL=url       the embedding server; set, every build makes the embeddings first (make embeddings alone: http://localhost:11434)'
	@echo '  EMBED_API=$(EMBED_API)    ollama (POST /api/embed) or openai (POST /v1/embeddings: llama.cpp, vLLM, TEI, LM Studio, OpenAI)'
	@echo '  EMBED_MODEL=name    the model (with ollama: embeddinggemma unless set)'
	@echo '  EMBED_BATCH=16 EMBED_JOBS=2 EMBED_TIMEOUT=60s EMBED_RETRIES=5   texts a request, requests at once, wait for a reply, retries'
	@echo '  EMBED_API_KEY       a key, in the environment only (or OPENAI_API_KEY with EMBED_API=openai)'
