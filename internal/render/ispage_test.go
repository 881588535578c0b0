package render

import (
	"strings"
	"testing"
)

// TestIsPage: every page's head is a page's; a poet's file named like a
// page is not, even in HTML 4.01 with the same first lines.
func TestIsPage(t *testing.T) {
	part := Part{Chaptered: true, Number: 2, First: 101, Links: Links{Index: "../index.html", Prev: "3.html", Next: "3-3.html"}}
	long := strings.Repeat("&lt;label&gt;", 3000) // a long escaped label
	heads := map[string][]byte{}
	heads["similar"], _ = OrderingFrame(Similar, 3, []byte("notes/7"), part, 100)
	heads["different, a long label"], _ = OrderingFrame(Different, 3, []byte(long), part, 100)
	heads["chronological"], _ = ChronoFrame(part, 100)
	heads["index"], _ = IndexFrame(206, "chronological.html")
	for name, head := range heads {
		if !IsPage(head) {
			t.Errorf("the %s page's head is not a page's:\n%.300s", name, head)
		}
	}
	mine := doctype + "<html>\n<head>\n" + `<meta http-equiv="Content-Type" content="text/html; charset=utf-8">` + "\n<title>My page</title>\n</head>\n<body>\n"
	for name, head := range map[string]string{
		"empty":                        "",
		"the poet's page":              "<html><body>my poem</body></html>\n",
		"the poet's page in HTML 4.01": mine,
		"cut short":                    string(heads["similar"][:len(pageStart)+3]),
		"a title with markup":          pageStart + "<script>x</script>" + titleEnd,
		"a title far too long":         pageStart + strings.Repeat("x", MaxTitle+1) + titleEnd,
	} {
		if IsPage([]byte(head)) {
			t.Errorf("%s is taken for a page", name)
		}
	}
}
