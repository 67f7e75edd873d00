// Package metrics holds the registry's Prometheus metrics: one registry of
// collectors per server, passed to whoever records into it (no globals), served at
// /-/metrics. Every method is safe on a nil *Metrics, which records nothing.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the registry's collectors.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	bytes     *prometheus.CounterVec
	errors    *prometheus.CounterVec
	gcRuns    *prometheus.CounterVec
	gcRemoved *prometheus.CounterVec
	gcFreed   prometheus.Counter
	cache     *prometheus.CounterVec
}

// New creates the collectors, with Go's runtime and process metrics beside them.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_http_requests_total",
		Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "registry_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern and method (until the response is written).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 600}}, []string{"route", "method"})
	m.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_package_bytes_total",
		Help: "Bytes of package files uploaded (direction=upload) and downloaded through the server (direction=download)."},
		[]string{"direction"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_errors_total",
		Help: "Internal errors by where they came from: storage or database."}, []string{"source"})
	m.gcRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_gc_runs_total",
		Help: "Garbage collections by result: done, skipped (another replica held the lock) or failed."}, []string{"result"})
	m.gcRemoved = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_gc_removed_total",
		Help: "What garbage collection removed: packages, files, blobs, orphans, temporary."}, []string{"kind"})
	m.gcFreed = prometheus.NewCounter(prometheus.CounterOpts{Name: "registry_gc_freed_bytes_total",
		Help: "Bytes of blobs garbage collection removed from storage."})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_document_cache_total",
		Help: "Index document requests by result: not_modified (answered 304), hit (served from memory), miss (built)."},
		[]string{"result"})
	m.reg.MustRegister(m.requests, m.latency, m.bytes, m.errors, m.gcRuns, m.gcRemoved, m.gcFreed, m.cache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one HTTP request. route is the pattern that served it (not the
// path, which would make a series per package).
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// Uploaded counts bytes of package files received.
func (m *Metrics) Uploaded(n int64) {
	if m != nil && n > 0 {
		m.bytes.WithLabelValues("upload").Add(float64(n))
	}
}

// Downloaded counts bytes of package files sent by the server.
func (m *Metrics) Downloaded(n int64) {
	if m != nil && n > 0 {
		m.bytes.WithLabelValues("download").Add(float64(n))
	}
}

// Error counts an internal error of the storage or the database.
func (m *Metrics) Error(source string) {
	if m != nil {
		m.errors.WithLabelValues(source).Inc()
	}
}

// GC records one garbage collection: its result and what it removed.
func (m *Metrics) GC(result string, removed map[string]int, freed int64) {
	if m == nil {
		return
	}
	m.gcRuns.WithLabelValues(result).Inc()
	for kind, n := range removed {
		if n > 0 {
			m.gcRemoved.WithLabelValues(kind).Add(float64(n))
		}
	}
	if freed > 0 {
		m.gcFreed.Add(float64(freed))
	}
}

// Document records how an index document request was answered.
func (m *Metrics) Document(result string) {
	if m != nil {
		m.cache.WithLabelValues(result).Inc()
	}
}
