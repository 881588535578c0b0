# make check-robustness: the fault tests of e2e/ (broken and hostile inputs,
# kill -9 at random moments, a full disk, two makes at once, the user's files,
# builds that must not hang, another local user) with more trials than make test gives them, then
# a table of what they tried and found, which the tests print themselves
# (e2e/tally_test.go). It fails when a test fails or does not run, when a
# case was skipped, when a page or file was lost or corrupted, when a Go panic
# reached a user, or when a build hung.
#
# ROBUSTNESS_TRIALS  kill -9 trials on the sample site (the packing trials are half as many)
# ROBUSTNESS_POEMS   size of the large collection of tiny poems (20,000: a 1.6 GB Gram matrix)
# ROBUSTNESS_SEED    seed of the kill moments (default: the clock; the table shows it)

ROBUSTNESS_TRIALS ?= 25
ROBUSTNESS_POEMS  ?= 20000
ROBUSTNESS_SEED   ?=

.PHONY: check-robustness

# go test in the package's folder, not go test ./e2e: that one shows only
# "ok" when the tests pass, not the table.
check-robustness:
	cd e2e && ROBUSTNESS_TABLE=1 ROBUSTNESS_TRIALS='$(ROBUSTNESS_TRIALS)' ROBUSTNESS_POEMS='$(ROBUSTNESS_POEMS)' ROBUSTNESS_SEED='$(ROBUSTNESS_SEED)' \
		$(GO) test -count=1 -timeout 30m -run '^(TestBadInputsThroughMake|TestKillNine|TestDiskFull|TestConcurrentMakes|TestUserFilesUntouched|TestHangs|TestAnotherLocalUser)$$'
