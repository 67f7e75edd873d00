package npm

import (
	"strings"
	"testing"
)

func TestValidation(t *testing.T) {
	for _, c := range []struct {
		check func(string) bool
		in    string
		want  bool
	}{
		{ValidName, "left-pad", true},
		{ValidName, "@acme/hello", true},
		{ValidName, "@my_group.sub/pkg+x_y.z", true},
		{ValidName, "@acme/", false},
		{ValidName, "@/hello", false},
		{ValidName, "@-acme/hello", false},
		{ValidName, "@acme.git/hello", false},
		{ValidName, "@acme/he llo", false},
		{ValidName, "@acme/a/b", false},
		{ValidName, "@acme/..", false},
		{ValidName, ".", false},
		{ValidName, "", false},
		{ValidName, strings.Repeat("a", 214), true},
		{ValidName, strings.Repeat("a", 215), false},
		{ValidVersion, "1.0.0", true},
		{ValidVersion, "0.0.0-rc.1+build.5", true},
		{ValidVersion, "1.0.0-alpha-1", true},
		{ValidVersion, "v1.0.0", false},
		{ValidVersion, "1.0", false},
		{ValidVersion, "01.0.0", false},
		{ValidVersion, "1.0.0-01", false},
		{ValidVersion, "1.0.0+", false},
		{ValidTag, "latest", true},
		{ValidTag, "next-2.x", true},
		{ValidTag, "1.0.0", false},
		{ValidTag, "v1.0.0", false},
		{ValidTag, "-x", false},
		{ValidTag, "a/b", false},
		{ValidTag, "", false},
	} {
		if got := c.check(c.in); got != c.want {
			t.Errorf("check(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if ScopeOf("@acme/hello") != "acme" || ScopeOf("hello") != "" {
		t.Error("ScopeOf")
	}
}
