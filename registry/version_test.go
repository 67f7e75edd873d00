package registry

import (
	"sort"
	"testing"
)

func TestVersionSortKey(t *testing.T) {
	ordered := []string{
		"0.0.1", "0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", "1.0.1", "1.2.0", "1.9.0", "1.10.0", "1.10.1", "2.0.0", "10.0.0", "100.0.0",
	}
	for i := 1; i < len(ordered); i++ {
		a, b := VersionSortKey(ordered[i-1]), VersionSortKey(ordered[i])
		if a >= b {
			t.Errorf("%s (%q) should sort before %s (%q)", ordered[i-1], a, ordered[i], b)
		}
	}
	shuffled := []string{"1.10.0", "1.9.0", "1.0.0-rc.1", "1.0.0", "10.0.0"}
	sort.Slice(shuffled, func(i, j int) bool { return VersionSortKey(shuffled[i]) < VersionSortKey(shuffled[j]) })
	if got := shuffled; got[0] != "1.0.0-rc.1" || got[4] != "10.0.0" || got[2] != "1.9.0" {
		t.Errorf("sorted: %v", got)
	}
	if VersionSortKey("1.0.0+build.5") != VersionSortKey("1.0.0") {
		t.Error("build metadata must not affect order")
	}
	if VersionSortKey("01.2") != VersionSortKey("1.2") {
		t.Error("leading zeros must not affect order")
	}
}
