# The packed corpus. corpus-pack runs on every build but rewrites the file only
# when the inputs, the settings or corpus-pack itself changed, so touching an
# input (or switching back to the same settings) rebuilds no page.

PAGES_MK := $(dir $(CORPUS))pages.mk

.PHONY: corpus FORCE
corpus: $(CORPUS)

$(CORPUS): $(CORPUS_PACK) FORCE
	@$(CORPUS_PACK) --poems '$(POEMS)' --embeddings '$(EMBEDDINGS)' --colors '$(COLOR_EMBEDDINGS)' \
		$(if $(filter-out 0,$(ALLOW_MISSING)),--allow-missing) -o '$@'

# The list of poem numbers, for the page targets.
$(PAGES_MK): $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus '$(CORPUS)' makefile -o '$@'
