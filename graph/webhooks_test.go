package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestWebhooksThroughGraphQL: hooks are made, listed and removed on projects and
// groups; the token is never shown, and who may not manage hooks sees none.
func TestWebhooksThroughGraphQL(t *testing.T) {
	e := compattest.New(t)
	mutate(t, e, e.RootToken, "groupCreate", `path: "acme"`)
	mutate(t, e, e.RootToken, "projectCreate", `fullPath: "acme/app"`)
	e.User("dev")
	e.Member("dev", "acme/app", "developer")
	dev := e.PAT("dev", "api")
	var created map[string]struct {
		Errors  []string
		Webhook struct{ ID string }
	}
	gql(t, e, e.RootToken, `mutation { webhookCreate(input: {projectPath: "acme/app", url: "https://hooks.example.com/p", token: "t0ps3cret", packageDeletedEvents: false}) { errors webhook { id } } }`, nil, &created)
	id := created["webhookCreate"].Webhook.ID
	if !strings.HasPrefix(id, "gid://gitlab/ProjectHook/") {
		t.Fatalf("created: %+v", created)
	}
	mutate(t, e, e.RootToken, "webhookCreate", `groupPath: "acme", url: "https://hooks.example.com/g"`)
	for _, in := range []string{`url: "https://hooks.example.com/x"`, `projectPath: "acme/app", groupPath: "acme", url: "https://hooks.example.com/x"`,
		`projectPath: "acme/app", url: "file:///etc/passwd"`} {
		gql(t, e, e.RootToken, fmt.Sprintf(`mutation { webhookCreate(input: {%s}) { errors webhook { id } } }`, in), nil, &created)
		if len(created["webhookCreate"].Errors) == 0 {
			t.Errorf("webhookCreate(%s) succeeded", in)
		}
	}

	const q = `{ project(fullPath: "acme/app") { webhooks { id url packagePublishedEvents packageDeletedEvents enabled tokenSet } }
		group(fullPath: "acme") { webhooks { id url tokenSet } } }`
	var raw json.RawMessage
	gql(t, e, e.RootToken, q, nil, &raw)
	if strings.Contains(string(raw), "s3cret") {
		t.Errorf("the token is shown: %s", raw)
	}
	var out struct {
		Project struct {
			Webhooks []struct {
				ID, URL                                               string
				PackagePublishedEvents, PackageDeletedEvents, Enabled bool
				TokenSet                                              bool
			}
		}
		Group struct{ Webhooks []struct{ ID, URL string } }
	}
	_ = json.Unmarshal(raw, &out)
	if hs := out.Project.Webhooks; len(hs) != 1 || hs[0].ID != id || hs[0].URL != "https://hooks.example.com/p" ||
		!hs[0].PackagePublishedEvents || hs[0].PackageDeletedEvents || !hs[0].Enabled || !hs[0].TokenSet {
		t.Errorf("project hooks: %s", raw)
	}
	if hs := out.Group.Webhooks; len(hs) != 1 || !strings.HasPrefix(hs[0].ID, "gid://gitlab/GroupHook/") {
		t.Errorf("group hooks: %s", raw)
	}

	// A developer sees no hooks and removes none.
	gql(t, e, dev, q, nil, &out)
	if out.Project.Webhooks != nil {
		t.Errorf("developer sees hooks: %+v", out.Project.Webhooks)
	}
	if errs := e.GraphQL(`mutation($id: ID!) { webhookDelete(input: {id: $id}) { errors } }`, map[string]any{"id": id}, nil, "Authorization", "Bearer "+dev); len(errs) == 0 {
		t.Error("developer deleted a hook")
	}
	mutate(t, e, e.RootToken, "webhookDelete", fmt.Sprintf("id: %q", id))
	gql(t, e, e.RootToken, q, nil, &out)
	if len(out.Project.Webhooks) != 0 {
		t.Errorf("deleted hook still listed: %+v", out.Project.Webhooks)
	}
}
