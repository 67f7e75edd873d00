// Command bench measures the registry against nginx on loopback: large-file
// download throughput, small-file requests/s with latency percentiles, and a
// streamed upload with the server's RSS growth. It prints a report table and
// a final line "bench: ok" or the list of missed targets. It exits non-zero
// only when the setup fails (build, start, project creation, file uploads).
//
//	go run ./cmd/bench [-size-large 256MiB] [-upload-size 1GiB] [-duration 5s]
//	                   [-concurrency 8] [-downloads 5] [-keep] [-nginx-only]
package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// Targets.
const (
	targetDownloadRatio = 0.9      // registry download MiB/s >= 0.9x nginx
	targetUploadRSS     = 64 * MiB // peak RSS growth during the upload
)

// byteSize is a flag.Value accepting 1024, 1KiB, 32MiB, 1GiB, 1.5G, 256M ...
// (K/M/G with or without "iB"/"B" are all binary multiples).
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
	sizeLarge   byteSize
	uploadSize  byteSize
	duration    time.Duration
	concurrency int
	downloads   int
	keep        bool
	nginxOnly   bool
	noVerify    bool
	noS3        bool
}

func main() {
	var o options
	o.sizeLarge = 256 * MiB
	o.uploadSize = 1 << 30
	flag.Var(&o.sizeLarge, "size-large", "size of the large download file (e.g. 256MiB, 32MiB)")
	flag.Var(&o.uploadSize, "upload-size", "size of the streamed upload (e.g. 1GiB, 128MiB)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "duration of the small-file requests/s test, per server")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent keep-alive clients in the requests/s test")
	flag.IntVar(&o.downloads, "downloads", 5, "timed sequential downloads of the large file per server (after 1 warm-up)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (files, data dir, logs, nginx config)")
	flag.BoolVar(&o.nginxOnly, "nginx-only", false, "measure nginx only (no registry build/start, no targets)")
	flag.BoolVar(&o.noVerify, "no-verify", false, "skip reading back and hashing the uploaded file")
	flag.BoolVar(&o.noS3, "no-s3", false, "skip the S3 storage figures (they need MinIO from .ci/install.d/s3.sh)")
	flag.Parse()
	if flag.NArg() > 0 || o.concurrency < 1 || o.downloads < 1 || o.duration <= 0 {
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

	if err := bench(o, &cl); err != nil {
		logf("setup failed: %v", err)
		return 1
	}
	return 0
}

type report struct {
	o         options
	loadStart string
	loadEnd   string
	nginxVer  string
	dl        map[string]downloadStats
	rps       map[string]rpsStats
	checks    []string // informational lines
	upload    *uploadStats
	uploadErr error
	stopLine  string
	s3        *s3Report
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

func bench(o options, cl *cleanups) error {
	tmp, err := os.MkdirTemp("", "pkgreg-bench-")
	if err != nil {
		return err
	}
	cl.push(func() {
		if o.keep {
			logf("kept temp dir %s", tmp)
			return
		}
		if err := os.RemoveAll(tmp); err != nil {
			logf("remove %s: %v", tmp, err)
		}
	})
	filesDir := filepath.Join(tmp, "files")
	dataDir := filepath.Join(tmp, "data")
	ngxDir := filepath.Join(tmp, "nginx")
	for _, d := range []string{filesDir, dataDir, ngxDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	rep := &report{o: o, dl: map[string]downloadStats{}, rps: map[string]rpsStats{}, loadStart: loadAvg()}

	// nginx binary first: an apt-get install should happen before anything
	// slow is built.
	ngxBin, err := findNginx(logf)
	if err != nil {
		return err
	}
	if out, err := execOutput(ngxBin, "-v"); err == nil {
		rep.nginxVer = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "nginx version:"))
	}

	// 1. build the registry.
	var regBin string
	if !o.nginxOnly {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		regBin = filepath.Join(tmp, "registry")
		logf("go build -o %s ./cmd/registry", regBin)
		if err := buildRegistry(root, regBin); err != nil {
			return err
		}
	}

	// 4. test files.
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return err
	}
	rng := mrand.NewChaCha8(seed)
	smallPath := filepath.Join(filesDir, "small.bin")
	largePath := filepath.Join(filesDir, "large.bin")
	logf("writing %s and %s test files", fmtBytes(1024), fmtBytes(int64(o.sizeLarge)))
	if _, err := writeRandomFile(smallPath, 1024, rng); err != nil {
		return err
	}
	largeSum, err := writeRandomFile(largePath, int64(o.sizeLarge), rng)
	if err != nil {
		return err
	}

	var srvs []*server
	var reg *child
	var regBase, token string
	var projectID int64
	if !o.nginxOnly {
		// 2. start the registry.
		port, err := freePort()
		if err != nil {
			return err
		}
		tok := make([]byte, 16)
		if _, err := rand.Read(tok); err != nil {
			return err
		}
		token = hex.EncodeToString(tok)
		regBase = fmt.Sprintf("http://127.0.0.1:%d", port)
		env := append(os.Environ(), "REGISTRY_BOOTSTRAP_TOKEN="+token)
		reg, err = startChild("registry", filepath.Join(tmp, "registry.log"), env, regBin,
			"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dataDir)
		if err != nil {
			return err
		}
		cl.push(func() { stopRegistry(reg, rep) })
		took, err := waitReady(regBase+"/-/readiness", reg, 60*time.Second)
		if err != nil {
			return err
		}
		logf("registry pid %d ready on %s after %v", reg.pid(), regBase, took.Round(time.Millisecond))

		// 3. project.
		projectID, err = createProject(regBin, dataDir, "root/bench", os.Environ())
		if err != nil {
			return err
		}
		logf("project root/bench id %d", projectID)

		// 5. upload the test files.
		upc := &http.Client{Transport: newTransport(1), Timeout: 10 * time.Minute}
		for _, p := range []string{smallPath, largePath} {
			u := genericURL(regBase, projectID, "1.0.0", filepath.Base(p))
			if err := putFile(upc, u, token, p); err != nil {
				return fmt.Errorf("%w\nregistry log:\n%s", err, reg.logTail(20))
			}
		}
		upc.CloseIdleConnections()
		srvs = append(srvs, &server{
			name:     "registry",
			pid:      reg.pid(),
			token:    token,
			smallURL: genericURL(regBase, projectID, "1.0.0", "small.bin"),
			largeURL: genericURL(regBase, projectID, "1.0.0", "large.bin"),
		})
	}

	// 6. nginx.
	ngxPort, err := freePort()
	if err != nil {
		return err
	}
	workers := 2
	conf, err := writeNginxConf(ngxDir, filesDir, ngxPort, workers)
	if err != nil {
		return err
	}
	if err := checkNginxConf(ngxBin, ngxDir, conf); err != nil {
		return err
	}
	ngx, err := startChild("nginx", filepath.Join(ngxDir, "stdout.log"), os.Environ(), ngxBin, nginxArgs(ngxDir, conf)...)
	if err != nil {
		return err
	}
	cl.push(func() {
		// SIGQUIT: graceful shutdown of master and workers.
		if _, _, killed := ngx.stop(syscall.SIGQUIT, 10*time.Second); killed {
			logf("nginx did not stop on SIGQUIT within 10s; killed")
		}
	})
	ngxBase := fmt.Sprintf("http://127.0.0.1:%d", ngxPort)
	if _, err := waitReady(ngxBase+"/small.bin", ngx, 20*time.Second); err != nil {
		return fmt.Errorf("%w\nnginx error.log:\n%s", err, fileTail(filepath.Join(ngxDir, "error.log"), 20))
	}
	logf("nginx pid %d ready on %s", ngx.pid(), ngxBase)
	srvs = append(srvs, &server{name: "nginx", pid: ngx.pid(), smallURL: ngxBase + "/small.bin", largeURL: ngxBase + "/large.bin"})

	// Functional checks (informational).
	for _, s := range srvs {
		if err := rangeCheck(s, largePath, 100, 1024); err != nil {
			rep.checks = append(rep.checks, fmt.Sprintf("%s: Range bytes=100-1123: FAIL: %v", s.name, err))
		} else {
			rep.checks = append(rep.checks, fmt.Sprintf("%s: Range bytes=100-1123: 206, content matches", s.name))
		}
	}
	if !o.nginxOnly {
		rs := srvs[0]
		c := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Second}
		if r, err := doGet(c, rs.smallURL, token, nil, false, make([]byte, 4096)); err == nil {
			rep.checks = append(rep.checks, fmt.Sprintf("registry: GET small.bin: %d, %d bytes, Content-Type %q", r.status, r.n, r.ctype))
		} else {
			rep.checks = append(rep.checks, fmt.Sprintf("registry: GET small.bin: FAIL: %v", err))
		}
		c.CloseIdleConnections()
		if st, err := statusOf(rs.smallURL, ""); err == nil {
			rep.checks = append(rep.checks, fmt.Sprintf("registry: GET small.bin without token (private project): %d", st))
		}
	}

	// 7a. download throughput.
	logf("download: %d x %s per server (+1 warm-up, sha256-verified)", o.downloads, fmtBytes(int64(o.sizeLarge)))
	dls := measureDownloads(srvs, int64(o.sizeLarge), largeSum, o.downloads, logf)
	for i, s := range srvs {
		rep.dl[s.name] = dls[i]
	}

	// 7b. small-file requests/s.
	for i := len(srvs) - 1; i >= 0; i-- { // nginx first
		s := srvs[i]
		logf("rps: %s, %d clients, %v", s.name, o.concurrency, o.duration)
		rep.rps[s.name] = measureRPS(s, 1024, o.concurrency, o.duration)
	}

	// 8. streamed upload.
	if !o.nginxOnly {
		logf("upload: %s streamed", fmtBytes(int64(o.uploadSize)))
		rep.upload, rep.uploadErr = measureUpload(o, reg, regBase, projectID, token)
		if rep.uploadErr != nil {
			logf("upload: %v", rep.uploadErr)
		}
	}

	// 8b. the same on S3 storage.
	if !o.nginxOnly && !o.noS3 {
		rep.s3 = benchS3(o, cl, tmp, regBin, largePath, largeSum)
		rep.s3.fileUpload = rep.upload
	}

	// 9. stop everything (the registry with SIGTERM, recorded in the report).
	rep.loadEnd = loadAvg()
	cl.run()
	rep.print(os.Stdout)
	return nil
}

func stopRegistry(reg *child, rep *report) {
	el, err, killed := reg.stop(syscall.SIGTERM, 20*time.Second)
	switch {
	case killed:
		rep.stopLine = fmt.Sprintf("registry: did not exit within 20s of SIGTERM; killed (SIGKILL)")
	case err != nil:
		rep.stopLine = fmt.Sprintf("registry: SIGTERM -> exited after %v with %v", el.Round(time.Millisecond), err)
	default:
		rep.stopLine = fmt.Sprintf("registry: SIGTERM -> exited 0 after %v", el.Round(time.Millisecond))
	}
	logf("%s", rep.stopLine)
}

func measureUpload(o options, reg *child, base string, projectID int64, token string) (*uploadStats, error) {
	var nb [8]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, err
	}
	nonce := binary.LittleEndian.Uint64(nb[:])
	block := make([]byte, 1*MiB)
	if _, err := rand.Read(block); err != nil {
		return nil, err
	}
	size := int64(o.uploadSize)
	url := genericURL(base, projectID, "1.0.1", fmt.Sprintf("upload-%016x.bin", nonce))

	pid := reg.pid()
	time.Sleep(200 * time.Millisecond) // let the server settle after the rps test
	st := &uploadStats{}
	st.hwmReset = resetHWM(pid) == nil
	m, err := procStatus(pid, "VmRSS")
	if err != nil {
		return nil, err
	}
	st.before = m["VmRSS"]
	cpu0, _ := procCPU(pid)
	sampler := startRSSSampler(pid, 20*time.Millisecond)
	cl := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Minute}
	defer cl.CloseIdleConnections()
	el, upErr := putBody(cl, url, token, newGenReader(block, nonce, size), size)
	st.peak = sampler.stop()
	if cpu1, err := procCPU(pid); err == nil {
		st.cpu = cpu1 - cpu0
	}
	st.samples = sampler.samples.Load()
	st.el = el
	if m, err := procStatus(pid, "VmRSS", "VmHWM"); err == nil {
		st.after = m["VmRSS"]
		st.hwm = m["VmHWM"]
	}
	if upErr != nil {
		return st, fmt.Errorf("%w\nregistry log:\n%s", upErr, reg.logTail(20))
	}
	if !o.noVerify {
		h := sha256New()
		io.Copy(h, newGenReader(block, nonce, size))
		want := hex.EncodeToString(h.Sum(nil))
		r, err := doGet(&http.Client{Transport: newTransport(1)}, url, token, nil, true, make([]byte, 1*MiB))
		switch {
		case err != nil:
			st.verify = "read back: FAIL: " + err.Error()
		case r.status != http.StatusOK || r.n != size:
			st.verify = fmt.Sprintf("read back: FAIL: status %d, %d bytes (want 200, %d)", r.status, r.n, size)
		case r.sum != want:
			st.verify = "read back: FAIL: sha256 differs"
		default:
			st.verify = fmt.Sprintf("read back: 200, %s, sha256 matches", fmtBytes(r.n))
		}
	}
	return st, nil
}

func execOutput(bin string, args ...string) (string, error) {
	out, err := execCombined(bin, args...)
	return string(out), err
}

func (r *report) print(w io.Writer) {
	o := r.o
	fmt.Fprintf(w, "\nregistry vs nginx on loopback (%d CPUs; nginx %s)\n", runtime.NumCPU(), r.nginxVer)
	fmt.Fprintf(w, "large file %s x %d downloads (+1 warm-up); 1 KiB GETs: %d keep-alive clients x %v per server",
		fmtBytes(int64(o.sizeLarge)), o.downloads, o.concurrency, o.duration)
	if !o.nginxOnly {
		fmt.Fprintf(w, "; upload %s streamed", fmtBytes(int64(o.uploadSize)))
	}
	fmt.Fprintf(w, "\nclient and servers share the machine's CPUs; load average at start %s, at end %s\n",
		r.loadStart, r.loadEnd)
	if busy(r.loadStart, runtime.NumCPU()) {
		fmt.Fprintf(w, "WARNING: the machine was busy before the bench started; figures are noisy\n")
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tregistry\tnginx\tratio\ttarget\tresult")
	fmt.Fprintln(tw, "------\t--------\t-----\t-----\t------\t------")
	var missed []string

	ratio := func(a, b float64) string {
		if a <= 0 || b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	val := func(f func() string, ok bool) string {
		if !ok {
			return "-"
		}
		return f()
	}

	rd, rdOK := r.dl["registry"]
	nd, ndOK := r.dl["nginx"]
	dlCell := func(d downloadStats, ok bool, f func(downloadStats) string) string {
		if !ok {
			return "-"
		}
		if d.err != nil {
			return "ERROR"
		}
		return f(d)
	}
	med := func(d downloadStats) string { return fmt.Sprintf("%.0f", d.median()) }
	mm := func(d downloadStats) string {
		lo, hi := d.minmax()
		return fmt.Sprintf("%.0f..%.0f", lo, hi)
	}
	dlRes, dlRatio := "", "-"
	if !o.nginxOnly {
		switch {
		case rd.err != nil:
			dlRes = "MISSED"
			missed = append(missed, "download: registry error: "+rd.err.Error())
		case nd.err != nil:
			dlRes = "n/a"
			missed = append(missed, "download: nginx error (no baseline): "+nd.err.Error())
		default:
			q := rd.median() / nd.median()
			dlRatio = ratio(rd.median(), nd.median())
			if q >= targetDownloadRatio {
				dlRes = "ok"
			} else {
				dlRes = "MISSED"
				missed = append(missed, fmt.Sprintf("download %.2fx nginx < %.2fx", q, targetDownloadRatio))
			}
		}
	}
	fmt.Fprintf(tw, "download MiB/s (median)\t%s\t%s\t%s\t>= %.2fx\t%s\n",
		dlCell(rd, rdOK, med), dlCell(nd, ndOK, med), dlRatio, targetDownloadRatio, dlRes)
	fmt.Fprintf(tw, "download MiB/s (min..max)\t%s\t%s\t\t\t\n", dlCell(rd, rdOK, mm), dlCell(nd, ndOK, mm))

	rr, rrOK := r.rps["registry"]
	nr, nrOK := r.rps["nginx"]
	rpsCell := func(s rpsStats, ok bool, f func(rpsStats) string) string {
		if !ok {
			return "-"
		}
		if s.requests == 0 {
			return "ERROR"
		}
		return f(s)
	}
	cpuPerGiB := func(d downloadStats) string {
		if len(d.runs) == 0 || d.cpu <= 0 {
			return "~0"
		}
		return fmt.Sprintf("%.2f s", d.cpu.Seconds()/(float64(len(d.runs))*float64(o.sizeLarge)/(1<<30)))
	}
	fmt.Fprintf(tw, "download server CPU per GiB\t%s\t%s\t\t\t\n", dlCell(rd, rdOK, cpuPerGiB), dlCell(nd, ndOK, cpuPerGiB))
	fmt.Fprintf(tw, "1 KiB GET req/s\t%s\t%s\t%s\t\t\n",
		rpsCell(rr, rrOK, func(s rpsStats) string { return fmt.Sprintf("%.0f", s.rps) }),
		rpsCell(nr, nrOK, func(s rpsStats) string { return fmt.Sprintf("%.0f", s.rps) }),
		ratio(rr.rps, nr.rps))
	lat := func(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
	fmt.Fprintf(tw, "1 KiB GET p50 latency\t%s\t%s\t%s\t\t\n",
		rpsCell(rr, rrOK, func(s rpsStats) string { return lat(s.p50) }),
		rpsCell(nr, nrOK, func(s rpsStats) string { return lat(s.p50) }),
		ratio(float64(rr.p50), float64(nr.p50)))
	fmt.Fprintf(tw, "1 KiB GET p99 latency\t%s\t%s\t%s\t\t\n",
		rpsCell(rr, rrOK, func(s rpsStats) string { return lat(s.p99) }),
		rpsCell(nr, nrOK, func(s rpsStats) string { return lat(s.p99) }),
		ratio(float64(rr.p99), float64(nr.p99)))
	cpuPerReq := func(s rpsStats) string {
		return fmt.Sprintf("%.0f µs (%.0f%% CPU)", float64(s.cpu)/float64(time.Microsecond)/float64(s.requests),
			100*s.cpu.Seconds()/s.elapsed.Seconds())
	}
	fmt.Fprintf(tw, "1 KiB GET server CPU per req\t%s\t%s\t\t\t\n", rpsCell(rr, rrOK, cpuPerReq), rpsCell(nr, nrOK, cpuPerReq))
	fmt.Fprintf(tw, "1 KiB GET requests (errors)\t%s\t%s\t\t\t\n",
		val(func() string { return fmt.Sprintf("%d (%d)", rr.requests, rr.errors) }, rrOK),
		val(func() string { return fmt.Sprintf("%d (%d)", nr.requests, nr.errors) }, nrOK))
	for _, n := range []string{"registry", "nginx"} {
		if s, ok := r.rps[n]; ok && s.firstErr != nil {
			missed = append(missed, fmt.Sprintf("1 KiB GET: %s: %d errors, first: %v", n, s.errors, s.firstErr))
		}
	}

	if !o.nginxOnly {
		u := r.upload
		switch {
		case u == nil:
			fmt.Fprintf(tw, "upload MiB/s\tERROR\t-\t\t\t\n")
			missed = append(missed, "upload: "+firstLine(r.uploadErr))
		default:
			upRate := "ERROR"
			if r.uploadErr == nil {
				upRate = fmt.Sprintf("%.0f", float64(o.uploadSize)/MiB/u.el.Seconds())
			} else {
				missed = append(missed, "upload: "+firstLine(r.uploadErr))
			}
			fmt.Fprintf(tw, "upload MiB/s (%s, 201)\t%s\t-\t\t\t\n", fmtBytes(int64(o.uploadSize)), upRate)
			fmt.Fprintf(tw, "upload server CPU per GiB\t%.2f s (%.0f%% CPU)\t\t\t\t\n",
				u.cpu.Seconds()/(float64(o.uploadSize)/(1<<30)), 100*u.cpu.Seconds()/u.el.Seconds())
			fmt.Fprintf(tw, "upload RSS before\t%s\t\t\t\t\n", fmtMiB(u.before))
			fmt.Fprintf(tw, "upload RSS peak (VmRSS every 20ms, %d samples)\t%s\t\t\t\t\n", u.samples, fmtMiB(u.peak))
			hwmNote := "upload VmHWM at end (reset before upload)"
			if !u.hwmReset {
				hwmNote = "upload VmHWM at end (since process start)"
			}
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t\n", hwmNote, fmtMiB(u.hwm))
			fmt.Fprintf(tw, "upload RSS after\t%s\t\t\t\t\n", fmtMiB(u.after))
			growth, res := u.rssGrowth()
			if res != "ok" {
				missed = append(missed, fmt.Sprintf("upload peak RSS growth %s > %s", fmtMiB(growth), fmtMiB(targetUploadRSS)))
			}
			fmt.Fprintf(tw, "upload peak RSS growth\t%s\t\t\t<= %s\t%s\n", fmtMiB(growth), fmtMiB(targetUploadRSS), res)
		}
	}
	tw.Flush()

	if len(r.checks) > 0 || r.stopLine != "" || (r.upload != nil && r.upload.verify != "") {
		fmt.Fprintln(w, "\nchecks:")
		for _, c := range r.checks {
			fmt.Fprintln(w, "  "+c)
		}
		if r.upload != nil && r.upload.verify != "" {
			fmt.Fprintln(w, "  registry: upload "+r.upload.verify)
			if strings.Contains(r.upload.verify, "FAIL") {
				missed = append(missed, "upload "+r.upload.verify)
			}
		}
		if r.stopLine != "" {
			fmt.Fprintln(w, "  "+r.stopLine)
		}
	}
	if r.s3 != nil {
		missed = append(missed, r.s3.print(w, o)...)
	}
	fmt.Fprintln(w)
	if len(missed) == 0 {
		if o.nginxOnly {
			fmt.Fprintln(w, "bench: ok (nginx only; no targets evaluated)")
		} else {
			fmt.Fprintln(w, "bench: ok")
		}
		return
	}
	fmt.Fprintln(w, "bench: missed targets:")
	for _, m := range missed {
		fmt.Fprintln(w, "  - "+m)
	}
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
