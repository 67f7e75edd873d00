package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The scale workload: one project holding N npm versions (packages of 100
// versions each), at every N of -scale in turn, on SQLite and, when the bench runs
// under scripts/with-postgres (TEST_DATABASE_URL set; make bench does it), on
// Postgres. At each N: the REST package list's first page and a deep one, the
// GraphQL packages first page by its default order and sorted by version, and the
// packument of one package of the project, with their growth against the smallest N.

const (
	scalePerPackage = 100
	scaleTemplate   = "@root/scale-0"
)

// scaleLoad is one request of the scale workload; targeted ones carry the list
// targets at targetListAt versions.
type scaleLoad struct {
	name     string
	path     func(projectID int64, n int) string
	targeted bool
	gzip     bool
}

func scaleLoads() []scaleLoad {
	const nodes = `nodes { id name version packageType status createdAt } pageInfo { hasNextPage endCursor }`
	return []scaleLoad{
		{name: "REST list, first page", targeted: true,
			path: func(p int64, _ int) string { return fmt.Sprintf("/api/v4/projects/%d/packages?per_page=20", p) }},
		{name: "REST list, deep page",
			path: func(p int64, n int) string {
				return fmt.Sprintf("/api/v4/projects/%d/packages?per_page=20&page=%d", p, n/20/2)
			}},
		{name: "GraphQL packages, first page", targeted: true,
			path: func(int64, int) string {
				return gqlPath(`{ project(fullPath: "root/scale") { packages(first: 20) { ` + nodes + ` } } }`)
			}},
		{name: "GraphQL packages by version, first page", targeted: true,
			path: func(int64, int) string {
				return gqlPath(`{ project(fullPath: "root/scale") { packages(first: 20, sort: VERSION_DESC) { ` + nodes + ` } } }`)
			}},
		{name: "npm packument of one package", gzip: true,
			path: func(p int64, _ int) string { return npmPath(p, scaleTemplate) }},
	}
}

// scalePoint is the series of every load at one N.
type scalePoint struct {
	n  int
	ss []*series
}

func benchScale(o options, cl *cleanups, rep *report, regBin, tmp, token string) error {
	dbs := []struct{ name, url string }{{"sqlite", ""}}
	if pg := os.Getenv("TEST_DATABASE_URL"); pg != "" {
		dbs = append(dbs, struct{ name, url string }{"postgres", pg})
	} else {
		rep.miss("scale: Postgres skipped: TEST_DATABASE_URL is unset (make bench runs the bench under scripts/with-postgres)")
	}
	for _, db := range dbs {
		in, err := newInstance("registry-"+db.name, regBin, filepath.Join(tmp, "scale-"+db.name), db.url, token)
		if err != nil {
			return err
		}
		cl.push(func() { in.stop() })
		points, err := scaleOn(o, in)
		if l := in.stop(); l != "" {
			rep.checks = append(rep.checks, l)
		}
		if err != nil {
			return fmt.Errorf("scale on %s: %w", db.name, err)
		}
		rep.scaleRows(db.name, points)
	}
	return nil
}

func scaleOn(o options, in *instance) ([]scalePoint, error) {
	if err := in.start(); err != nil {
		return nil, err
	}
	projectID, err := in.project("root/scale", "private")
	if err != nil {
		return nil, err
	}
	if err := publishNPM(in, projectID, scaleTemplate, "1.0.0"); err != nil {
		return nil, err
	}
	seeded := 1 // versions 1.0.i of @root/scale-k, the k*100+i-th
	var points []scalePoint
	for step, n := range o.scale {
		in.stop()
		var clones []clone
		for ; seeded < n-step-1; seeded++ {
			clones = append(clones, clone{name: fmt.Sprintf("@root/scale-%d", seeded/scalePerPackage),
				version: fmt.Sprintf("1.0.%d", seeded%scalePerPackage)})
		}
		if err := cloneVersions(context.Background(), in.dbURL(), projectID, "npm", scaleTemplate, "1.0.0", clones); err != nil {
			return nil, err
		}
		if err := in.start(); err != nil {
			return nil, err
		}
		// One real publish per step: N versions in all.
		if err := publishNPM(in, projectID, scaleTemplate, fmt.Sprintf("2.0.%d", step)); err != nil {
			return nil, err
		}
		var loads []load
		for _, sl := range scaleLoads() {
			h := map[string]string{"PRIVATE-TOKEN": in.token}
			if sl.gzip {
				h = gzipped(h)
			}
			l := load{server: in.name, pid: in.pid(), url: in.base + sl.path(projectID, n), header: h, check: answered, keep: 4096}
			if err := checkOnce(l.url, map[string]string{"PRIVATE-TOKEN": in.token}, answered); err != nil {
				return nil, fmt.Errorf("%s at %d versions: %w", sl.name, n, err)
			}
			loads = append(loads, l)
		}
		logf("scale: %s at %d versions, %d loads x %d x %v", in.name, n, len(loads), o.runs, o.duration)
		points = append(points, scalePoint{n: n, ss: interleave(loads, o.runs, o.concurrency, o.duration)})
	}
	return points, nil
}

// answered accepts a 200 that is no GraphQL error.
func answered(st int, head []byte, n int64) error {
	if err := status200(-1)(st, head, n); err != nil {
		return err
	}
	if bytes.HasPrefix(head, []byte(`{"errors"`)) {
		return fmt.Errorf("GraphQL errors: %.300s", head)
	}
	return nil
}

func (r *report) scaleRows(db string, points []scalePoint) {
	if len(points) == 0 {
		return
	}
	first := points[0]
	for i, sl := range scaleLoads() {
		for _, p := range points {
			s := p.ss[i]
			name := fmt.Sprintf("%s %s, %d versions", db, sl.name, p.n)
			x := row{workload: name, registry: fmt.Sprintf("p50 %s, p99 %s", ms(s.p50()), ms(s.p99())), peer: "-", ratio: "-", target: "-"}
			if p.n != first.n && first.ss[i].p50() > 0 {
				x.ratio = fmt.Sprintf("p50 %.2fx the %d's", float64(s.p50())/float64(first.ss[i].p50()), first.n)
			}
			switch f := s.failure(); {
			case f != "":
				x.result = r.verdict(false, "%s: %s", name, f)
			case sl.targeted && p.n >= targetListAt:
				x.target = fmt.Sprintf("p50 <= %s, p99 <= %s", ms(targetListP50), ms(targetListP99))
				ok := s.p50() <= targetListP50 && s.p99() <= targetListP99
				x.result = r.verdict(ok, "%s: p50 %s, p99 %s (target p50 <= %s, p99 <= %s)", name, ms(s.p50()), ms(s.p99()),
					ms(targetListP50), ms(targetListP99))
			}
			r.add(x)
			r.latency(name, s)
		}
	}
}
