# The site: one pagegen process per page, so make -jN builds N at once, skips
# what is up to date and resumes where an interrupted build stopped.

# Goals that need no corpus do not build one to read the page list.
NO_PAGES_GOALS := help clean clean-similar clean-different test bench tools fmt vet
ifneq ($(filter-out $(NO_PAGES_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(PAGES_MK)
endif

SIMILAR_PAGES   := $(POEM_NUMBERS:%=$(OUT)/similar/%.html)
DIFFERENT_PAGES := $(POEM_NUMBERS:%=$(OUT)/different/%.html)
INDEX           := $(OUT)/index.html

.PHONY: all similar different index
all: similar different index
similar: $(SIMILAR_PAGES)
different: $(DIFFERENT_PAGES)
index: $(INDEX)

$(OUT)/similar/%.html: $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus '$(CORPUS)' similar $* -o '$@'

$(OUT)/different/%.html: $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus '$(CORPUS)' different $* -o '$@'

$(INDEX): $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus '$(CORPUS)' index -o '$@'

# make similar/123.html builds $(OUT)/similar/123.html.
similar/%.html: $(OUT)/similar/%.html ;
different/%.html: $(OUT)/different/%.html ;
