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
	id := mutateID(t, e, "webhookCreate", `projectPath: "acme/app", url: "https://hooks.example.com/p", token: "t0ps3cret", packageDeletedEvents: false`)
	if !strings.HasPrefix(id, "gid://gitlab/ProjectHook/") {
		t.Fatalf("created: %s", id)
	}
	mutate(t, e, e.RootToken, "webhookCreate", `groupPath: "acme", url: "https://hooks.example.com/g"`)
	for _, in := range []string{`url: "https://hooks.example.com/x"`, `projectPath: "acme/app", groupPath: "acme", url: "https://hooks.example.com/x"`,
		`projectPath: "acme/app", url: "file:///etc/passwd"`} {
		gql(t, e, e.RootToken, fmt.Sprintf(`mutation { webhookCreate(input: {%s}) { errors webhook { id } } }`, in), nil, &created)
		if len(created["webhookCreate"].Errors) == 0 {
			t.Errorf("webhookCreate(%s) succeeded", in)
		}
	}

	// Local targets need the instance setting.
	local := `projectPath: "acme/app", url: "http://127.0.0.1:9/hook"`
	gql(t, e, e.RootToken, fmt.Sprintf(`mutation { webhookCreate(input: {%s}) { errors webhook { id } } }`, local), nil, &created)
	if len(created["webhookCreate"].Errors) == 0 {
		t.Error("a loopback hook was made with local hooks off")
	}
	var settings map[string]struct {
		InstanceSettings struct{ AllowLocalWebhooks bool }
	}
	gql(t, e, e.RootToken, `mutation { updateInstanceSettings(input: {allowLocalWebhooks: true}) { instanceSettings { allowLocalWebhooks } } }`, nil, &settings)
	if !settings["updateInstanceSettings"].InstanceSettings.AllowLocalWebhooks {
		t.Fatalf("settings: %+v", settings)
	}
	localID := mutateID(t, e, "webhookCreate", local)
	mutate(t, e, e.RootToken, "webhookDelete", fmt.Sprintf("id: %q", localID))

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

// mutateID runs a webhookCreate as root and returns the hook's id.
func mutateID(t *testing.T, e *compattest.Env, name, input string) string {
	t.Helper()
	var out map[string]struct {
		Errors  []string
		Webhook struct{ ID string }
	}
	gql(t, e, e.RootToken, fmt.Sprintf(`mutation { %s(input: {%s}) { errors webhook { id } } }`, name, input), nil, &out)
	if len(out[name].Errors) > 0 || out[name].Webhook.ID == "" {
		t.Fatalf("%s(%s): %+v", name, input, out)
	}
	return out[name].Webhook.ID
}
