package graph_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

type auditPage struct {
	Count    int
	Nodes    []struct{ ID, Action, AuthorUsername, AuthorKind, TargetType, TargetPath string }
	PageInfo struct {
		HasNextPage            bool
		StartCursor, EndCursor *string
	}
}

const auditQuery = `query($action: String, $author: String, $type: String, $since: Time, $after: String, $first: Int) {
  auditEvents(action: $action, authorUsername: $author, targetType: $type, since: $since, after: $after, first: $first) {
    count nodes { id action authorUsername authorKind targetType targetPath } pageInfo { hasNextPage startCursor endCursor } } }`

// TestAuditEventsThroughGraphQL: administrators page through every event newest
// first and filter them; others get the refusal other admin-only fields give; a
// project's Maintainers and a group's Owners read their own events.
func TestAuditEventsThroughGraphQL(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	e.Project("g/q", "private", "")
	e.User("dev")
	e.User("owner")
	e.User("outsider")
	e.Member("dev", "g/p", "maintainer")
	e.Member("owner", "g", "owner")
	dev, owner, outsider := e.PAT("dev", "api"), e.PAT("owner", "api"), e.PAT("outsider", "api")
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		if s := put(t, e, "g/p", "lib", v, "f.txt", "x"+v, "PRIVATE-TOKEN", dev); s != http.StatusCreated {
			t.Fatalf("publish %s: %d", v, s)
		}
	}
	if s := put(t, e, "g/q", "other", "1.0", "f.txt", "y", "PRIVATE-TOKEN", owner); s != http.StatusCreated {
		t.Fatalf("publish: %d", s)
	}

	// Paging two at a time visits every event once, newest first.
	var all auditPage
	gql(t, e, e.RootToken, auditQuery, map[string]any{"first": 1000}, &struct{ AuditEvents *auditPage }{&all})
	seen := map[string]bool{}
	var after any
	for pages := 0; ; pages++ {
		var page auditPage
		gql(t, e, e.RootToken, auditQuery, map[string]any{"first": 2, "after": after}, &struct{ AuditEvents *auditPage }{&page})
		if len(page.Nodes) > 2 || pages > all.Count {
			t.Fatalf("page of %d, page %d", len(page.Nodes), pages)
		}
		for _, n := range page.Nodes {
			if seen[n.ID] {
				t.Fatalf("event %s on two pages", n.ID)
			}
			seen[n.ID] = true
		}
		if !page.PageInfo.HasNextPage {
			break
		}
		after = *page.PageInfo.EndCursor
	}
	// And back: the page before the second is the first.
	var first, second, back auditPage
	gql(t, e, e.RootToken, auditQuery, map[string]any{"first": 2}, &struct{ AuditEvents *auditPage }{&first})
	gql(t, e, e.RootToken, auditQuery, map[string]any{"first": 2, "after": *first.PageInfo.EndCursor}, &struct{ AuditEvents *auditPage }{&second})
	gql(t, e, e.RootToken, `query($before: String) { auditEvents(last: 2, before: $before) { nodes { id } } }`,
		map[string]any{"before": second.PageInfo.StartCursor}, &struct{ AuditEvents *auditPage }{&back})
	if len(back.Nodes) != 2 || back.Nodes[0].ID != first.Nodes[0].ID || back.Nodes[1].ID != first.Nodes[1].ID {
		t.Errorf("back from the second page: %+v, want %+v", back.Nodes, first.Nodes)
	}
	if len(seen) != all.Count || len(all.Nodes) != all.Count || all.Count < 10 {
		t.Fatalf("paged %d events of %d (%d listed)", len(seen), all.Count, len(all.Nodes))
	}
	if n := all.Nodes[0]; n.Action != "package.publish" || n.TargetPath != "g/q other@1.0" || n.AuthorUsername != "owner" || n.AuthorKind != "personal_token" {
		t.Errorf("newest event %+v", n)
	}

	for _, c := range []struct {
		name  string
		vars  map[string]any
		count int
	}{
		{"action", map[string]any{"action": "package.publish"}, 4},
		{"author", map[string]any{"author": "dev", "action": "package.publish"}, 3},
		{"target type", map[string]any{"type": "membership"}, 2},
		{"since", map[string]any{"since": time.Now().Add(time.Hour).Format(time.RFC3339)}, 0},
		{"unknown action", map[string]any{"action": "nothing.happened"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var page auditPage
			gql(t, e, e.RootToken, auditQuery, c.vars, &struct{ AuditEvents *auditPage }{&page})
			if page.Count != c.count || len(page.Nodes) != c.count {
				t.Fatalf("%d events (%d listed), want %d: %+v", page.Count, len(page.Nodes), c.count, page.Nodes)
			}
			for _, n := range page.Nodes {
				if a, ok := c.vars["action"]; ok && n.Action != a {
					t.Errorf("action %s", n.Action)
				}
			}
		})
	}

	// Non-administrators are refused as on users, the other admin-only listing.
	for _, token := range []string{dev, owner} {
		var out map[string]any
		errs := e.GraphQL(auditQuery, nil, &out, "Authorization", "Bearer "+token)
		usersErrs := e.GraphQL(`{ users { count } }`, nil, &out, "Authorization", "Bearer "+token)
		if len(errs) != 1 || len(usersErrs) != 1 || errs[0] != usersErrs[0] {
			t.Errorf("non-admin auditEvents: %v; users says %v", errs, usersErrs)
		}
	}
	if errs := e.GraphQL(auditQuery, nil, &map[string]any{}); len(errs) == 0 {
		t.Error("anonymous auditEvents answered")
	}

	// Owners' views: a project's Maintainer sees the project's events, a group Owner
	// those of the group and every project in it; others get null.
	scoped := func(token, query string) *auditPage {
		var out struct {
			Project, Group *struct{ AuditEvents *auditPage }
		}
		gql(t, e, token, query, nil, &out)
		switch {
		case out.Project != nil:
			return out.Project.AuditEvents
		case out.Group != nil:
			return out.Group.AuditEvents
		}
		return nil
	}
	const projectEvents = `{ project(fullPath: "g/p") { auditEvents(first: 100) { count nodes { targetPath } } } }`
	const groupEvents = `{ group(fullPath: "g") { auditEvents(action: "package.publish") { count nodes { targetPath } } } }`
	if p := scoped(dev, projectEvents); p == nil || p.Count != 4 { // dev's membership and three publishes
		t.Errorf("dev's project events: %+v", p)
	}
	if p := scoped(owner, groupEvents); p == nil || p.Count != 4 {
		t.Errorf("owner's group events: %+v", p)
	}
	if p := scoped(dev, groupEvents); p != nil {
		t.Errorf("a project Maintainer read the group's events: %+v", p)
	}
	if p := scoped(outsider, projectEvents); p != nil {
		t.Errorf("an outsider read the project's events: %+v", p)
	}
}
