# The inner makefile, run by `pagegen build` (see mk/build.mk) once the
# corpus is packed and the site laid out: one pagegen process per sequence of
# pages (an ordering and its chapters, the chronology, the index), so make
# -jN writes N at once, skips what is up to date and resumes where an
# interrupted build stopped.

include mk/config.mk

# Every page depends on the site's stamp alone: what the pages are made of
# (the corpus's contents, the settings, the page format), not the programs.
PAGE_DEPS = $(SITE_STAMP)
write_seq = @$(PAGEGEN) --corpus=$(call q,$(CORPUS)) $1 $(filter-out 0,$2) --out=$(call q,$(OUT))$(if $3, --write='$3')

# The site's files and their rules, written by pagegen build for this build.
include $(PAGES_MK)

# A page is renamed into place whole or not at all, so make must not delete
# one on Ctrl+C: it may have been finished, and counted as built, just then.
.PRECIOUS: $(SIMILAR_FILES) $(DIFFERENT_FILES) $(CHRONO_FILES) $(INDEX_FILES)

# pagegen build lists only the stale files of the goals: the inner make
# builds them all, and reads no goal of its own.
.PHONY: all
all: $(SIMILAR_FILES) $(DIFFERENT_FILES) $(CHRONO_FILES) $(INDEX_FILES)
