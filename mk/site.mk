# The inner makefile, run by `pagegen build` (see mk/build.mk): the packed
# corpus and one pagegen process per sequence of pages (an ordering and its
# chapters, the chronology, the index), so make -jN writes N at once, skips
# what is up to date and resumes where an interrupted build stopped.

include mk/config.mk
include mk/tools.mk
include mk/corpus.mk

# Every page depends on the site's stamp alone: what the pages are made of
# (the corpus's contents, the settings, the page format), not the programs.
PAGE_DEPS = $(SITE_STAMP) | space-check
write_seq = @$(PAGEGEN) --corpus $(call q,$(CORPUS)) $1 $(filter-out 0,$2) --out $(call q,$(OUT)) $(SITE_SETTINGS)

# The site's files and their rules, laid out by pagegen from the packed corpus
# and the settings. Not -include: a page list that cannot be written (a full
# disk, a killed pagegen, a budget nothing fits) must stop the build. make
# size lays the site out itself, to show a plan that does not fit too.
ifneq ($(MAKECMDGOALS),size)
include $(PAGES_MK)
endif

# A page is renamed into place whole or not at all, so make must not delete
# one on Ctrl+C: it may have been finished, and counted as built, just then.
.PRECIOUS: $(SIMILAR_FILES) $(DIFFERENT_FILES) $(CHRONO_FILES) $(INDEX_FILES)

.PHONY: all similar different chronological index size space-check
all: similar different chronological index
similar: $(SIMILAR_FILES)
different: $(DIFFERENT_FILES)
chronological: $(CHRONO_FILES)
index: $(INDEX_FILES)

# make similar/123.html builds $(OUT)/similar/123.html (and its chapters).
similar/%.html: $(OUT)/similar/%.html ;
different/%.html: $(OUT)/different/%.html ;

# Before any page is written: will the pages to build fit on the disk? (The
# site as laid out for its budget, with the chapters chosen.)
space-check: $(CORPUS) $(PAGEGEN)
ifneq ($(SPACE_CHECK),0)
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) size --check $(SITE_SETTINGS) --out $(call q,$(OUT)) -- $(MAKECMDGOALS)
endif

size: $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) size $(SITE_FLAGS) --out $(call q,$(OUT)) -- $(filter-out size,$(or $(MAKECMDGOALS),all))
