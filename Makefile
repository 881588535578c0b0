# pagegen: a static site of a poetry collection, ordered by meaning.
# `make help` lists the targets and variables; mk/ holds the parts.

include mk/config.mk
include mk/tools.mk
include mk/build.mk
include mk/deploy.mk
include mk/dev.mk
include mk/bench.mk
include mk/robustness.mk
include mk/embeddings.mk
