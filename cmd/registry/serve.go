package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pkgreg/registry/metrics"
	"github.com/pkgreg/registry/server"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("serve", "[flags]", stderr)
	c.register(fs)
	gcEvery := fs.Duration("gc-interval", envDuration("gc-interval", 10*time.Minute), "how often garbage collection runs")
	fs.DurationVar(&c.downloadFlush, "download-flush-interval", envDuration("download-flush-interval", 5*time.Second),
		"how often the download counts this process tallied are written to the database (and at a graceful stop)")
	shutdownTimeout := fs.Duration("shutdown-timeout", envDuration("shutdown-timeout", 30*time.Second),
		"how long a graceful stop (SIGTERM) lets requests in flight finish before it cuts them")
	metricsListen := fs.String("metrics-listen", env("metrics-listen", ""),
		"serve Prometheus metrics on this address instead of /-/metrics of --listen (there: loopback clients and administrators only)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q (run: registry help serve)", fs.Arg(0))
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	if c.externalURL == "" {
		c.listen = ln.Addr().String() // a ":0" listen address becomes the real port
	}
	c.metrics = metrics.New()
	c.metricsElsewhere = *metricsListen != ""
	svc, closeAll, err := c.open(ctx, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeAll()

	if err := bootstrap(ctx, svc, stdout); err != nil {
		ln.Close()
		return err
	}
	go svc.RunGC(ctx, *gcEvery)
	go svc.RunDownloadFlush(ctx)
	go svc.RunTokenUsageFlush(ctx)
	// The webhook worker finishes the attempts it has started when ctx ends; the
	// deferred wait (which ends ctx first, for the error returns) keeps the database
	// open until it has recorded them.
	webhooksDone := make(chan struct{})
	go func() { defer close(webhooksDone); svc.RunWebhooks(ctx) }()
	defer func() { stop(); <-webhooksDone }()

	srv := &http.Server{
		Handler:           server.Routes(svc, log),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No read or write timeout: uploads and downloads of gigabytes take as long as they take.
	}
	if *metricsListen != "" {
		mln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		msrv := &http.Server{Handler: c.metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln) //nolint:errcheck
		defer msrv.Close()
		fmt.Fprintf(stdout, "Metrics on http://%s/metrics\n", mln.Addr())
	}
	fmt.Fprintf(stdout, "Listening on http://%s (external URL %s)\n", ln.Addr(), svc.ExternalURL())
	log.Info("listening", "addr", ln.Addr().String(), "external_url", svc.ExternalURL(), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Shutdown closes the listener at once (new connections are refused) and waits
	// for the requests in flight; past the deadline, Close cuts what is left.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("shutdown: requests still in flight after the deadline were cut", "timeout", shutdownTimeout.String())
		err = srv.Close()
	}
	// After the server has stopped, so that the downloads it finished count too, with
	// time of its own: a long download may have used up the shutdown's.
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelFlush()
	if ferr := svc.FlushDownloads(flushCtx); ferr != nil {
		log.Error("flush downloads at shutdown", "err", ferr)
	}
	if ferr := svc.FlushTokenUsage(flushCtx); ferr != nil {
		log.Error("flush token usage at shutdown", "err", ferr)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envDuration(flag string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(flag, "")); err == nil {
		return d
	}
	return def
}
