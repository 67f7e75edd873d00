package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

func TestWebSession(t *testing.T) {
	e := compattest.New(t)
	if err := e.Svc.SetPassword(e.Admin, "root", "s3cret-password"); err != nil {
		t.Fatal(err)
	}
	signIn := func(user, pw string) *compattest.Response {
		body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
		return e.Do("POST", "/-/session", strings.NewReader(string(body)), "Content-Type", "application/json")
	}
	if res := signIn("nobody", "x"); res.Status != 401 || res.Header.Get("WWW-Authenticate") != "" {
		t.Fatalf("unknown user: %d %v", res.Status, res.Header)
	}
	res := signIn("root", "s3cret-password")
	var s struct {
		User      struct{ Username string }
		CSRFToken string
	}
	json.Unmarshal(res.Body, &s)
	cookie := res.Header.Get("Set-Cookie")
	if res.Status != 200 || s.User.Username != "root" || s.CSRFToken == "" ||
		!strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("sign in: %d %s %s", res.Status, res.Body, cookie)
	}
	session := strings.SplitN(cookie, ";", 2)[0]

	query := `{"query":"{ currentUser { username } }"}`
	if res := e.Do("POST", "/api/graphql", strings.NewReader(query), "Content-Type", "application/json", "Cookie", session,
		"X-CSRF-Token", s.CSRFToken); !strings.Contains(string(res.Body), `"root"`) {
		t.Fatalf("graphql with session: %d %s", res.Status, res.Body)
	}
	// A POST carrying only the cookie is what a cross-site form would send: refused.
	if res := e.Do("POST", "/api/graphql", strings.NewReader(query), "Content-Type", "application/json", "Cookie", session); res.Status != 401 {
		t.Fatalf("POST without CSRF token: %d", res.Status)
	}
	if res := e.Do("GET", "/api/graphql?query="+url.QueryEscape("{ currentUser { username } }"), nil, "Cookie", session); !strings.Contains(string(res.Body), `"root"`) {
		t.Fatalf("GET with session: %d %s", res.Status, res.Body)
	}
	if res := e.Do("GET", "/api/graphql?query="+url.QueryEscape(`mutation { groupCreate(input: {path: "x"}) { errors } }`), nil, "Cookie", session); strings.Contains(string(res.Body), `"errors":[]`) {
		t.Fatalf("mutation over GET: %s", res.Body)
	}
	if res := e.Do("GET", "/-/session", nil, "Cookie", session); !strings.Contains(string(res.Body), s.CSRFToken) {
		t.Fatalf("GET /-/session: %s", res.Body)
	}
	if res := e.Do("DELETE", "/-/session", nil, "Cookie", session, "X-CSRF-Token", s.CSRFToken); res.Status != http.StatusNoContent {
		t.Fatalf("sign out: %d", res.Status)
	}
	if res := e.Do("GET", "/-/session", nil, "Cookie", session); res.Status != 401 {
		t.Fatalf("after sign out: %d", res.Status)
	}

	// Failed sign-ins are throttled, in the database, for every replica.
	for i := 0; i < 5; i++ {
		if res := signIn("root", "wrong"); res.Status != 401 {
			t.Fatalf("attempt %d: %d", i, res.Status)
		}
	}
	if res := signIn("root", "s3cret-password"); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures even the right password waits: %d %s", res.Status, res.Body)
	}
	replica := compattest.Start(t, e.DatabaseURL, e.StorageURL)
	body, _ := json.Marshal(map[string]string{"username": "root", "password": "s3cret-password"})
	if res := replica.Do("POST", "/-/session", strings.NewReader(string(body))); res.Status != http.StatusTooManyRequests {
		t.Fatalf("the other replica: %d", res.Status)
	}
}
