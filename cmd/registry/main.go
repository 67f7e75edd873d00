// Command registry runs the package registry server and its admin tools
// (registry help lists the commands, registry help <command> their flags).
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
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/metrics"
	"github.com/pkgreg/registry/registry"
)

// Set at build time (make build): -ldflags "-X main.version=... -X main.commit=...
// -X main.date=...". A plain go build or go run fills commit and date from the
// module's VCS stamp when there is one.
var version, commit, date = "dev", "", ""

// registryBuild is buildInfo for the service (/api/v4/version, GraphQL, the UI),
// with the commit as short as GitLab's revision.
func registryBuild() registry.BuildInfo {
	v, c, d := buildInfo()
	if len(c) > 12 {
		c = c[:12]
	}
	return registry.BuildInfo{Version: v, Revision: c, Date: d}
}

// buildInfo is the version, commit and build date.
func buildInfo() (v, c, d string) {
	v, c, d = version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if len(c) > 12 {
		c = c[:12]
	}
	return v, c, d
}

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // asked for help: it is printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "registry:", err)
		os.Exit(1)
	}
}

// command is one of the binary's commands.
type command struct {
	name, short string
	run         func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands in the order help lists them.
var commands = []command{
	{"serve", "start the server (HTTP API, package formats, web UI)", serve},
	{"admin", "manage users, groups, projects, tokens, storage and GC on the server's database", admin},
	{"version", "print the version, commit and build date", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
		v, c, d := buildInfo()
		fmt.Fprintf(stdout, "registry %s (commit %s, built %s)\n", v, orUnknown(c), orUnknown(d))
		return nil
	}},
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		if len(args) > 1 { // registry help <command> [<noun> <verb>]
			return run(ctx, append(args[1:], "--help"), stdout, stderr)
		}
		printHelp(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return fmt.Errorf("unknown command %q (run: registry help)", args[0])
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "registry: a GitLab-compatible package registry.")
	fmt.Fprintln(w, "\nUsage: registry <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "  help      show this, or a command's flags: registry help <command>")
	fmt.Fprintln(w, "\nEvery flag can also be set by its environment variable, shown in each command's help.")
}

// config is what serve and the admin commands share. Every flag has an environment
// variable of the same name in upper case, prefixed REGISTRY_.
type config struct {
	listen, externalURL, dataDir, databaseURL, storageURL, logLevel string
	storageFallbackURL                                              string
	directDownload                                                  bool
	// pool sizes the database connection pool (serve).
	pool database.Pool
	// metrics, when set (serve), records the server's counts.
	metrics          *metrics.Metrics
	metricsElsewhere bool
	// downloadFlush is how often download counts are written (serve).
	downloadFlush time.Duration
}

// envBacked are the flags that also read an environment variable (envName).
var envBacked = map[string]bool{
	"listen": true, "external-url": true, "data-dir": true, "database-url": true, "storage-url": true,
	"storage-fallback-url": true, "storage-direct-download": true, "log-level": true, "gc-interval": true,
	"metrics-listen": true, "download-flush-interval": true, "shutdown-timeout": true,
	"create": true, "database-max-open-conns": true, "database-max-idle-conns": true,
}

// envName is a flag's environment variable.
func envName(flag string) string {
	return "REGISTRY_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// registerStorage adds the flags that find an instance's database and storage
// (serve and every admin command).
func (c *config) registerStorage(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", env("data-dir", "./data"), "directory for the embedded database and file storage")
	fs.StringVar(&c.databaseURL, "database-url", env("database-url", ""), "postgres://... (default: SQLite in the data dir)")
	fs.StringVar(&c.storageURL, "storage-url", env("storage-url", ""), "file://, s3:// or mem:// bucket URL (default: file:// under the data dir)")
	fs.StringVar(&c.storageFallbackURL, "storage-fallback-url", env("storage-fallback-url", ""),
		"storage read when content is missing from --storage-url (the old storage, during a migration)")
}

// register adds every flag serve takes.
func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.listen, "listen", env("listen", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&c.externalURL, "external-url", env("external-url", ""), "base URL clients use (default: derived from --listen)")
	c.registerStorage(fs)
	fs.BoolVar(&c.directDownload, "storage-direct-download", envBool("storage-direct-download", false),
		"redirect package downloads to signed object storage URLs (S3), for the clients that follow redirects")
	fs.StringVar(&c.logLevel, "log-level", env("log-level", "info"), "debug, info, warn or error")
	fs.IntVar(&c.pool.MaxOpen, "database-max-open-conns", envInt("database-max-open-conns", 0),
		"most database connections open at once (default: Postgres 20; SQLite readers twice the CPUs, at least 4, beside one writer)")
	fs.IntVar(&c.pool.MaxIdle, "database-max-idle-conns", envInt("database-max-idle-conns", 0),
		"most idle database connections kept (default: Postgres 10; SQLite every reader)")
}

// env is the value of a flag's environment variable, or def.
func env(flag, def string) string {
	if v, ok := os.LookupEnv(envName(flag)); ok {
		return v
	}
	return def
}

func envInt(flag string, def int) int {
	n, err := strconv.Atoi(env(flag, strconv.Itoa(def)))
	if err != nil {
		return def
	}
	return n
}

func envBool(flag string, def bool) bool {
	v, ok := os.LookupEnv(envName(flag))
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// parseFlags parses a command's flags; asked for help, it prints the command's
// flags on stdout and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
		}
	}
	return fs.Parse(args)
}

// newFlags is a command's flag set, whose help lists each flag with its default and
// environment variable.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: registry %s %s\n\nFlags:\n", name, usage)
		fs.VisitAll(func(f *flag.Flag) {
			line := fmt.Sprintf("  --%s", f.Name)
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
				line += " value"
			}
			fmt.Fprintf(w, "%-32s %s", line, f.Usage)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				fmt.Fprintf(w, " (default %q)", f.DefValue)
			}
			if envBacked[f.Name] {
				fmt.Fprintf(w, " [$%s]", envName(f.Name))
			}
			fmt.Fprintln(w)
		})
	}
	return fs
}

func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.logLevel, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

// dbURL is the database the flags name.
func (c *config) dbURL() (string, error) {
	if c.databaseURL != "" {
		return c.databaseURL, nil
	}
	dataDir, err := filepath.Abs(c.dataDir)
	if err != nil {
		return "", err
	}
	return database.DefaultURL(dataDir), nil
}

// requireInstance refuses to go on where no instance exists yet: an admin command
// run from another directory would otherwise create a new, empty instance there and
// report success.
func (c *config) requireInstance(ctx context.Context) error {
	u, err := c.dbURL()
	if err != nil {
		return err
	}
	ok, err := database.Exists(ctx, u)
	switch {
	case err != nil:
		return fmt.Errorf("database: %w", err)
	case !ok && c.databaseURL == "":
		return fmt.Errorf("no registry database in %s: give the server's --data-dir (or --database-url), or --create to make a new instance", c.dataDir)
	case !ok:
		return errors.New("the database has no registry in it: give the server's --database-url, or --create to make a new instance")
	}
	return nil
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
	dbURL, err := c.dbURL()
	if err != nil {
		return nil, nil, err
	}
	if c.pool.MaxOpen < 0 || c.pool.MaxIdle < 0 {
		return nil, nil, errors.New("--database-max-open-conns and --database-max-idle-conns cannot be negative")
	}
	db, err := database.Open(ctx, dbURL, database.WithPool(c.pool))
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
	svc := registry.New(db, blobs, registry.Config{ExternalURL: ext, DirectDownload: c.directDownload,
		Metrics: c.metrics, MetricsElsewhere: c.metricsElsewhere, Build: registryBuild(), DownloadFlushInterval: c.downloadFlush}, log)
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
