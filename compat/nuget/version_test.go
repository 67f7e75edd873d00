package nuget_test

import (
	"testing"

	"github.com/pkgreg/registry/compat/nuget"
)

func TestValidVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"1.0": true, "1.0.0": true, "1.0.0.17": true, "1.0.0-beta.1+sha.5": true, "1.0.0-alpha-1": true,
		"0.0.1": true, "1.0.0.": true, // GitLab's regex allows an empty fourth part
		"555": false, "1./2.3": false, "01.0.0": false, "../../1.2.3": false, "": false, "1.0.0-": false,
		"1.0.0+": false, "1.0.0-01": false,
	} {
		if got := nuget.ValidVersion(v); got != want {
			t.Errorf("ValidVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestValidName(t *testing.T) {
	for n, want := range map[string]bool{
		"Acme.Hello": true, "a-b_c+d": true, "x": true,
		"": false, "a/b": false, "a b": false, "a%2Fb": false, "ünï": false,
		".": false, "..": false, "...": true,
	} {
		if got := nuget.ValidName(n); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", n, got, want)
		}
	}
}

// NuGet's normalisation rules, with the examples of its documentation.
func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.0":              "1.0.0",
		"1.0.0":            "1.0.0",
		"1.00":             "1.0.0",
		"1.01.1":           "1.1.1",
		"01.2.03":          "1.2.3",
		"1.0.0.0":          "1.0.0",
		"1.0.0.1":          "1.0.0.1",
		"1.0.01.0":         "1.0.1",
		"1.0.0-Beta+Git.1": "1.0.0-beta",
		"1.0.0+build":      "1.0.0",
		"1.0-rc":           "1.0.0-rc",
		"1.0.0-beta.01":    "1.0.0-beta.1",
		"2.0.0-RC.2":       "2.0.0-rc.2",
	} {
		if got := nuget.NormalizeVersion(in); got != want {
			t.Errorf("NormalizeVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	// Each is lower than the next.
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "1.10.0.1", "2.0"}
	for i := 0; i+1 < len(order); i++ {
		a, b := order[i], order[i+1]
		if nuget.CompareVersions(a, b) >= 0 || nuget.CompareVersions(b, a) <= 0 {
			t.Errorf("%s should be lower than %s", a, b)
		}
	}
	for _, pair := range [][2]string{{"1.0", "1.0.0"}, {"1.0.0-BETA", "1.0.0-beta"}, {"1.0.0.0", "1.0.0"}} {
		if c := nuget.CompareVersions(pair[0], pair[1]); c != 0 {
			t.Errorf("CompareVersions(%s, %s) = %d, want 0", pair[0], pair[1], c)
		}
	}
}
