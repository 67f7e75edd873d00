package npm_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestTarballDownloadsAreCounted: npm install fetches the tarball; each fetch from
// the project, group and instance endpoints counts once, a HEAD does not, and
// reading the package document (metadata) is no download.
func TestTarballDownloadsAreCounted(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	p := protocol{e, t}
	root := []string{"Authorization", "Bearer " + e.RootToken}
	projectEP := fmt.Sprintf("/api/v4/projects/%d/packages/npm", proj.ID)
	p.expect(p.do("PUT", projectEP+"/@acme%2fhello", publishDoc("@acme/hello", "1.0.0", []byte("tarball bytes"), nil), root...), http.StatusOK, `"ok":true`)
	p.do("GET", projectEP+"/@acme%2fhello", nil, root...)
	for _, ep := range []string{projectEP, projectEP, "/api/v4/groups/acme/-/packages/npm", "/api/v4/packages/npm"} {
		if res := p.do("GET", ep+"/@acme/hello/-/@acme/hello-1.0.0.tgz", nil, root...); res.Status != http.StatusOK {
			t.Fatalf("GET tarball from %s: %d", ep, res.Status)
		}
	}
	if res := p.do("HEAD", projectEP+"/@acme/hello/-/@acme/hello-1.0.0.tgz", nil, root...); res.Status != http.StatusOK {
		t.Fatalf("HEAD tarball: %d", res.Status)
	}
	e.FlushDownloads()
	got := e.Downloads("acme/tools")
	if len(got) != 1 || got[0].DownloadsCount != 4 || got[0].LastDownloadedAt == nil ||
		got[0].FileDownloads()["@acme/hello-1.0.0.tgz"] != 4 {
		t.Fatalf("downloads: %+v", got)
	}
}
