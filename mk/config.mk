# Settings shared by the outer Makefile and the inner mk/site.mk.

POEMS            ?= data/poems.json
EMBEDDINGS       ?= data/embeddings.json
COLOR_EMBEDDINGS ?= data/color_embeddings.json
OUT              ?= pages
ALLOW_MISSING    ?=
CORPUS           ?= data/corpus.bin
BIN              ?= bin
# A $ or a new line in a path is taken apart as soon as make expands it:
# look at the values as given, before anything expands them.
define newline


endef
PATH_VARS := OUT CORPUS BIN POEMS EMBEDDINGS COLOR_EMBEDDINGS
$(foreach v,$(PATH_VARS),$(if $(findstring $$,$(value $(v))),$(error $(v)="$(value $(v))" has a "$$", which make takes for a variable: choose a path without one (a symlink to the real place works))))
$(foreach v,$(PATH_VARS),$(if $(findstring $(newline),$(value $(v))),$(error $(v) has a new line in it: choose a path without one)))
PAGES_MK         := $(dir $(CORPUS))pages.mk
CORPUS_PACK      := $(BIN)/corpus-pack
PAGEGEN          := $(BIN)/pagegen
# The site's shape (README, Fitting a host): chapters of PER_PAGE entries, the
# first CHAPTERS of each ordering kept, within a host's budget.
PER_PAGE         ?=
CHAPTERS         ?=
HOST             ?=
QUOTA            ?=
MAX_FILES        ?=
MAX_FILE_SIZE    ?=
# Each value follows its flag's =: a value that begins with a dash
# (PER_PAGE=-5, HOST=--help) is then the value, refused as such by pagegen,
# not another flag.
SITE_FLAGS        = --per-page=$(call q,$(PER_PAGE)) --chapters=$(call q,$(CHAPTERS)) --host=$(call q,$(HOST)) \
	--quota=$(call q,$(QUOTA)) --max-files=$(call q,$(MAX_FILES)) --max-file-size=$(call q,$(MAX_FILE_SIZE))
# SPACE_CHECK=0 builds even when the pages will not fit on the disk.
SPACE_CHECK      ?= 1

# make sees every page up front; without its built-in rules it checks
# thousands of them in a blink.
MAKEFLAGS += --no-builtin-rules --no-builtin-variables
.SUFFIXES:
# A failed recipe leaves no target behind; pages are written atomically anyway.
.DELETE_ON_ERROR:
# Pages reached through a pattern (make similar/3.html) are kept, not deleted as intermediates.
.SECONDARY:

.DEFAULT_GOAL := all

# q quotes a value for the shell, whatever it holds (anna's poems/poems.json).
q = '$(subst ','\'',$1)'

.PHONY: FORCE
FORCE:

# One pagegen writes all the chapters of an ordering: grouped targets (&:).
ifeq ($(filter grouped-target,$(.FEATURES)),)
$(error pagegen needs GNU make 4.3 or later, which has grouped targets; this is make $(MAKE_VERSION))
endif

# make cannot name files with spaces: say so before it fails in stranger ways.
$(foreach v,OUT CORPUS BIN,$(if $($(v)),,$(error $(v) is empty: give it a path, or leave it out for the default)))
$(foreach v,OUT CORPUS BIN,$(if $(filter-out 1,$(words $($(v)))),$(error $(v)="$($(v))" has a space, and make cannot build file names with spaces: choose a path without one (a symlink to the real place works))))
# Nor with its own special characters, which would make other files of them.
hash := \#
MAKE_SPECIALS := % : ; $(hash) * ? [ ] |
$(foreach v,OUT CORPUS BIN,$(foreach c,$(MAKE_SPECIALS),$(if $(findstring $c,$($(v))),$(error $(v)="$($(v))" has a "$c", which make takes for something else than a file name: choose a path without one (a symlink to the real place works)))))
