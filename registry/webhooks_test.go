package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/hook"
	"github.com/pkgreg/registry/ent/webhookdelivery"
	"github.com/pkgreg/registry/registry"
)

// receiver is a webhook endpoint on 127.0.0.1 that records what it is sent and
// answers 500 to the first fail requests.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []delivery
	fail int
}

type delivery struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, fail int) *receiver {
	rc := &receiver{fail: fail}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
		n := len(rc.got)
		rc.mu.Unlock()
		if r.Method != http.MethodPost || n <= rc.fail {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// fastRetries makes the worker look often and retry at once, so no test sleeps long.
func fastRetries(c *registry.Config) {
	c.WebhookPoll = 10 * time.Millisecond
	c.WebhookBackoff = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}
}

// allowLocal turns on the instance setting the test receivers (on loopback) need.
func allowLocal(t *testing.T, e *compattest.Env) {
	t.Helper()
	on := true
	if _, err := e.Svc.UpdateInstanceSettings(e.Admin, registry.InstanceSettingsInput{AllowLocalWebhooks: &on}); err != nil {
		t.Fatal(err)
	}
}

// runWorker runs the service's delivery worker until the test ends.
func runWorker(t *testing.T, svc *registry.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunWebhooks(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

type hookJSON struct {
	ID       int    `json:"id"`
	URL      string `json:"url"`
	TokenSet bool   `json:"token_set"`
}

type deliveryJSON struct {
	ID           int    `json:"id"`
	Event        string `json:"event"`
	Status       string `json:"status"`
	Attempts     int    `json:"attempts"`
	ResponseCode *int   `json:"response_code"`
	LastError    string `json:"last_error"`
}

func addHook(t *testing.T, e *compattest.Env, scope, url, token string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"url": url, "token": token})
	res := e.Do("POST", "/api/v4/"+scope+"/hooks", bytes.NewReader(body), "Private-Token", e.RootToken, "Content-Type", "application/json")
	var h hookJSON
	if res.Status != http.StatusCreated || json.Unmarshal(res.Body, &h) != nil {
		t.Fatalf("create hook: %d %s", res.Status, res.Body)
	}
	return h.ID
}

// settled waits until the hook's log holds n deliveries none of which is pending.
func settled(t *testing.T, e *compattest.Env, scope string, hook, n int) []deliveryJSON {
	t.Helper()
	var log []deliveryJSON
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		res := e.Do("GET", fmt.Sprintf("/api/v4/%s/hooks/%d/deliveries?per_page=100", scope, hook), nil, "Private-Token", e.RootToken)
		log = nil
		if res.Status != http.StatusOK || json.Unmarshal(res.Body, &log) != nil {
			t.Fatalf("deliveries: %d %s", res.Status, res.Body)
		}
		done := len(log) == n
		for _, d := range log {
			done = done && d.Status != "pending"
		}
		if done {
			return log
		}
	}
	t.Fatalf("hook %d: deliveries did not settle: %+v", hook, log)
	return nil
}

func publishGeneric(t *testing.T, e *compattest.Env, project, name, version, file string) {
	t.Helper()
	path := fmt.Sprintf("/api/v4/projects/%s/packages/generic/%s/%s/%s", strings.ReplaceAll(project, "/", "%2F"), name, version, file)
	if res := e.Do("PUT", path, strings.NewReader(name+version), "Private-Token", e.RootToken); res.Status != http.StatusCreated {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
}

type payload struct {
	Event string `json:"event"`
	Time  string `json:"time"`
	Actor struct {
		Username string `json:"username"`
	} `json:"actor"`
	Package struct {
		ID      int    `json:"id"`
		Name    string `json:"name"`
		Version string `json:"version"`
		Type    string `json:"type"`
	} `json:"package"`
	Project struct {
		ID                int    `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	Files []string `json:"files"`
}

// checkSigned checks one delivery's headers, signature and payload.
func checkSigned(t *testing.T, d delivery, secret, event string) payload {
	t.Helper()
	if got, want := d.header.Get("X-Registry-Signature-256"), registry.Sign(secret, d.body); got != want || !strings.HasPrefix(got, "sha256=") {
		t.Errorf("signature %q, want %q", got, want)
	}
	if got := d.header.Get("X-Registry-Event"); got != event {
		t.Errorf("X-Registry-Event %q, want %q", got, event)
	}
	if d.header.Get("X-Registry-Delivery") == "" || d.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", d.header)
	}
	var p payload
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatalf("payload %s: %v", d.body, err)
	}
	if p.Event != event || p.Actor.Username != "root" || p.Time == "" {
		t.Errorf("payload %s", d.body)
	}
	return p
}

// TestWebhookPublishAndDelete: a publish and a delete each reach the project's hook
// and the hook of a group two levels up exactly once, signed with each hook's
// secret; the secret is in no response after creation and in no log line.
func TestWebhookPublishAndDelete(t *testing.T) {
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := compattest.StartWithLog(t, compattest.DatabaseURL(t), "file://"+filepath.ToSlash(t.TempDir()), fastRetries, log)
	allowLocal(t, e)
	e.Group("acme", "private")
	e.Group("acme/sub", "private")
	app := e.Project("acme/sub/app", "private", "")
	e.Group("other", "private")
	e.Project("other/x", "private", "")
	projectHook, groupHook := newReceiver(t, 0), newReceiver(t, 0)
	const projectSecret, groupSecret = "project-s3cret-value", "group-s3cret-value"
	ph := addHook(t, e, "projects/acme%2Fsub%2Fapp", projectHook.URL+"/hook", projectSecret)
	gh := addHook(t, e, "groups/acme", groupHook.URL, groupSecret)
	runWorker(t, e.Svc)

	publishGeneric(t, e, "acme/sub/app", "tool", "1.0.0", "tool.tar.gz")
	publishGeneric(t, e, "other/x", "tool", "1.0.0", "tool.tar.gz") // not under acme: no delivery
	settled(t, e, "projects/acme%2Fsub%2Fapp", ph, 1)
	settled(t, e, "groups/acme", gh, 1)
	for _, c := range []struct {
		rc     *receiver
		secret string
	}{{projectHook, projectSecret}, {groupHook, groupSecret}} {
		got := c.rc.deliveries()
		if len(got) != 1 {
			t.Fatalf("%d publish deliveries, want 1", len(got))
		}
		p := checkSigned(t, got[0], c.secret, registry.EventPackagePublished)
		if p.Package.Name != "tool" || p.Package.Version != "1.0.0" || p.Package.Type != "generic" || p.Package.ID == 0 ||
			p.Project.ID != app.ID || p.Project.PathWithNamespace != "acme/sub/app" || strings.Join(p.Files, ",") != "tool.tar.gz" {
			t.Errorf("publish payload %s", got[0].body)
		}
	}
	pkgID := checkSigned(t, projectHook.deliveries()[0], projectSecret, registry.EventPackagePublished).Package.ID

	if res := e.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", app.ID, pkgID), nil, "Private-Token", e.RootToken); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	log2 := settled(t, e, "projects/acme%2Fsub%2Fapp", ph, 2)
	settled(t, e, "groups/acme", gh, 2)
	got := projectHook.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries after the delete, want 2", len(got))
	}
	p := checkSigned(t, got[1], projectSecret, registry.EventPackageDeleted)
	if p.Package.ID != pkgID || p.Package.Name != "tool" || len(p.Files) != 0 {
		t.Errorf("delete payload %s", got[1].body)
	}
	if d := log2[0]; d.Event != "package_deleted" || d.Status != "delivered" || d.Attempts != 1 || d.ResponseCode == nil || *d.ResponseCode != 200 {
		t.Errorf("log entry %+v", d)
	}

	// The secret is never shown again, nor logged.
	for _, path := range []string{"/api/v4/projects/acme%2Fsub%2Fapp/hooks", fmt.Sprintf("/api/v4/projects/acme%%2Fsub%%2Fapp/hooks/%d", ph),
		fmt.Sprintf("/api/v4/projects/acme%%2Fsub%%2Fapp/hooks/%d/deliveries", ph), "/api/v4/groups/acme/hooks"} {
		res := e.Do("GET", path, nil, "Private-Token", e.RootToken)
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"token_set":true`) && !strings.Contains(path, "deliveries") {
			t.Errorf("GET %s: %d %s", path, res.Status, res.Body)
		}
		if bytes.Contains(res.Body, []byte("s3cret")) {
			t.Errorf("GET %s shows the secret: %s", path, res.Body)
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "webhook delivery") {
		t.Errorf("no delivery was logged: the log check below would prove nothing")
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("a secret was logged:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestWebhookRetries: a receiver that fails twice and then answers gets three
// attempts of the same delivery, and the log shows them; one that always fails gets
// one attempt more than the backoff has steps, then the delivery is failed.
func TestWebhookRetries(t *testing.T) {
	e := compattest.NewWithConfig(t, fastRetries)
	allowLocal(t, e)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	flaky, broken := newReceiver(t, 2), newReceiver(t, 1<<30)
	fh := addHook(t, e, "projects/acme%2Fapp", flaky.URL, "secret")
	bh := addHook(t, e, "groups/acme", broken.URL, "")
	runWorker(t, e.Svc)
	publishGeneric(t, e, "acme/app", "tool", "1.0.0", "a.bin")

	d := settled(t, e, "projects/acme%2Fapp", fh, 1)[0]
	if d.Status != "delivered" || d.Attempts != 3 || d.ResponseCode == nil || *d.ResponseCode != 200 {
		t.Errorf("flaky receiver's delivery: %+v", d)
	}
	got := flaky.deliveries()
	if len(got) != 3 {
		t.Fatalf("flaky receiver got %d requests, want 3", len(got))
	}
	for _, g := range got {
		if id := g.header.Get("X-Registry-Delivery"); id != fmt.Sprint(d.ID) || !bytes.Equal(g.body, got[0].body) {
			t.Errorf("attempt of delivery %q with body %s, want delivery %d with the first body", id, g.body, d.ID)
		}
	}

	d = settled(t, e, "groups/acme", bh, 1)[0]
	if d.Status != "failed" || d.Attempts != 6 || d.ResponseCode == nil || *d.ResponseCode != 500 || d.LastError != "HTTP 500" {
		t.Errorf("broken receiver's delivery: %+v", d)
	}
	if n := len(broken.deliveries()); n != 6 {
		t.Errorf("broken receiver got %d requests, want 6", n)
	}
	if h := broken.deliveries()[0].header; h.Get("X-Registry-Signature-256") != "" {
		t.Errorf("a hook without a secret signed: %v", h)
	}
}

// TestWebhookWorkersShareDeliveries: two replicas' workers on one database deliver
// every delivery exactly once. On SQLite the two services share the database file
// as two replicas would; its single writer serializes their claims as Postgres's
// row locks do.
func TestWebhookWorkersShareDeliveries(t *testing.T) {
	e := compattest.NewWithConfig(t, fastRetries)
	replica := compattest.StartWithConfig(t, e.DatabaseURL, e.StorageURL, fastRetries)
	allowLocal(t, e)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	rc := newReceiver(t, 0)
	hook := addHook(t, e, "groups/acme", rc.URL, "secret")
	const n = 30
	for i := range n {
		target := []*compattest.Env{e, replica}[i%2]
		publishGeneric(t, target, "acme/app", "tool", fmt.Sprintf("1.0.%d", i), "a.bin")
	}
	// Both workers start on the same due deliveries, and race for every one.
	runWorker(t, e.Svc)
	runWorker(t, replica.Svc)
	log := settled(t, e, "groups/acme", hook, n)
	seen := map[string]int{}
	for _, d := range rc.deliveries() {
		seen[d.header.Get("X-Registry-Delivery")]++
	}
	for _, d := range log {
		if d.Status != "delivered" || d.Attempts != 1 || seen[fmt.Sprint(d.ID)] != 1 {
			t.Errorf("delivery %d: %+v, received %d times", d.ID, d, seen[fmt.Sprint(d.ID)])
		}
	}
	if len(seen) != n || len(rc.deliveries()) != n {
		t.Errorf("%d requests for %d deliveries, want %d of each", len(rc.deliveries()), len(seen), n)
	}
}

// TestWebhookRolledBackPublishSendsNothing: deliveries are rows of the publish's
// transaction. A failure after they are written rolls back the package and them
// together, and the worker finds nothing to send.
func TestWebhookRolledBackPublishSendsNothing(t *testing.T) {
	e := compattest.NewWithConfig(t, fastRetries)
	allowLocal(t, e)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	rc := newReceiver(t, 0)
	hookID := addHook(t, e, "projects/acme%2Fapp", rc.URL, "secret")
	var fail atomic.Bool
	fail.Store(true)
	e.DB.Client.WebhookDelivery.Use(func(next ent.Mutator) ent.Mutator {
		return hook.WebhookDeliveryFunc(func(ctx context.Context, m *ent.WebhookDeliveryMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err == nil && m.Op().Is(ent.OpCreate) && fail.Load() {
				return nil, errors.New("injected failure after the delivery's insert")
			}
			return v, err
		})
	})
	path := "/api/v4/projects/acme%2Fapp/packages/generic/tool/1.0.0/a.bin"
	if res := e.Do("PUT", path, strings.NewReader("a"), "Private-Token", e.RootToken); res.Status != http.StatusInternalServerError {
		t.Fatalf("publish with the failure: %d %s", res.Status, res.Body)
	}
	if n, err := e.DB.Client.WebhookDelivery.Query().Count(e.Admin); n != 0 || err != nil {
		t.Fatalf("%d deliveries after the rollback (%v)", n, err)
	}
	if n, err := e.Svc.DeliverWebhooks(e.Admin); n != 0 || err != nil || len(rc.deliveries()) != 0 {
		t.Fatalf("the worker sent %d deliveries (%v)", n, err)
	}
	if res := e.Do("GET", "/api/v4/projects/acme%2Fapp/packages", nil, "Private-Token", e.RootToken); string(res.Body) != "[]\n" {
		t.Fatalf("packages after the rollback: %s", res.Body)
	}
	// Without the failure the same publish commits, with its one delivery.
	fail.Store(false)
	publishGeneric(t, e, "acme/app", "tool", "1.0.0", "a.bin")
	runWorker(t, e.Svc)
	if d := settled(t, e, "projects/acme%2Fapp", hookID, 1); d[0].Status != "delivered" || len(rc.deliveries()) != 1 {
		t.Fatalf("after the rollback: %+v, %d received", d, len(rc.deliveries()))
	}
}

// TestWebhookLogRetention: garbage collection removes settled deliveries once they
// are older than the retention, and never a pending one.
func TestWebhookLogRetention(t *testing.T) {
	var offset atomic.Int64
	e := compattest.NewWithConfig(t, func(c *registry.Config) {
		fastRetries(c)
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	allowLocal(t, e)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	rc := newReceiver(t, 0)
	addHook(t, e, "projects/acme%2Fapp", rc.URL, "")
	pending := addHook(t, e, "groups/acme", rc.URL, "")
	publishGeneric(t, e, "acme/app", "tool", "1.0.0", "a.bin")
	// The project hook's delivery is sent; the group hook's is made due in a year.
	if _, err := e.DB.Client.WebhookDelivery.Update().Where(webhookdelivery.WebhookID(pending)).
		SetNextAttemptAt(time.Now().UTC().Add(time.Hour * 24 * 365)).Save(e.Admin); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Svc.DeliverWebhooks(e.Admin); n != 1 || err != nil {
		t.Fatalf("DeliverWebhooks: %d %v", n, err)
	}
	for _, c := range []struct {
		age  time.Duration
		want int
	}{{29 * 24 * time.Hour, 0}, {31 * 24 * time.Hour, 1}} {
		offset.Store(int64(c.age))
		st, err := e.Svc.CollectGarbage(e.Admin, time.Minute)
		if err != nil || st.Deliveries != c.want {
			t.Fatalf("after %v: pruned %d, want %d (%v)", c.age, st.Deliveries, c.want, err)
		}
	}
	left, err := e.DB.Client.WebhookDelivery.Query().All(e.Admin)
	if err != nil || len(left) != 1 || left[0].WebhookID != pending {
		t.Fatalf("left: %v %v", left, err)
	}
}
