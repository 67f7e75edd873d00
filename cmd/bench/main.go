// Command bench measures the registry beside its peers on loopback, with one load
// generator (keep-alive connections, every server asked the same way) and runs
// alternated server by server (medians of the runs): the 1 KiB generic GET with a
// token and anonymous and the 1 MiB GET against nginx; the npm packument of 1,000
// versions against Verdaccio; the PyPI simple page and maven-metadata.xml of 1,000;
// the package lists, GraphQL pages and a packument at 10,000 and 100,000 versions
// in one project, on SQLite and (under scripts/with-postgres) Postgres; and a
// streamed 1 GiB upload against the machine's floor (sha256sum while the file is
// written to the same disk). It prints each workload's figures, the ratios and
// targets, the load average at start and end, and a final line "bench: ok" or the
// missed targets. It exits non-zero only when the setup fails.
//
//	go run ./cmd/bench [-quick] [-only small,large,npm,pypi,maven,scale,upload,s3]
//	                   [-duration 3s] [-runs 3] [-concurrency 16] [-scale 10000,100000]
//	                   [-upload-size 1GiB] [-keep]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Targets (the table, as ratios within one run where a peer exists).
const (
	targetSmallRatio  = 0.25 // 1 KiB GET req/s >= 0.25x nginx
	targetLargeRatio  = 0.7  // 1 MiB GET MiB/s >= 0.7x nginx
	targetNPMRate     = 1500 // packument of 1,000 versions, req/s
	targetNPMP99      = 20 * time.Millisecond
	targetDocRate     = 1000 // PyPI simple page, maven-metadata.xml of 1,000, req/s
	targetListP50     = 20 * time.Millisecond
	targetListP99     = 50 * time.Millisecond
	targetListAt      = 100000 // the list targets apply at this many versions
	targetUploadRatio = 0.8    // upload MiB/s >= 0.8x the floor
	targetUploadRSS   = 64 * MiB
	docVersions       = 1000
)

// workloads, in the order they run.
var workloads = []string{"small", "large", "npm", "pypi", "maven", "upload", "scale", "s3"}

type byteSize int64

func (b *byteSize) String() string { return fmtBytes(int64(*b)) }

func (b *byteSize) Set(s string) error {
	v, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(v)
	return nil
}

func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.LastIndexAny(t, "0123456789")
	num, unit := t[:i+1], strings.ToLower(strings.TrimSpace(t[i+1:]))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
		"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("bad size unit in %q (use B, KiB, MiB, GiB)", s)
	}
	return int64(f * mult), nil
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/MiB)
	}
	return fmt.Sprintf("%dB", n)
}

func fmtMiB(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/MiB) }

type options struct {
	duration    time.Duration
	runs        int
	concurrency int
	quick       bool
	only        map[string]bool
	scale       []int
	uploadSize  byteSize
	sizeLarge   byteSize // S3's download file
	downloads   int      // S3's timed downloads per path
	keep        bool
	noVerify    bool
}

func (o options) want(w string) bool { return o.only[w] }

func main() {
	var o options
	o.sizeLarge = 256 * MiB
	o.uploadSize = 1 << 30
	var only, scale string
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "duration of each timed run of each load")
	flag.IntVar(&o.runs, "runs", 3, "timed runs of each load, alternated between the servers (the median is reported)")
	flag.IntVar(&o.concurrency, "concurrency", 16, "keep-alive connections of the load generator")
	flag.BoolVar(&o.quick, "quick", false, "a short trial: 1s runs, 10,000 versions at scale, a 256 MiB upload, no S3")
	flag.StringVar(&only, "only", "", "comma-separated workloads to run (default: all): "+strings.Join(workloads, ","))
	flag.StringVar(&scale, "scale", "10000,100000", "version counts of the scale workload")
	flag.Var(&o.uploadSize, "upload-size", "size of the streamed upload (e.g. 1GiB, 128MiB)")
	flag.Var(&o.sizeLarge, "size-large", "size of the S3 workload's download file")
	flag.IntVar(&o.downloads, "downloads", 5, "timed downloads of the S3 workload's file per path (after 1 warm-up)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (files, data dirs, logs, configs)")
	flag.BoolVar(&o.noVerify, "no-verify", false, "skip reading back and hashing the uploaded file")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["duration"] {
			o.duration = time.Second
		}
		if !set["scale"] {
			scale = "10000"
		}
		if !set["upload-size"] {
			o.uploadSize = 256 * MiB
		}
	}
	o.only = map[string]bool{}
	for _, w := range strings.Split(only, ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		if !slices.Contains(workloads, w) {
			fmt.Fprintf(os.Stderr, "bench: unknown workload %q (have %s)\n", w, strings.Join(workloads, ","))
			os.Exit(2)
		}
		o.only[w] = true
	}
	if len(o.only) == 0 {
		for _, w := range workloads {
			o.only[w] = !(w == "s3" && o.quick)
		}
	}
	for _, f := range strings.Split(scale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 200 {
			fmt.Fprintf(os.Stderr, "bench: bad -scale %q (version counts of at least 200)\n", scale)
			os.Exit(2)
		}
		o.scale = append(o.scale, n)
	}
	slices.Sort(o.scale)
	if flag.NArg() > 0 || o.concurrency < 1 || o.runs < 1 || o.downloads < 1 || o.duration <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(o))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(o options) int {
	var cl cleanups
	defer cl.run()
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigc
		logf("%v: stopping children and cleaning up", s)
		cl.run()
		os.Exit(130)
	}()
	rep, err := bench(o, &cl)
	if err != nil {
		logf("setup failed: %v", err)
		return 1
	}
	cl.run()
	rep.print(os.Stdout)
	return 0
}

type uploadStats struct {
	el                time.Duration
	before, peak, hwm int64
	after             int64
	samples           int64
	cpu               time.Duration // server CPU during the PUT
	hwmReset          bool
	verify            string
}

// rssGrowth is the upload's peak RSS growth (the sampled peak, or the kernel's
// high-water mark when it was reset before the upload) and its verdict.
func (u *uploadStats) rssGrowth() (int64, string) {
	peak := u.peak
	if u.hwmReset && u.hwm > peak {
		peak = u.hwm
	}
	growth := peak - u.before
	if growth > targetUploadRSS {
		return growth, "MISSED"
	}
	return growth, "ok"
}

func execOutput(bin string, args ...string) (string, error) {
	out, err := execCombined(bin, args...)
	return string(out), err
}

// loadAvg returns the 1/5/15-minute load averages from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// busy reports whether the 1-minute load was above half the CPUs.
func busy(load string, cpus int) bool {
	f := strings.Fields(load)
	if len(f) == 0 {
		return false
	}
	l, err := strconv.ParseFloat(f[0], 64)
	return err == nil && l > float64(cpus)/2
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
