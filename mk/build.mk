# The build goals all run through one `pagegen build`: it takes the build's
# locks, runs the inner make (mk/site.mk) with the same -j and flags, shows
# live progress and a summary, and stops cleanly on Ctrl+C.

BUILD_GOALS := all similar different chronological index corpus size
SUPERVISED  := $(filter $(BUILD_GOALS) similar/%.html different/%.html chronological.html chronological-%.html,$(or $(MAKECMDGOALS),all))

.PHONY: $(BUILD_GOALS) supervise
$(BUILD_GOALS): supervise ;
similar/%.html different/%.html chronological-%.html: supervise ;
chronological.html: supervise ;

# The site's folder must not be, or hold, one the build reads or keeps files in.
KEEP_FLAGS := --keep . $(foreach f,$(POEMS) $(EMBEDDINGS) $(COLOR_EMBEDDINGS) $(CORPUS),--keep $(call q,$(dir $(f))))

# Only make -n reaches the recipe with no pagegen (the programs shown, not built).
supervise: $(CORPUS_PACK) $(PAGEGEN)
	+@$(if $(wildcard $(PAGEGEN)),,echo 'make -n: the programs would be built, then the corpus packed and the pages built' && exit 0;) \
	$(PAGEGEN) --corpus $(call q,$(CORPUS)) build $(SITE_FLAGS) --out $(call q,$(OUT)) $(KEEP_FLAGS) --make $(call q,$(MAKE)) -- $(SUPERVISED)
