package server

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/metrics"
	"github.com/pkgreg/registry/registry"
)

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestLog gives every request an id and logs one line when it ends. It logs the
// path without the query string: private_token and job_token may be there.
func requestLog(log *slog.Logger, m *metrics.Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get("X-Request-Id")
			if !requestIDRe.MatchString(id) {
				b := make([]byte, 8)
				_, _ = rand.Read(b)
				id = hex.EncodeToString(b)
			}
			w.Header().Set("X-Request-Id", id)
			l := log.With("request_id", id)
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, compat.WithLogger(r, l))
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			route := ""
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				route = rctx.RoutePattern()
			}
			m.Request(route, r.Method, sw.status, time.Since(start))
			l.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)))
		})
	}
}

// statusWriter records the status and size. It keeps io.ReaderFrom, so downloads
// still reach the connection's sendfile path through http.ServeContent.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanic turns a panic into a 500 without internals, logging the stack.
func recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				compat.Logger(r).ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				compat.WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": "500 Internal Server Error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestMemo lets the service load the viewer's memberships once per request.
func requestMemo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(registry.WithRequestMemo(r.Context())))
	})
}

// metricsHandler serves the metrics on the API's listener to whom GitLab's
// monitoring allowlist lets in by default, the machine itself (a loopback
// address), and to administrators' tokens; others get 404, as if there were none.
// --metrics-listen serves them on an address of their own instead.
func metricsHandler(svc *registry.Service, m *metrics.Metrics) http.HandlerFunc {
	h := m.Handler()
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		local := err == nil && ip != nil && ip.IsLoopback()
		if !local && svc.RequireAdmin(r.Context()) != nil {
			compat.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
			return
		}
		h.ServeHTTP(w, r)
	}
}
