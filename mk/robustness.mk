# make check-robustness: the fault tests of e2e/faults_test.go (broken and
# hostile inputs, kill -9 at random moments, a full disk, two makes at once)
# with more trials than make test gives them, then a table of what they tried
# and found. It fails when a test fails, when a page or file was lost or
# corrupted, or when a Go panic reached a user.
#
# ROBUSTNESS_TRIALS  kill -9 trials on the sample site (the packing trials are half as many)
# ROBUSTNESS_POEMS   size of the large collection of tiny poems (20,000: a 1.6 GB Gram matrix)
# ROBUSTNESS_SEED    seed of the kill moments (default: the clock; the table shows it)

ROBUSTNESS_TRIALS ?= 25
ROBUSTNESS_POEMS  ?= 20000

.PHONY: check-robustness

# Each test appends one line to the report when it ends:
#   TestName inputs=N faults=N checked=N lost=N panics=N failed=0|1 skipped=N took=S # notes
define robustness_table
BEGIN {
	split("TestBadInputsThroughMake TestKillNine TestDiskFull TestConcurrentMakes", tests, " ")
	label["TestBadInputsThroughMake"] = "bad inputs"
	label["TestKillNine"] = "kill -9"
	label["TestDiskFull"] = "disk full"
	label["TestConcurrentMakes"] = "two makes"
	split("inputs faults checked lost panics", keys, " ")
	row["inputs"] = "inputs tried"
	row["faults"] = "faults injected"
	row["checked"] = "pages and files checked"
	row["lost"] = "lost or corrupted (must be 0)"
	row["panics"] = "panics (must be 0)"
}
{
	name = $$1
	seen[name] = 1
	for (i = 2; i <= NF && $$i != "#"; i++) {
		eq = index($$i, "=")
		k = substr($$i, 1, eq - 1)
		val[name, k] += substr($$i, eq + 1)
		total[k] += substr($$i, eq + 1)
	}
	if ((at = index($$0, " # ")) > 0)
		notes = notes sprintf("- %s: %s\n", label[name] != "" ? label[name] : name, substr($$0, at + 3))
}
END {
	line = "|                               |"
	rule = "|-------------------------------|"
	for (t = 1; t <= 4; t++) {
		line = line sprintf(" %10s |", label[tests[t]])
		rule = rule "-----------:|"
	}
	print ""
	print line " total |"
	print rule "------:|"
	for (r = 1; r <= 5; r++) {
		k = keys[r]
		line = sprintf("| %-29s |", row[k])
		for (t = 1; t <= 4; t++)
			line = line (tests[t] in seen ? sprintf(" %10d |", val[tests[t], k]) : sprintf(" %10s |", "not run"))
		print line sprintf(" %5d |", total[k])
	}
	line = sprintf("| %-29s |", "time (s)")
	for (t = 1; t <= 4; t++)
		line = line sprintf(" %10.1f |", val[tests[t], "took"])
	print line sprintf(" %5.0f |", total["took"])
	print ""
	printf "%s", notes
	missing = 0
	for (t = 1; t <= 4; t++)
		if (!(tests[t] in seen))
			missing++
	if (total["skipped"] > 0)
		printf "skipped: %d (see the go test output)\n", total["skipped"]
	if (status != 0 || total["failed"] > 0 || total["lost"] > 0 || total["panics"] > 0 || missing > 0) {
		printf "check-robustness: FAILED (go test exit %d, %d tests failed, %d not run, %d lost or corrupted, %d panics)\n",
			status, total["failed"], missing, total["lost"], total["panics"]
		exit 1
	}
	print "check-robustness: ok"
}
endef

check-robustness: export ROBUSTNESS_TABLE = $(robustness_table)
check-robustness:
	@report=$$(mktemp "$${TMPDIR:-/tmp}/robustness.XXXXXX") || exit 1; \
	trap 'rm -f "$$report"' EXIT; \
	echo "go test ./e2e: the fault tests, ROBUSTNESS_TRIALS=$(ROBUSTNESS_TRIALS) ROBUSTNESS_POEMS=$(ROBUSTNESS_POEMS) (a few minutes)"; \
	ROBUSTNESS_TRIALS='$(ROBUSTNESS_TRIALS)' ROBUSTNESS_POEMS='$(ROBUSTNESS_POEMS)' ROBUSTNESS_REPORT="$$report" \
		$(GO) test -count=1 -timeout 30m -run '^(TestBadInputsThroughMake|TestKillNine|TestDiskFull|TestConcurrentMakes)$$' ./e2e; \
	awk -v status=$$? "$$ROBUSTNESS_TABLE" "$$report"
