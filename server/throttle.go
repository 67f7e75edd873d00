package server

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/httprate"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/registry"
)

// packagesAPIPath matches the paths GitLab's package registry rate limits cover
// (lib/gitlab/rack_attack/request.rb, packages_api_path?): the package managers'
// routes at project, group and instance level, not the Packages REST API
// (/projects/:id/packages, /groups/:id/packages), which general limits cover.
var packagesAPIPath = regexp.MustCompile(`^/api/v\d+/(projects/[^/]+/|groups?/[^/]+/-/)?packages/[A-Za-z]+`)

// throttles applies the instance's package-API rate limits (spec F1): requests
// without a valid credential per client IP, the rest per user or deploy token, each
// within the rule's window, answered 429 with Retry-After past it.
//
// The counts are this process's own (httprate's sliding-window counter in memory):
// with several replicas behind a balancer, a client may make up to the limit on
// each. The rules are read through PackageAPIThrottles, at most a few seconds old.
type throttles struct {
	svc                   *registry.Service
	mu                    sync.Mutex
	unauthenticated, user counter
}

// counter is one rule's limiter; it is made anew when the rule changes (and its
// counts start again).
type counter struct {
	rule registry.ThrottleRule
	rl   *httprate.RateLimiter
}

// limiter returns the limiter of rule in c, made for it if the rule changed.
func (t *throttles) limiter(c *counter, rule registry.ThrottleRule) *httprate.RateLimiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.rl == nil || c.rule != rule {
		c.rule = rule
		c.rl = httprate.NewRateLimiter(rule.RequestsPerPeriod, rule.Period(), httprate.WithResponseHeaders(httprate.ResponseHeaders{
			Limit: "RateLimit-Limit", Remaining: "RateLimit-Remaining", Reset: "RateLimit-Reset", RetryAfter: "Retry-After"}))
	}
	return c.rl
}

// allow counts r against the rule that applies to it and reports whether it may go
// on; when it may not, it has answered 429. viewer is nil for a request whose
// credential was refused, which counts as unauthenticated, as in GitLab.
func (t *throttles) allow(w http.ResponseWriter, r *http.Request, viewer *auth.Viewer) bool {
	if !packagesAPIPath.MatchString(r.URL.EscapedPath()) {
		return true
	}
	unauth, authed := t.svc.PackageAPIThrottles(r.Context())
	name, c, rule, key := "throttle_unauthenticated_packages_api", &t.unauthenticated, unauth, "ip:"+clientIP(r)
	switch {
	case viewer != nil && viewer.Kind == auth.DeployToken:
		name, c, rule, key = "throttle_authenticated_packages_api", &t.user, authed, fmt.Sprintf("deploy:%d", viewer.TokenID)
	case viewer.IsUser():
		name, c, rule, key = "throttle_authenticated_packages_api", &t.user, authed, fmt.Sprintf("user:%d", viewer.UserID)
	}
	if !rule.Enabled {
		return true
	}
	// httprate writes its headers on every answer; GitLab's appear only on a 429.
	h := headerOnly{h: http.Header{}}
	if !t.limiter(c, rule).OnLimit(h, r, key) {
		return true
	}
	for k, v := range h.h {
		w.Header()[k] = v
	}
	w.Header().Set("RateLimit-Name", name)
	if reset, err := strconv.ParseInt(h.h.Get("RateLimit-Reset"), 10, 64); err == nil {
		w.Header().Set("RateLimit-ResetTime", time.Unix(reset, 0).UTC().Format(http.TimeFormat))
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
	return false
}

// middleware throttles requests that passed authentication (or carried none).
func (t *throttles) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := auth.FromContext(r.Context())
		if v != nil && v.Kind == auth.Anonymous {
			v = nil
		}
		if t.allow(w, r, v) {
			next.ServeHTTP(w, r)
		}
	})
}

// onFail wraps the answer to a refused credential: it counts as an unauthenticated
// request, so that guessing tokens is throttled per IP.
func (t *throttles) onFail(fail func(http.ResponseWriter, *http.Request, error)) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		if t.allow(w, r, nil) {
			fail(w, r, err)
		}
	}
}

// clientIP is the connection's peer (not a header the client writes).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}

// headerOnly collects the headers httprate sets, to be copied only onto a 429.
type headerOnly struct{ h http.Header }

func (h headerOnly) Header() http.Header         { return h.h }
func (h headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (h headerOnly) WriteHeader(int)             {}
