package registry

import (
	"fmt"
	"testing"
)

func TestDocumentCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewDocumentCache(400)
	for i := range 4 {
		c.put(fmt.Sprint(i), rendered{body: make([]byte, 100)})
	}
	if _, ok := c.get("0"); !ok { // 0 becomes the most recent
		t.Fatal("0 missing")
	}
	c.put("4", rendered{body: make([]byte, 60), gzip: make([]byte, 40)})
	if _, ok := c.get("1"); ok {
		t.Error("1 should have been evicted")
	}
	for _, k := range []string{"0", "2", "3", "4"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s missing", k)
		}
	}
	c.put("huge", rendered{body: make([]byte, 101)}) // over a quarter of the budget: not kept
	if _, ok := c.get("huge"); ok {
		t.Error("a document over a quarter of the budget was cached")
	}
	var nilCache *DocumentCache
	nilCache.put("x", rendered{})
	if _, ok := nilCache.get("x"); ok {
		t.Error("nil cache")
	}
}

func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true}, {`W/"abc"`, true}, {`"x", "abc"`, true}, {`*`, true}, {`"abcd"`, false}, {``, false},
	} {
		if got := etagMatches(c.header, `"abc"`); got != c.want {
			t.Errorf("etagMatches(%q) = %v", c.header, got)
		}
	}
}
