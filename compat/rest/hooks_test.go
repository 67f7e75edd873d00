package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

type hookJSON struct {
	ID                     int    `json:"id"`
	URL                    string `json:"url"`
	ProjectID              *int   `json:"project_id"`
	GroupID                *int   `json:"group_id"`
	PackagePublishedEvents bool   `json:"package_published_events"`
	PackageDeletedEvents   bool   `json:"package_deleted_events"`
	Enabled                bool   `json:"enabled"`
	TokenSet               bool   `json:"token_set"`
	Token                  string `json:"token"`
}

// TestHooksAPI: the hooks API's parameters and answers, and the URLs it refuses.
func TestHooksAPI(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	app := e.Project("acme/app", "private", "")
	e.Project("acme/other", "private", "")
	root := []string{"Private-Token", e.RootToken}
	do := func(method, path string, params url.Values, want int) hookJSON {
		t.Helper()
		res := e.Do(method, path+"?"+params.Encode(), nil, root...)
		if res.Status != want {
			t.Fatalf("%s %s?%s: %d %s, want %d", method, path, params.Encode(), res.Status, res.Body, want)
		}
		var h hookJSON
		if want < 300 && want != http.StatusNoContent {
			if err := json.Unmarshal(res.Body, &h); err != nil {
				t.Fatalf("%s: %v", res.Body, err)
			}
		}
		return h
	}
	hooks := fmt.Sprintf("/api/v4/projects/%d/hooks", app.ID)

	for _, c := range []struct {
		url  string
		want int
	}{
		{"ftp://hooks.example.com/x", http.StatusBadRequest},
		{"hooks.example.com/x", http.StatusBadRequest},
		{"http:///x", http.StatusBadRequest},
		{"http://127.0.0.1:9/x", http.StatusBadRequest}, // local targets are off by default
		{"http://localhost/x", http.StatusBadRequest},
		{"http://[::1]/x", http.StatusBadRequest},
		{"http://10.1.2.3/x", http.StatusBadRequest},
		{"http://169.254.169.254/latest/meta-data", http.StatusBadRequest},
		{"https://hooks.example.com/x", http.StatusCreated},
	} {
		t.Run(c.url, func(t *testing.T) { do("POST", hooks, url.Values{"url": {c.url}}, c.want) })
	}
	do("POST", hooks, url.Values{}, http.StatusBadRequest) // url not given

	h := do("POST", hooks, url.Values{"url": {"https://hooks.example.com/a"}, "token": {"t0ps3cret"}, "package_deleted_events": {"false"}}, http.StatusCreated)
	if !h.PackagePublishedEvents || h.PackageDeletedEvents || !h.Enabled || !h.TokenSet || h.Token != "" ||
		h.ProjectID == nil || *h.ProjectID != app.ID || h.GroupID != nil {
		t.Errorf("created: %+v", h)
	}
	one := fmt.Sprintf("%s/%d", hooks, h.ID)
	h = do("PUT", one, url.Values{"url": {"https://hooks.example.com/b"}, "package_events": {"false"}, "enabled": {"false"}}, http.StatusOK)
	if h.URL != "https://hooks.example.com/b" || h.PackagePublishedEvents || h.PackageDeletedEvents || h.Enabled || !h.TokenSet {
		t.Errorf("changed: %+v", h)
	}
	h = do("PUT", one, url.Values{"package_deleted_events": {"true"}, "token": {""}}, http.StatusOK)
	if h.PackagePublishedEvents || !h.PackageDeletedEvents || h.TokenSet {
		t.Errorf("changed again: %+v", h)
	}
	do("PUT", one, url.Values{"enabled": {"maybe"}}, http.StatusBadRequest)
	do("PUT", one, url.Values{"url": {"gopher://x"}}, http.StatusBadRequest)
	// A hook is reached only through its own project.
	do("GET", fmt.Sprintf("/api/v4/projects/acme%%2Fother/hooks/%d", h.ID), nil, http.StatusNotFound)
	do("GET", fmt.Sprintf("/api/v4/groups/acme/hooks/%d", h.ID), nil, http.StatusNotFound)
	do("DELETE", one, nil, http.StatusNoContent)
	do("GET", one, nil, http.StatusNotFound)
	do("DELETE", one, nil, http.StatusNotFound)

	// A JSON body works as the parameters do.
	res := e.Do("POST", "/api/v4/groups/acme/hooks", strings.NewReader(`{"url":"https://hooks.example.com/g","package_published_events":false,"token":null}`),
		append(root, "Content-Type", "application/json")...)
	if err := json.Unmarshal(res.Body, &h); res.Status != http.StatusCreated || err != nil || h.GroupID == nil || h.PackagePublishedEvents || !h.PackageDeletedEvents || h.TokenSet {
		t.Errorf("group hook from JSON: %d %s", res.Status, res.Body)
	}

	// Turned on, the setting lets hooks target local addresses.
	if res := e.Do("PUT", "/api/v4/application/settings?allow_local_requests_from_web_hooks_and_services=true", nil, root...); res.Status != http.StatusOK ||
		!strings.Contains(string(res.Body), `"allow_local_requests_from_web_hooks_and_services":true`) {
		t.Fatalf("settings: %d %s", res.Status, res.Body)
	}
	do("POST", hooks, url.Values{"url": {"http://127.0.0.1:9/x"}}, http.StatusCreated)
}

// TestHooksRefuseLocalAddressesWhenDelivering: a hook made while local targets were
// allowed is not sent to one once they are not; the address is checked as it is
// dialled, so a name that resolves to a local address is refused the same way.
func TestHooksRefuseLocalAddressesWhenDelivering(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	root := []string{"Private-Token", e.RootToken}
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	t.Cleanup(srv.Close)
	setting := func(on bool) {
		t.Helper()
		if res := e.Do("PUT", fmt.Sprintf("/api/v4/application/settings?allow_local_requests_from_web_hooks_and_services=%v", on), nil, root...); res.Status != http.StatusOK {
			t.Fatalf("settings: %d %s", res.Status, res.Body)
		}
	}
	setting(true)
	hooks := "/api/v4/projects/acme%2Fapp/hooks"
	if res := e.Do("POST", hooks+"?url="+url.QueryEscape(srv.URL), nil, root...); res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	setting(false)
	if res := e.Do("PUT", "/api/v4/projects/acme%2Fapp/packages/generic/tool/1.0.0/a.bin", strings.NewReader("a"), root...); res.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
	if n, err := e.Svc.DeliverWebhooks(e.Admin); n != 1 || err != nil {
		t.Fatalf("DeliverWebhooks: %d, %v", n, err)
	}
	if got.Load() != 0 {
		t.Errorf("the local receiver got %d requests", got.Load())
	}
	var list []hookJSON
	_ = json.Unmarshal(e.Do("GET", hooks, nil, root...).Body, &list)
	res := e.Do("GET", fmt.Sprintf("%s/%d/deliveries", hooks, list[0].ID), nil, root...)
	var log []struct {
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	if err := json.Unmarshal(res.Body, &log); err != nil || len(log) != 1 || log[0].Status != "pending" || log[0].Attempts != 1 ||
		!strings.Contains(log[0].LastError, "local network") {
		t.Errorf("delivery log: %s", res.Body)
	}
}
