package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The index documents of 1,000 versions: the npm packument (beside Verdaccio),
// the PyPI simple page and maven-metadata.xml.

const (
	docNPM      = "@root/bench-doc"
	docPyPI     = "bench-doc"
	docGroup    = "com.example"
	docArtifact = "bench-doc"
)

// docSet is the documents seeded, by workload: the URL and a one-off check of
// the whole document.
type docSet struct {
	urls   map[string]string
	header map[string]map[string]string
}

type docKind struct {
	workload, typ string
	publish       func(in *instance, projectID int64, version string) error
	path          func(projectID int64) string
	header        func(token string) map[string]string
	check         func(int, []byte, int64) error
}

func docKinds() []docKind {
	private := func(t string) map[string]string { return map[string]string{"PRIVATE-TOKEN": t} }
	return []docKind{
		{workload: "npm", typ: "npm",
			publish: func(in *instance, p int64, v string) error { return publishNPM(in, p, docNPM, v) },
			path:    func(p int64) string { return npmPath(p, docNPM) },
			header:  func(t string) map[string]string { return map[string]string{"Authorization": "Bearer " + t} },
			check:   countVersions(docVersions)},
		{workload: "pypi", typ: "pypi",
			publish: func(in *instance, p int64, v string) error { return publishPyPI(in, p, docPyPI, v) },
			path:    func(p int64) string { return pypiSimplePath(p, docPyPI) },
			header:  private, check: countIn("<a ", docVersions)},
		{workload: "maven", typ: "maven",
			publish: func(in *instance, p int64, v string) error { return publishMaven(in, p, docGroup, docArtifact, v) },
			path:    func(p int64) string { return mavenMetadataPath(p, docGroup, docArtifact) },
			header:  private, check: countIn("<version>", docVersions)},
	}
}

// seedDocs publishes the first version of each document's package, clones it to
// the 999th with the instance stopped, publishes the last, and checks that each
// document lists all of them.
func seedDocs(o options, reg *instance, projectID int64) (*docSet, error) {
	var kinds []docKind
	for _, k := range docKinds() {
		if o.want(k.workload) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		if err := k.publish(reg, projectID, docVersion(0)); err != nil {
			return nil, fmt.Errorf("%s: first publish: %w", k.workload, err)
		}
	}
	reg.stop()
	clones := make([]clone, 0, docVersions-2)
	for i := 1; i < docVersions-1; i++ {
		clones = append(clones, clone{version: docVersion(i)})
	}
	for _, k := range kinds {
		if err := cloneVersions(context.Background(), reg.dbURL(), projectID, k.typ, "", docVersion(0), clones); err != nil {
			return nil, fmt.Errorf("%s: %w", k.workload, err)
		}
	}
	if err := reg.start(); err != nil {
		return nil, err
	}
	ds := &docSet{urls: map[string]string{}, header: map[string]map[string]string{}}
	for _, k := range kinds {
		if err := k.publish(reg, projectID, docVersion(docVersions-1)); err != nil {
			return nil, fmt.Errorf("%s: last publish: %w", k.workload, err)
		}
		u, h := reg.base+k.path(projectID), k.header(reg.token)
		if err := checkOnce(u, h, k.check); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", k.workload, shortURL(u), err)
		}
		ds.urls[k.workload], ds.header[k.workload] = u, h
	}
	return ds, nil
}

// checkOnce GETs url uncompressed and checks the whole answer.
func checkOnce(url string, header map[string]string, check func(int, []byte, int64) error) error {
	cl := &http.Client{Transport: newTransport(1), Timeout: 60 * time.Second}
	defer cl.CloseIdleConnections()
	l := load{url: url, header: header, check: check, keep: 64 << 20}
	return runOnce(cl, l)
}

// gzipped adds the Accept-Encoding clients send for documents.
func gzipped(h map[string]string) map[string]string {
	out := map[string]string{"Accept-Encoding": "gzip"}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func benchDocs(o options, cl *cleanups, rep *report, reg *instance, ds *docSet, dir string) error {
	doc := func(w string) load {
		return load{server: "registry", pid: reg.pid(), url: ds.urls[w], header: gzipped(ds.header[w]), check: status200(-1), keep: 512}
	}
	if o.want("npm") {
		versions := make([]string, docVersions)
		for i := range versions {
			versions[i] = docVersion(i)
		}
		v, err := startVerdaccio(dir, docNPM, versions)
		if err != nil {
			return err
		}
		cl.push(v.stop)
		rep.versions = append(rep.versions, "Verdaccio "+v.version)
		vu := v.base + "/" + docNPM
		peer := load{server: "verdaccio", pid: v.c.pid(), url: vu, header: map[string]string{"Accept-Encoding": "gzip"}, check: status200(-1), keep: 512}
		if err := checkOnce(vu, nil, countVersions(docVersions)); err != nil {
			return fmt.Errorf("verdaccio: %s: %w", shortURL(vu), err)
		}
		logf("npm: packument of %d versions, gzip accepted, %d x %v per server", docVersions, o.runs, o.duration)
		ss := interleave([]load{doc("npm"), peer}, o.runs, o.concurrency, o.duration)
		rep.rateRow(fmt.Sprintf("npm packument, %d versions", docVersions), ss[0], ss[1], targetNPMRate, targetNPMP99)
	}
	for _, w := range []struct{ workload, name string }{
		{"pypi", fmt.Sprintf("PyPI simple page, %d files", docVersions)},
		{"maven", fmt.Sprintf("maven-metadata.xml, %d versions", docVersions)},
	} {
		if !o.want(w.workload) {
			continue
		}
		logf("%s: %s, %d x %v", w.workload, w.name, o.runs, o.duration)
		ss := interleave([]load{doc(w.workload)}, o.runs, o.concurrency, o.duration)
		rep.rateRow(w.name, ss[0], nil, targetDocRate, 0)
	}
	return nil
}

// rateRow reports a series against absolute targets: req/s at least minRate and,
// when maxP99 > 0, p99 at most maxP99; a peer, when there is one, for the ratio.
func (r *report) rateRow(name string, s, peer *series, minRate float64, maxP99 time.Duration) {
	target := fmt.Sprintf(">= %.0f req/s", minRate)
	if maxP99 > 0 {
		target += fmt.Sprintf(", p99 <= %s", ms(maxP99))
	}
	var res string
	if f := s.failure(); f != "" {
		res = r.verdict(false, "%s: %s", name, f)
	} else {
		ok := s.rps() >= minRate
		if !ok {
			r.miss("%s: %.0f req/s < %.0f", name, s.rps(), minRate)
		}
		if maxP99 > 0 && s.p99() > maxP99 {
			ok = false
			r.miss("%s: p99 %s > %s", name, ms(s.p99()), ms(maxP99))
		}
		res = map[bool]string{true: "ok", false: "MISSED"}[ok]
	}
	x := row{workload: name, registry: fmt.Sprintf("%.0f req/s, p99 %s", s.rps(), ms(s.p99())), peer: "-", ratio: "-", target: target, result: res}
	if peer != nil {
		x.peer = fmt.Sprintf("%s %.0f", peer.server, peer.rps())
		x.ratio = ratio(s.rps(), peer.rps())
		if f := peer.failure(); f != "" {
			r.miss("%s: peer: %s", name, f)
		}
	}
	r.add(x)
	r.latency(name, s, peer)
}
