package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
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

// TestSignInLockTellsNothingAndLocksNobodyOut: the lock answered unknown and known
// usernames differently (telling which exist), and a guesser could keep an account
// locked out of password sign-in forever. Failures now count per (username, client
// address): every address sees the same answers for real and made-up users, another
// address is not affected, and the right password passes once the short lock ends.
func TestSignInLockTellsNothingAndLocksNobodyOut(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.Now = clock })
	if err := e.Svc.SetPassword(e.Admin, "root", "s3cret-password"); err != nil {
		t.Fatal(err)
	}
	try := func(user, pw, client string) string {
		_, err := e.Svc.SignIn(context.Background(), registry.SignInInput{Username: user, Password: pw, Client: client})
		if err == nil {
			return "ok"
		}
		return registry.PublicMessage(err)
	}
	for i := 0; i < 7; i++ {
		known, unknown := try("root", "guess", "10.0.0.66"), try("nobody", "guess", "10.0.0.66")
		if strings.ReplaceAll(known, "root", "") != strings.ReplaceAll(unknown, "nobody", "") {
			t.Fatalf("attempt %d: known user %q, unknown user %q", i, known, unknown)
		}
	}
	if got := try("root", "s3cret-password", "10.0.0.66"); !strings.Contains(got, "Too many") {
		t.Fatalf("the guesser's address is not locked: %q", got)
	}
	if got := try("root", "s3cret-password", "192.0.2.10"); got != "ok" {
		t.Fatalf("root is locked out from its own address: %q", got)
	}
	mu.Lock()
	now = now.Add(16 * time.Minute) // the lock is short and bounded
	mu.Unlock()
	if got := try("root", "s3cret-password", "10.0.0.66"); got != "ok" {
		t.Fatalf("the right password after the lock: %q", got)
	}
}

// TestEndedSessionIsNoBasicChallenge: a session cookie that no longer authenticates
// (signed out elsewhere, expired, password changed) got 401 with a Basic challenge on
// the UI's own requests, so a browser opened its password dialog over a page stuck on
// its skeleton. Those requests now get 401 with the Cookie scheme and a body the page
// reads (GraphQL's UNAUTHENTICATED code on /api/graphql), and a read clears the
// cookie; a package manager's wrong token keeps its Basic challenge.
func TestEndedSessionIsNoBasicChallenge(t *testing.T) {
	e := compattest.New(t)
	if err := e.Svc.SetPassword(e.Admin, "root", "s3cret-password"); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"username": "root", "password": "s3cret-password"})
	res := e.Do("POST", "/-/session", strings.NewReader(string(body)), "Content-Type", "application/json")
	var s struct{ CSRFToken string }
	json.Unmarshal(res.Body, &s)
	session := strings.SplitN(res.Header.Get("Set-Cookie"), ";", 2)[0]
	if res := e.Do("DELETE", "/-/session", nil, "Cookie", session, "X-CSRF-Token", s.CSRFToken); res.Status != http.StatusNoContent {
		t.Fatalf("sign out: %d", res.Status)
	}
	query := `{"query":"{ currentUser { username } }"}`
	for _, c := range []struct {
		name, method, path string
		body               string
		headers            []string
		status             int
		scheme, code       string // the challenge's scheme; GraphQL's error code
		clears             bool   // whether the answer clears the session cookie
	}{
		{"GraphQL POST", "POST", "/api/graphql", query, []string{"X-CSRF-Token", s.CSRFToken}, 401, "Cookie", "UNAUTHENTICATED", false},
		{"GraphQL GET", "GET", "/api/graphql?query=" + url.QueryEscape("{ currentUser { username } }"), "", nil, 401, "Cookie", "UNAUTHENTICATED", true},
		{"who is signed in", "GET", "/-/session", "", nil, 401, "Cookie", "", true},
		{"sign out again", "DELETE", "/-/session", "", []string{"X-CSRF-Token", s.CSRFToken}, 204, "", "", true},
		{"file from a project page", "GET", "/root/any/-/package_files/1/download", "", nil, 401, "Cookie", "", true},
		{"a client's wrong token beside it", "POST", "/api/graphql", query, []string{"Private-Token", "glpat-wrong"}, 401, "Basic", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rd *strings.Reader
			if c.body != "" {
				rd = strings.NewReader(c.body)
			}
			headers := append([]string{"Cookie", session, "Content-Type", "application/json"}, c.headers...)
			var res *compattest.Response
			if rd != nil {
				res = e.Do(c.method, c.path, rd, headers...)
			} else {
				res = e.Do(c.method, c.path, nil, headers...)
			}
			scheme, _, _ := strings.Cut(res.Header.Get("WWW-Authenticate"), " ")
			if res.Status != c.status || scheme != c.scheme {
				t.Fatalf("%d %q, want %d %q: %s", res.Status, res.Header.Get("WWW-Authenticate"), c.status, c.scheme, res.Body)
			}
			if c.code != "" && !strings.Contains(string(res.Body), `"code":"`+c.code+`"`) {
				t.Errorf("body %s lacks code %s", res.Body, c.code)
			}
			cleared := strings.HasPrefix(res.Header.Get("Set-Cookie"), "registry_session=;")
			if cleared != c.clears {
				t.Errorf("Set-Cookie %q: clears %v, want %v", res.Header.Get("Set-Cookie"), cleared, c.clears)
			}
		})
	}
}
