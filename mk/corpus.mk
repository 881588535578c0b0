# The packed corpus. corpus-pack runs on every build but rewrites the file only
# when the inputs, the settings or corpus-pack itself changed, so touching an
# input (or switching back to the same settings) rebuilds no page.



.PHONY: corpus FORCE
corpus: $(CORPUS)

# Once per build: after make restarts to read a new page list, the corpus is done.
$(CORPUS): $(CORPUS_PACK) $(if $(MAKE_RESTARTS),,FORCE)
	@$(CORPUS_PACK) --poems '$(POEMS)' --embeddings '$(EMBEDDINGS)' --colors '$(COLOR_EMBEDDINGS)' \
		$(if $(filter-out 0,$(ALLOW_MISSING)),--allow-missing) -o '$@'

# The list of poem numbers, for the page targets.
$(PAGES_MK): $(CORPUS) $(PAGEGEN)
	@$(PAGEGEN) --corpus '$(CORPUS)' makefile -o '$@'
