package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// report is what the run found, printed at its end.
type report struct {
	o                  options
	loadStart, loadEnd string
	versions           []string // of the peers
	rows               []row
	details            []string
	checks             []string
	missed             []string
	s3                 *s3Report
}

// row is one line of the table: a workload's figure beside its peer's.
type row struct {
	workload, registry, peer, ratio, target, result string
}

func (r *report) add(x row) { r.rows = append(r.rows, x) }

func (r *report) miss(format string, args ...any) {
	r.missed = append(r.missed, fmt.Sprintf(format, args...))
}

func (r *report) detail(format string, args ...any) {
	r.details = append(r.details, fmt.Sprintf(format, args...))
}

// verdict is "ok" or "MISSED", recording what was missed.
func (r *report) verdict(ok bool, format string, args ...any) string {
	if ok {
		return "ok"
	}
	r.miss(format, args...)
	return "MISSED"
}

func bench(o options, cl *cleanups) (*report, error) {
	rep := &report{o: o, loadStart: loadAvg()}
	tmp, err := os.MkdirTemp("", "pkgreg-bench-")
	if err != nil {
		return nil, err
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

	var ngxBin string
	if o.want("small") || o.want("large") {
		if ngxBin, err = findNginx(logf); err != nil {
			return nil, err
		}
		if out, err := execOutput(ngxBin, "-v"); err == nil {
			rep.versions = append(rep.versions, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "nginx version:")))
		}
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	regBin := filepath.Join(tmp, "registry")
	logf("go build -o %s ./cmd/registry", regBin)
	if err := buildRegistry(root, regBin); err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(tok)

	var fileUpload *uploadStats
	if o.want("small") || o.want("large") || o.want("npm") || o.want("pypi") || o.want("maven") || o.want("upload") {
		if fileUpload, err = benchMain(o, cl, rep, regBin, ngxBin, tmp, token); err != nil {
			return nil, err
		}
	}
	if o.want("scale") {
		if err := benchScale(o, cl, rep, regBin, tmp, token); err != nil {
			return nil, err
		}
	}
	if o.want("s3") {
		largePath := filepath.Join(tmp, "large.bin")
		var seed [32]byte
		rand.Read(seed[:])
		largeSum, err := writeRandomFile(largePath, int64(o.sizeLarge), mrand.NewChaCha8(seed))
		if err != nil {
			return nil, err
		}
		rep.s3 = benchS3(o, cl, tmp, regBin, largePath, largeSum)
		rep.s3.fileUpload = fileUpload
	}
	rep.loadEnd = loadAvg()
	return rep, nil
}

// benchMain runs the workloads of the main instance (SQLite): the generic files,
// the index documents and the upload.
func benchMain(o options, cl *cleanups, rep *report, regBin, ngxBin, tmp, token string) (*uploadStats, error) {
	reg, err := newInstance("registry", regBin, filepath.Join(tmp, "data"), "", token)
	if err != nil {
		return nil, err
	}
	cl.push(func() {
		if l := reg.stop(); l != "" {
			rep.checks = append(rep.checks, l)
		}
	})
	if err := reg.start(); err != nil {
		return nil, err
	}
	private, err := reg.project("root/bench", "private")
	if err != nil {
		return nil, err
	}
	public, err := reg.project("root/public", "public")
	if err != nil {
		return nil, err
	}

	var docs *docSet
	if o.want("npm") || o.want("pypi") || o.want("maven") {
		if docs, err = seedDocs(o, reg, private); err != nil {
			return nil, err
		}
	}
	if o.want("small") || o.want("large") {
		if err := benchFiles(o, cl, rep, reg, ngxBin, filepath.Join(tmp, "nginx"), private, public); err != nil {
			return nil, err
		}
	}
	if docs != nil {
		if err := benchDocs(o, cl, rep, reg, docs, filepath.Join(tmp, "verdaccio")); err != nil {
			return nil, err
		}
	}
	if o.want("upload") {
		return benchUpload(o, rep, reg, private), nil
	}
	return nil, nil
}

// benchFiles: the generic GETs of 1 KiB (with a token on a private project, and
// anonymous on a public one) and of 1 MiB, against nginx serving the same files.
func benchFiles(o options, cl *cleanups, rep *report, reg *instance, ngxBin, ngxDir string, private, public int64) error {
	filesDir := filepath.Join(ngxDir, "files")
	if err := os.MkdirAll(filesDir, 0o755); err != nil {
		return err
	}
	var seed [32]byte
	rand.Read(seed[:])
	rng := mrand.NewChaCha8(seed)
	sizes := map[string]int64{"small.bin": 1 << 10, "medium.bin": 1 << 20}
	for name, size := range sizes {
		p := filepath.Join(filesDir, name)
		if _, err := writeRandomFile(p, size, rng); err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, id := range []int64{private, public} {
			if _, err := reg.send("PUT", genericPath(id, "1.0.0", name), "application/octet-stream", b); err != nil {
				return err
			}
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	conf, err := writeNginxConf(ngxDir, filesDir, port, 2)
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
		if _, _, killed := ngx.stop(syscall.SIGQUIT, 10*time.Second); killed {
			logf("nginx did not stop on SIGQUIT within 10s; killed")
		}
	})
	ngxBase := fmt.Sprintf("http://127.0.0.1:%d", port)
	if _, err := waitReady(ngxBase+"/small.bin", ngx, 20*time.Second); err != nil {
		return fmt.Errorf("%w\nnginx error.log:\n%s", err, fileTail(filepath.Join(ngxDir, "error.log"), 20))
	}
	logf("nginx pid %d ready on %s", ngx.pid(), ngxBase)
	for _, s := range []*server{
		{name: "registry", token: reg.token, largeURL: reg.base + genericPath(private, "1.0.0", "medium.bin")},
		{name: "nginx", largeURL: ngxBase + "/medium.bin"},
	} {
		res := "206, content matches"
		if err := rangeCheck(s, filepath.Join(filesDir, "medium.bin"), 100, 1024); err != nil {
			res = "FAIL: " + err.Error()
			rep.miss("%s: Range request: %v", s.name, err)
		}
		rep.checks = append(rep.checks, fmt.Sprintf("%s: 1 MiB GET, Range bytes=100-1123: %s", s.name, res))
	}
	if st, err := statusOf(reg.base+genericPath(private, "1.0.0", "small.bin"), ""); err == nil {
		rep.checks = append(rep.checks, fmt.Sprintf("registry: 1 KiB GET without a token, private project: %d", st))
	}
	tokenHdr := map[string]string{"PRIVATE-TOKEN": reg.token}
	get := func(server string, pid int, url string, hdr map[string]string, size int64) load {
		return load{server: server, pid: pid, url: url, header: hdr, check: status200(size), keep: 512}
	}
	if o.want("small") {
		logf("small: 1 KiB GET, %d connections, %d x %v per server", o.concurrency, o.runs, o.duration)
		ss := interleave([]load{
			get("registry", reg.pid(), reg.base+genericPath(private, "1.0.0", "small.bin"), tokenHdr, 1<<10),
			get("registry", reg.pid(), reg.base+genericPath(public, "1.0.0", "small.bin"), nil, 1<<10),
			get("nginx", ngx.pid(), ngxBase+"/small.bin", nil, 1<<10),
		}, o.runs, o.concurrency, o.duration)
		for i, name := range []string{"1 KiB generic GET, token", "1 KiB generic GET, anonymous, public"} {
			rep.peerRow(name, ss[i], ss[2], false, targetSmallRatio)
		}
	}
	if o.want("large") {
		logf("large: 1 MiB GET, %d connections, %d x %v per server", o.concurrency, o.runs, o.duration)
		ss := interleave([]load{
			get("registry", reg.pid(), reg.base+genericPath(private, "1.0.0", "medium.bin"), tokenHdr, 1<<20),
			get("nginx", ngx.pid(), ngxBase+"/medium.bin", nil, 1<<20),
		}, o.runs, o.concurrency, o.duration)
		rep.peerRow("1 MiB generic GET, token (MiB/s)", ss[0], ss[1], true, targetLargeRatio)
	}
	return nil
}

func genericPath(projectID int64, version, name string) string {
	return fmt.Sprintf("/api/v4/projects/%d/packages/generic/bench/%s/%s", projectID, version, name)
}

// peerRow reports a series against its peer's, with a ratio target (of req/s, or
// of MiB/s when mib).
func (r *report) peerRow(name string, s, peer *series, mib bool, target float64) {
	val := func(x *series) float64 {
		if mib {
			return x.mibps()
		}
		return x.rps()
	}
	unit := "req/s"
	if mib {
		unit = "MiB/s"
	}
	res := ""
	a, b := val(s), val(peer)
	switch f, pf := s.failure(), peer.failure(); {
	case f != "":
		res = r.verdict(false, "%s: %s", name, f)
	case pf != "":
		res = "n/a"
		r.miss("%s: no baseline: %s", name, pf)
	default:
		res = r.verdict(a/b >= target, "%s: %.2fx %s < %.2fx", name, a/b, peer.server, target)
	}
	r.add(row{workload: name, registry: fmt.Sprintf("%.0f %s", a, unit),
		peer: fmt.Sprintf("%s %.0f", peer.server, b), ratio: ratio(a, b), target: fmt.Sprintf(">= %.2fx %s", target, peer.server), result: res})
	r.latency(name, s, peer)
}

// latency adds the percentiles and server CPU of a series (and its peer's).
func (r *report) latency(name string, ss ...*series) {
	var parts []string
	for _, s := range ss {
		if s == nil || len(s.runs) == 0 {
			continue
		}
		var cpu time.Duration
		var n int64
		for _, x := range s.runs {
			cpu += x.cpu
			n += x.requests
		}
		per := "-"
		if n > 0 {
			per = fmt.Sprintf("%.0f µs", float64(cpu)/float64(time.Microsecond)/float64(n))
		}
		parts = append(parts, fmt.Sprintf("%s p50 %s p99 %s, CPU/req %s, runs %s", s.server, ms(s.p50()), ms(s.p99()), per, s.runRates()))
	}
	r.detail("%s: %s", name, strings.Join(parts, "; "))
}

func (s *series) runRates() string {
	var v []string
	for _, r := range s.runs {
		v = append(v, fmt.Sprintf("%.0f", r.rps))
	}
	return strings.Join(v, "/") + " req/s"
}

func ms(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func (r *report) print(w io.Writer) {
	o := r.o
	peers := strings.Join(r.versions, ", ")
	if peers == "" {
		peers = "no peer in these workloads"
	}
	fmt.Fprintf(w, "\nregistry beside its peers on loopback (%d CPUs; %s)\n", runtime.NumCPU(), peers)
	fmt.Fprintf(w, "load generator: %d keep-alive connections, %d runs x %v per load, alternated, medians; workloads: %s\n",
		o.concurrency, o.runs, o.duration, strings.Join(selected(o), ","))
	fmt.Fprintf(w, "client and servers share the machine's CPUs; load average at start %s, at end %s\n", r.loadStart, r.loadEnd)
	if busy(r.loadStart, runtime.NumCPU()) {
		fmt.Fprintf(w, "WARNING: the machine was busy before the bench started; figures are noisy\n")
	}
	fmt.Fprintln(w)
	if len(r.rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "workload\tregistry\tpeer\tratio\ttarget\tresult")
		fmt.Fprintln(tw, "--------\t--------\t----\t-----\t------\t------")
		for _, x := range r.rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.workload, x.registry, x.peer, x.ratio, x.target, x.result)
		}
		tw.Flush()
	}
	if len(r.details) > 0 {
		fmt.Fprintln(w, "\ndetails:")
		for _, d := range r.details {
			fmt.Fprintln(w, "  "+d)
		}
	}
	if len(r.checks) > 0 {
		fmt.Fprintln(w, "\nchecks:")
		for _, c := range r.checks {
			fmt.Fprintln(w, "  "+c)
		}
	}
	if r.s3 != nil {
		r.missed = append(r.missed, r.s3.print(w, o)...)
	}
	fmt.Fprintln(w)
	if len(r.missed) == 0 {
		fmt.Fprintln(w, "bench: ok")
		return
	}
	fmt.Fprintln(w, "bench: missed targets:")
	for _, m := range r.missed {
		fmt.Fprintln(w, "  - "+m)
	}
}

func selected(o options) []string {
	var out []string
	for _, w := range workloads {
		if o.want(w) {
			out = append(out, w)
		}
	}
	return out
}
