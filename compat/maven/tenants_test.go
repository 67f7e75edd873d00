package maven_test

import (
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestInstanceLevelNeverShadowsAnotherTenant: any user published Maven coordinates
// another tenant used, and /api/v4/packages/maven then served the newcomer's jar and
// merged its versions into maven-metadata.xml (dependency confusion). A name now
// belongs to one root namespace: the one its groupId names, else the first to
// publish it.
func TestInstanceLevelNeverShadowsAnotherTenant(t *testing.T) {
	e := compattest.New(t)
	for _, g := range []string{"victim", "attacker", "first", "second"} {
		e.Group(g, "public")
		e.Project(g+"/lib", "public", "")
	}
	e.Group("victim/sub", "public")
	e.Project("victim/sub/tools", "public", "")
	tok := []string{"Private-Token", e.RootToken}
	deploy := func(project, path, body string) {
		t.Helper()
		url := "/api/v4/projects/" + strings.ReplaceAll(project, "/", "%2F") + "/packages/maven/" + path
		if res := e.Do("PUT", url, strings.NewReader(body), tok...); res.Status != 200 {
			t.Fatalf("PUT %s: %d %s", url, res.Status, res.Body)
		}
	}
	get := func(path string, headers ...string) (int, string) {
		res := e.Do("GET", "/api/v4/packages/maven/"+path, nil, headers...)
		return res.Status, string(res.Body)
	}
	// The victim publishes com.victim:core, in two of its projects; an attacker
	// later publishes the same coordinates, with a higher version, in its own tenant.
	deploy("victim/lib", "com/victim/core/1.0.0/core-1.0.0.jar", "victim 1.0.0")
	deploy("victim/sub/tools", "com/victim/core/1.1.0/core-1.1.0.jar", "victim 1.1.0")
	deploy("attacker/lib", "com/victim/core/1.0.0/core-1.0.0.jar", "attacker 1.0.0")
	deploy("attacker/lib", "com/victim/core/9.9.9/core-9.9.9.jar", "attacker 9.9.9")
	for _, who := range [][]string{tok, nil} { // the administrator reads everything; anonymous, the public
		if st, body := get("com/victim/core/1.0.0/core-1.0.0.jar", who...); st != 200 || body != "victim 1.0.0" {
			t.Errorf("1.0.0 resolves to %d %q", st, body)
		}
		if st, _ := get("com/victim/core/9.9.9/core-9.9.9.jar", who...); st == 200 {
			t.Error("the attacker's version is served")
		}
		st, meta := get("com/victim/core/maven-metadata.xml", who...)
		if st != 200 || strings.Contains(meta, "9.9.9") || !strings.Contains(meta, "<version>1.1.0</version>") ||
			!strings.Contains(meta, "<release>1.1.0</release>") {
			t.Errorf("metadata merges another tenant: %d %s", st, meta)
		}
	}
	// The attacker's own project still serves what it published there.
	if res := e.Do("GET", "/api/v4/projects/attacker%2Flib/packages/maven/com/victim/core/9.9.9/core-9.9.9.jar", nil); res.Status != 200 {
		t.Errorf("project level: %d", res.Status)
	}

	// No groupId segment names a tenant: the first publication owns the name, and a
	// later tenant's upload does not take it over.
	deploy("first/lib", "org/shared/util/1.0.0/util-1.0.0.jar", "first 1.0.0")
	deploy("second/lib", "org/shared/util/2.0.0/util-2.0.0.jar", "second 2.0.0")
	if st, _ := get("org/shared/util/2.0.0/util-2.0.0.jar"); st == 200 {
		t.Error("a later tenant's upload took over the name")
	}
	if st, body := get("org/shared/util/1.0.0/util-1.0.0.jar"); st != 200 || body != "first 1.0.0" {
		t.Errorf("first owner: %d %q", st, body)
	}
	// Group level never leaves its root namespace.
	res := e.Do("GET", "/api/v4/groups/victim/-/packages/maven/com/victim/core/maven-metadata.xml", nil)
	if res.Status != 200 || strings.Contains(string(res.Body), "9.9.9") {
		t.Errorf("group level: %d %s", res.Status, res.Body)
	}
}
