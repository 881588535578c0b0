# The packed corpus. corpus-pack runs on every build but rewrites the file only
# when the inputs, the settings or corpus-pack itself changed, so touching an
# input rebuilds no page.



.PHONY: corpus
corpus: $(CORPUS)
	@:

# Once per build: after make restarts to read a new page list, the corpus is done.
$(CORPUS): $(CORPUS_PACK) $(if $(MAKE_RESTARTS),,FORCE)
	@$(CORPUS_PACK) --poems $(call q,$(POEMS)) --embeddings $(call q,$(EMBEDDINGS)) --colors $(call q,$(COLOR_EMBEDDINGS)) \
		$(if $(filter 1 yes true,$(ALLOW_MISSING)),--allow-missing) -o $(call q,$@)

# The site's files, laid out for the corpus and the settings (rewritten only
# when they change, so make restarts only then), and the site's stamp, which
# every page depends on: written here, while make remakes its makefiles and
# before it reads the time of any page.
$(PAGES_MK): $(CORPUS) $(PAGEGEN) $(if $(MAKE_RESTARTS),,FORCE)
	@$(PAGEGEN) --corpus $(call q,$(CORPUS)) makefile $(SITE_FLAGS) --site $(call q,$(OUT)) -o $(call q,$@) -- $(MAKECMDGOALS)
