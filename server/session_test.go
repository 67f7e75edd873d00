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
