# The inner makefile, run by `pagegen build` (see mk/build.mk): the packed
# corpus and one pagegen process per page, so make -jN builds N pages at once,
# skips what is up to date and resumes where an interrupted build stopped.

include mk/config.mk
include mk/tools.mk
include mk/corpus.mk

# The page list, made from the packed corpus. Not -include: a page list that
# cannot be written (a full disk, a killed pagegen) must stop the build, not
# leave make with no pages to build and a success to report.
include $(PAGES_MK)

SIMILAR_PAGES   := $(POEM_NUMBERS:%=$(OUT)/similar/%.html)
DIFFERENT_PAGES := $(POEM_NUMBERS:%=$(OUT)/different/%.html)
INDEX           := $(OUT)/index.html

.PHONY: all similar different index size space-check
all: similar different index
similar: $(SIMILAR_PAGES)
different: $(DIFFERENT_PAGES)
index: $(INDEX)

$(OUT)/similar/%.html: $(CORPUS) $(PAGEGEN) $(SITE_STAMP) | space-check
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) similar $* -o $(call q,$@)

$(OUT)/different/%.html: $(CORPUS) $(PAGEGEN) $(SITE_STAMP) | space-check
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) different $* -o $(call q,$@)

$(INDEX): $(CORPUS) $(PAGEGEN) $(SITE_STAMP) | space-check
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) index -o $(call q,$@)

# Checked on every build, rewritten only when another corpus builds this site.
$(SITE_STAMP): $(CORPUS) $(PAGEGEN) FORCE
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) stamp -o $(call q,$@)

# make similar/123.html builds $(OUT)/similar/123.html.
similar/%.html: $(OUT)/similar/%.html ;
different/%.html: $(OUT)/different/%.html ;

# Before any page is written: will the pages to build fit on the disk?
space-check: $(CORPUS) $(PAGEGEN)
ifneq ($(SPACE_CHECK),0)
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) size --check --out $(call q,$(OUT)) -- $(MAKECMDGOALS)
endif

size: $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) size --out $(call q,$(OUT)) -- $(filter-out size,$(or $(MAKECMDGOALS),all))
