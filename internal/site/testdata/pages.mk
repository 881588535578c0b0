# The files of the site, from the packed corpus and the settings; made by pagegen: do not edit.
SITE_STAMP := $(OUT)/.pagegen-site
SIMILAR_FILES := $(OUT)/similar/2.html $(OUT)/similar/5.html $(OUT)/similar/8.html
DIFFERENT_FILES := $(OUT)/different/2.html $(OUT)/different/5.html $(OUT)/different/8.html
CHRONO_FILES := $(OUT)/chronological.html $(OUT)/chronological-2.html
INDEX_FILES := $(OUT)/index.html
$(OUT)/similar/2.html &: $(PAGE_DEPS) ; $(call write_seq,similar,2,)
$(OUT)/similar/5.html &: $(PAGE_DEPS) ; $(call write_seq,similar,5,)
$(OUT)/similar/8.html &: $(PAGE_DEPS) ; $(call write_seq,similar,8,)
$(OUT)/different/2.html &: $(PAGE_DEPS) ; $(call write_seq,different,2,)
$(OUT)/different/5.html &: $(PAGE_DEPS) ; $(call write_seq,different,5,2)
$(OUT)/different/8.html &: $(PAGE_DEPS) ; $(call write_seq,different,8,)
$(OUT)/chronological.html $(OUT)/chronological-2.html &: $(PAGE_DEPS) ; $(call write_seq,chronological,0,)
$(OUT)/index.html &: $(PAGE_DEPS) ; $(call write_seq,index,0,)
