# pagegen: a static site of a poetry collection, ordered by meaning.
# `make help` lists the targets and variables; mk/ holds the parts.

POEMS            ?= data/poems.json
EMBEDDINGS       ?= data/embeddings.json
COLOR_EMBEDDINGS ?= data/color_embeddings.json
OUT              ?= pages
ALLOW_MISSING    ?=
CORPUS           ?= data/corpus.bin
BIN              ?= bin

# make sees every page up front; without its built-in rules it checks
# thousands of them in a blink.
MAKEFLAGS += --no-builtin-rules --no-builtin-variables
.SUFFIXES:
# A failed recipe leaves no target behind; pages are written atomically anyway.
.DELETE_ON_ERROR:
# Pages reached through a pattern (make similar/3.html) are kept, not deleted as intermediates.
.SECONDARY:

.DEFAULT_GOAL := all

include mk/tools.mk
include mk/corpus.mk
include mk/site.mk
include mk/dev.mk
