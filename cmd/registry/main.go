// Command registry runs the package registry server and its admin tools.
//
//	registry serve            start the server
//	registry admin ...        manage users, groups, projects and tokens from the server's machine
//	registry version          print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "registry:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: registry serve|admin|version [flags]")
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "registry", version)
		return nil
	}
	return fmt.Errorf("unknown command %q (want serve, admin or version)", args[0])
}

// config is what serve and the admin commands share. Every flag has an environment
// variable of the same name in upper case, prefixed REGISTRY_.
type config struct {
	listen, externalURL, dataDir, databaseURL, storageURL, logLevel string
	storageFallbackURL                                              string
	directDownload                                                  bool
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.listen, "listen", env("REGISTRY_LISTEN", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&c.externalURL, "external-url", env("REGISTRY_EXTERNAL_URL", ""), "base URL clients use (default: derived from --listen)")
	fs.StringVar(&c.dataDir, "data-dir", env("REGISTRY_DATA_DIR", "./data"), "directory for the embedded database and file storage")
	fs.StringVar(&c.databaseURL, "database-url", env("REGISTRY_DATABASE_URL", ""), "postgres://... (default: SQLite in the data dir)")
	fs.StringVar(&c.storageURL, "storage-url", env("REGISTRY_STORAGE_URL", ""), "file://, s3:// or mem:// bucket URL (default: file:// under the data dir)")
	fs.StringVar(&c.storageFallbackURL, "storage-fallback-url", env("REGISTRY_STORAGE_FALLBACK_URL", ""),
		"storage read when content is missing from --storage-url (the old storage, during a migration)")
	fs.BoolVar(&c.directDownload, "storage-direct-download", envBool("REGISTRY_STORAGE_DIRECT_DOWNLOAD", false),
		"redirect package downloads to signed object storage URLs (S3), for the clients that follow redirects")
	fs.StringVar(&c.logLevel, "log-level", env("REGISTRY_LOG_LEVEL", "info"), "debug, info, warn or error")
}

func envBool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.logLevel, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

// open opens the database, the storage and the service.
func (c *config) open(ctx context.Context, log *slog.Logger) (*registry.Service, func(), error) {
	dataDir, err := filepath.Abs(c.dataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("data dir: %w", err)
	}
	dbURL := c.databaseURL
	if dbURL == "" {
		dbURL = database.DefaultURL(dataDir)
	}
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	storage := c.storageURL
	if storage == "" {
		storage = "file://" + filepath.ToSlash(filepath.Join(dataDir, "storage"))
	}
	blobs, err := registry.OpenBlobs(ctx, storage)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if c.storageFallbackURL != "" {
		fallback, err := registry.OpenBlobs(ctx, c.storageFallbackURL)
		if err != nil {
			blobs.Close()
			db.Close()
			return nil, nil, fmt.Errorf("fallback %w", err)
		}
		blobs.WithFallback(fallback)
	}
	ext := strings.TrimRight(c.externalURL, "/")
	if ext == "" {
		ext = "http://" + c.listen
	}
	svc := registry.New(db, blobs, registry.Config{ExternalURL: ext, DirectDownload: c.directDownload}, log)
	return svc, func() { blobs.Close(); db.Close() }, nil
}

// bootstrap creates the administrator root on an empty database, with the token
// preset in REGISTRY_BOOTSTRAP_TOKEN or a new one. A generated token is printed once
// (only its digest is stored); a preset one is never printed, since whoever set it
// knows it and logs should not.
func bootstrap(ctx context.Context, svc *registry.Service, out io.Writer) error {
	preset := os.Getenv("REGISTRY_BOOTSTRAP_TOKEN")
	token, err := svc.Bootstrap(ctx, preset)
	switch {
	case err != nil:
		return fmt.Errorf("bootstrap: %w", err)
	case token != "" && preset != "":
		fmt.Fprintln(out, `Created the administrator "root" with the personal access token from REGISTRY_BOOTSTRAP_TOKEN (scope api).`)
	case token != "":
		fmt.Fprintf(out, "Created the administrator %q with a personal access token (scope api):\n  %s\n", "root", token)
	case preset != "":
		fmt.Fprintln(out, "REGISTRY_BOOTSTRAP_TOKEN was ignored: this instance already has users.")
	}
	return nil
}
