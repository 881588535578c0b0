# The build goals all run through one `pagegen build`: it takes the build's
# locks, packs the corpus if an input changed, lays out the site once, and
# runs the inner make (mk/site.mk) with the same -j and flags for the stale
# pages, showing live progress and a summary; it stops cleanly on Ctrl+C.

# make -t would touch the programs and take pages for built without writing
# them: refused before make touches anything (make -n -t shows the plan).
letters := $(firstword -$(MAKEFLAGS))
ifneq ($(findstring t,$(letters)),)
ifeq ($(findstring n,$(letters)),)
$(error make -t would take files for made without making them (the programs, then the pages), and the build does not do that: run make to build them (make -n says how many it would))
endif
endif

BUILD_GOALS := all similar different chronological index corpus size
PAGE_GOALS  := similar/%.html different/%.html chronological.html chronological-%.html
# A page may also be named as the file it is (make pages/similar/13.html):
# the same goal as similar/13.html, given to the build without OUT.
OUT_GOALS   := $(filter $(addprefix $(OUT)/,$(PAGE_GOALS) index.html),$(MAKECMDGOALS))
SUPERVISED  := $(strip $(filter $(BUILD_GOALS) $(PAGE_GOALS),$(or $(MAKECMDGOALS),all)) \
	$(patsubst index.html,index,$(OUT_GOALS:$(OUT)/%=%)))

# Each goal's recipe is the no-op @: (make runs nothing for it), so that make
# does not add "Nothing to be done for 'index'" once supervise has built it.
.PHONY: $(BUILD_GOALS) supervise
$(BUILD_GOALS): supervise ; @:
similar/%.html different/%.html chronological-%.html: supervise ; @:
chronological.html: supervise ; @:
ifneq ($(OUT_GOALS),)
$(OUT_GOALS): supervise ; @:
endif

# --keep .: the site's folder must not be, or hold, the repository (nor, as
# pagegen knows, the inputs' or the corpus's folder).
BUILD_CMD = $(PAGEGEN) --corpus=$(call q,$(CORPUS)) build $(SITE_FLAGS) --out=$(call q,$(OUT)) --keep . \
	--poems=$(call q,$(POEMS)) --embeddings=$(call q,$(EMBEDDINGS)) --colors=$(call q,$(COLOR_EMBEDDINGS)) \
	$(if $(filter 1 yes true,$(ALLOW_MISSING)),--allow-missing) $(if $(filter 0,$(SPACE_CHECK)),--no-space-check) \
	--corpus-pack=$(call q,$(CORPUS_PACK)) --pagegen=$(call q,$(PAGEGEN)) --pages-mk=$(call q,$(PAGES_MK)) --make=$(call q,$(MAKE)) -- $(SUPERVISED)

# Only make -n reaches the recipe with no pagegen (the programs shown, not built).
supervise: $(CORPUS_PACK) $(PAGEGEN)
	+@$(if $(wildcard $(PAGEGEN)),$(BUILD_CMD),echo 'make -n: the programs would be built, then the corpus packed and the pages built')
