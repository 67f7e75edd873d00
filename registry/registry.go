// Package registry holds the business operations of the package registry: accounts,
// tokens, authorization, publishing, lookup and deletion. The HTTP handlers in
// compat/ and the GraphQL resolvers in graph/ both call it; neither writes to the
// database or the bucket directly.
package registry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/metrics"
)

// Config is what the service needs from the operator.
type Config struct {
	// ExternalURL is the base URL clients reach the server at, written into metadata.
	ExternalURL string
	// JobTokenLifetime bounds how long a CI job token works if the job never finishes.
	JobTokenLifetime time.Duration
	// GCGrace protects blobs younger than this from garbage collection, so an upload
	// between storing its blob and committing its row is never collected.
	GCGrace time.Duration
	// SmallBodyTimeout bounds how long reading a small request body (GraphQL, a
	// dist-tag, a checksum, settings) may take, so a client that dribbles its body is
	// cut off. Uploads and downloads of package files stream without such a bound.
	SmallBodyTimeout time.Duration
	// Now is the clock (tests set it); nil is time.Now.
	Now func() time.Time
	// DocumentCacheBytes is the memory budget of rendered index documents.
	DocumentCacheBytes int64
	// Metrics, when set, receives the registry's counts (GC, documents, bytes,
	// storage and database errors).
	Metrics *metrics.Metrics
	// MetricsElsewhere: the metrics are served on their own listener
	// (--metrics-listen), not at /-/metrics of the API's.
	MetricsElsewhere bool
	// DirectDownload answers package file downloads from object storage with a
	// short-lived signed redirect to the object, for clients that follow
	// redirects (GitLab's direct_download); off, the server streams every file.
	DirectDownload bool
	// DownloadFlushInterval is how often the download counts a process has tallied
	// are added to the database (RunDownloadFlush); 0 is 5 seconds.
	DownloadFlushInterval time.Duration
	// DownloadBufferIDs bounds the files the download tally names: past it, the
	// tally is flushed at once; 0 is 10,000.
	DownloadBufferIDs int
	// WebhookBackoff is the delay before each retry of a failed webhook delivery: a
	// delivery is attempted once more than it has entries, then marked failed.
	// nil: 10 s, 1 min, 10 min, 1 h, 6 h (six attempts).
	WebhookBackoff []time.Duration
	// WebhookPoll is how often the delivery worker looks for due deliveries that
	// another replica enqueued (its own it sends at once); default 2 s.
	WebhookPoll time.Duration
	// WebhookTimeout bounds one delivery attempt; default 10 s.
	WebhookTimeout time.Duration
	// Build is what the binary was built from, shown by /api/v4/version, GraphQL
	// metadata and the UI.
	Build BuildInfo
}

// Service is the registry's business layer.
type Service struct {
	db      *database.DB
	client  *ent.Client
	blobs   *Blobs
	cfg     Config
	log     *slog.Logger
	gcMu    sync.Mutex
	now     func() time.Time
	formats formats
	docs    *DocumentCache
	// settings is the instance settings the request path reads (PackageAPIThrottles).
	settings settingsCache
	metrics  *metrics.Metrics
	// downloads is the download tally not yet flushed (downloads.go).
	downloads downloadBuffer
	// webhookWake nudges this process's delivery worker after a commit enqueued
	// deliveries; webhookClients send them (index 1: local addresses allowed).
	webhookWake    chan struct{}
	webhookClients [2]*http.Client
	// hot is the hot path's caches (hotcache.go); tokenUse the tokens' last use
	// not yet written (tokenuse.go).
	hot      hotCaches
	tokenUse tokenUsage
}

// New returns a service over an open database and blob store.
func New(db *database.DB, blobs *Blobs, cfg Config, log *slog.Logger) *Service {
	if cfg.JobTokenLifetime == 0 {
		cfg.JobTokenLifetime = 2 * time.Hour
	}
	if cfg.GCGrace == 0 {
		cfg.GCGrace = 15 * time.Minute
	}
	if cfg.SmallBodyTimeout == 0 {
		cfg.SmallBodyTimeout = 30 * time.Second
	}
	if cfg.Build.Version == "" {
		cfg.Build.Version = "dev" // what the binary says when no release was stamped
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DocumentCacheBytes == 0 {
		cfg.DocumentCacheBytes = 64 << 20
	}
	if cfg.DownloadFlushInterval <= 0 {
		cfg.DownloadFlushInterval = 5 * time.Second
	}
	if cfg.DownloadBufferIDs <= 0 {
		cfg.DownloadBufferIDs = 10000
	}
	if cfg.WebhookBackoff == nil {
		cfg.WebhookBackoff = defaultWebhookBackoff
	}
	if cfg.WebhookPoll == 0 {
		cfg.WebhookPoll = 2 * time.Second
	}
	if cfg.WebhookTimeout == 0 {
		cfg.WebhookTimeout = 10 * time.Second
	}
	if m := cfg.Metrics; m != nil {
		db.OnError(func(error) { m.Error("database") })
		blobs.onError = func() { m.Error("storage") }
	}
	useRevisionHooks(db.Client)
	s := &Service{db: db, client: db.Client, blobs: blobs, cfg: cfg, log: log, now: cfg.Now,
		docs: NewDocumentCache(cfg.DocumentCacheBytes), metrics: cfg.Metrics, webhookWake: make(chan struct{}, 1),
		webhookClients: [2]*http.Client{newWebhookClient(cfg.WebhookTimeout, false), newWebhookClient(cfg.WebhookTimeout, true)},
		hot:            newHotCaches(db.Changes())}
	db.Client.Use(s.changeHook)
	return s
}

// Metrics is where the server records its counts (nil: nowhere).
func (s *Service) Metrics() *metrics.Metrics { return s.metrics }

// MetricsOnMainListener reports whether /-/metrics is served by the API's listener.
func (s *Service) MetricsOnMainListener() bool { return !s.cfg.MetricsElsewhere }

// SmallBodyTimeout is the read deadline of small request bodies (see Config).
func (s *Service) SmallBodyTimeout() time.Duration { return s.cfg.SmallBodyTimeout }

// ExternalURL is the base URL of the server, without a trailing slash.
func (s *Service) ExternalURL() string { return s.cfg.ExternalURL }

// Ready checks that the database and the storage answer.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.db.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := s.blobs.Ping(ctx); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// withTx runs fn in a transaction and commits it, or rolls back on error.
func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// every runs fn every interval until ctx ends (the background workers).
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
