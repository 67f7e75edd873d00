package registry

import (
	"fmt"
	"strings"
	"testing"
)

func TestNPMValidation(t *testing.T) {
	for _, c := range []struct {
		check func(string) bool
		in    string
		want  bool
	}{
		{ValidNPMName, "left-pad", true},
		{ValidNPMName, "@acme/hello", true},
		{ValidNPMName, "@my_group.sub/pkg+x_y.z", true},
		{ValidNPMName, "@acme/", false},
		{ValidNPMName, "@/hello", false},
		{ValidNPMName, "@-acme/hello", false},
		{ValidNPMName, "@acme.git/hello", false},
		{ValidNPMName, "@acme/he llo", false},
		{ValidNPMName, "@acme/a/b", false},
		{ValidNPMName, "@acme/..", false},
		{ValidNPMName, ".", false},
		{ValidNPMName, "", false},
		{ValidNPMName, strings.Repeat("a", 214), true},
		{ValidNPMName, strings.Repeat("a", 215), false},
		{ValidNPMVersion, "1.0.0", true},
		{ValidNPMVersion, "0.0.0-rc.1+build.5", true},
		{ValidNPMVersion, "1.0.0-alpha-1", true},
		{ValidNPMVersion, "v1.0.0", false},
		{ValidNPMVersion, "1.0", false},
		{ValidNPMVersion, "01.0.0", false},
		{ValidNPMVersion, "1.0.0-01", false},
		{ValidNPMVersion, "1.0.0+", false},
		{ValidNPMTag, "latest", true},
		{ValidNPMTag, "next-2.x", true},
		{ValidNPMTag, "1.0.0", false},
		{ValidNPMTag, "v1.0.0", false},
		{ValidNPMTag, "-x", false},
		{ValidNPMTag, "a/b", false},
		{ValidNPMTag, "", false},
	} {
		if got := c.check(c.in); got != c.want {
			t.Errorf("check(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if NPMScopeOf("@acme/hello") != "acme" || NPMScopeOf("hello") != "" {
		t.Error("NPMScopeOf")
	}
}

func TestNPMCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewNPMCache(400)
	for i := range 4 {
		c.put(fmt.Sprint(i), make([]byte, 100))
	}
	if _, ok := c.get("0"); !ok { // 0 becomes the most recent
		t.Fatal("0 missing")
	}
	c.put("4", make([]byte, 100))
	if _, ok := c.get("1"); ok {
		t.Error("1 should have been evicted")
	}
	for _, k := range []string{"0", "2", "3", "4"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s missing", k)
		}
	}
	c.put("huge", make([]byte, 200)) // over a quarter of the budget: not kept
	if _, ok := c.get("huge"); ok {
		t.Error("a document over a quarter of the budget was cached")
	}
	var nilCache *NPMCache
	nilCache.put("x", nil)
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
