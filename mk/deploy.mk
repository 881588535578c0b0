# make deploy: the site brought up to date as by make all (the same pagegen
# build), then published to Neocities through its API by bin/deploy
# (cmd/deploy, internal/deploy: a program apart, so that the page processes
# do not load an HTTP client): only the files whose SHA-1 differs from the live
# site's, many in a request, new pages before the pages that link to them,
# and only then the site's own pages that it no longer has removed. The
# hashes of the site's files are kept beside the corpus (.deploy-sha1), so
# that a deploy reads only the files changed since the last.
#
# The key comes from NEOCITIES_API_KEY in the environment, or the official
# neocities CLI's config file; never from a command line, where every user
# of the machine can read it. Nothing here names it: make echoes recipes.
#
# NEOCITIES_URL  the API's base
# DEPLOY_DIR     the folder of the Neocities site the site goes to (empty: its root)
# DRY_RUN=1      show the plan; send and remove nothing

NEOCITIES_URL ?= https://neocities.org
DEPLOY_DIR    ?=
DRY_RUN       ?=
DEPLOY        := $(BIN)/deploy

.PHONY: deploy
# The whole site is built first, whatever other goals are given.
ifneq ($(filter deploy,$(MAKECMDGOALS)),)
SUPERVISED := $(sort all $(SUPERVISED))
endif

# Not run by make -n (no +): it would publish.
deploy: supervise $(DEPLOY)
	@$(DEPLOY) --corpus $(call q,$(CORPUS)) $(SITE_FLAGS) --out $(call q,$(OUT)) \
		--url $(call q,$(NEOCITIES_URL)) --dir $(call q,$(DEPLOY_DIR)) $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run)

$(DEPLOY): $(BIN)/.deploy.stamp ;
$(BIN)/.deploy.stamp: $(filter-out %_test.go,$(wildcard cmd/deploy/*.go))
$(eval $(call tool_rule,deploy))
