package maven

import (
	"encoding/json"
	"testing"
)

func TestStripSnapshot(t *testing.T) {
	for in, want := range map[string]string{
		"hello-1.1.0-20261121.232502-1.jar":           "hello-1.1.0.jar",
		"hello-1.1.0-20261121.232502-12-sources.jar":  "hello-1.1.0-sources.jar",
		"hello-1.1.0-20261121.232502-1.pom":           "hello-1.1.0.pom",
		"hello-1.1.0-SNAPSHOT.jar":                    "hello-1.1.0-SNAPSHOT.jar",
		"maven-metadata.xml":                          "maven-metadata.xml",
		"a-20200101.000000-1-b-20261121.232502-2.jar": "a-20200101.000000-1-b.jar", // the last one, as GitLab's greedy regex
		"hello-1.1.0-2026112.232502-1.jar":            "hello-1.1.0-2026112.232502-1.jar",
	} {
		if got := stripSnapshot(in); got != want {
			t.Errorf("stripSnapshot(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCoordinates(t *testing.T) {
	for _, c := range []struct{ name, version, want string }{
		{"com/acme/hello", "1.0", `{"app_group":"com.acme","app_name":"hello","app_version":"1.0","path":"com/acme/hello/1.0"}`},
		{"com/acme/hello", "", `{"app_group":"com.acme","app_name":"hello","app_version":null,"path":"com/acme/hello"}`},
		{"org/x/y/z/lib", "2-SNAPSHOT", `{"app_group":"org.x.y.z","app_name":"lib","app_version":"2-SNAPSHOT","path":"org/x/y/z/lib/2-SNAPSHOT"}`},
	} {
		b, _ := json.Marshal(coordinates(c.name, c.version))
		if string(b) != c.want {
			t.Errorf("coordinates(%q, %q) = %s, want %s", c.name, c.version, b, c.want)
		}
	}
}
