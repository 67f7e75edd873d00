package registry

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// How a packument is served (GitLab spec A2, npm's registry API):
//
//  1. fingerprint: one query reads (id, project, revision) of every installable version
//     the scope selects, and the viewer's readable projects filter them. Every change
//     to a version (publish, tag, deprecate, unpublish, file deletion) bumps its
//     revision or takes it out of the installable set, so the sorted list of (id,
//     revision) pairs names the document's content exactly.
//  2. The ETag is a hash of that list plus what else the rendering depends on (the URL
//     prefix the tarballs point at, abbreviated or full). A matching If-None-Match is
//     answered without building anything; a cached document under that key is served.
//  3. On a miss, one query with two eager loads (files, tags) reads the versions, and
//     the caller's renderer turns them into bytes that are cached under the key.
//
// The key is computed from the database on every request, so a replica sharing the
// database never serves a document older than what it just read, and the number of
// queries does not depend on the number of versions.

// NPMPackage is what a packument is rendered from.
type NPMPackage struct {
	Name string
	// Rev changes whenever the package changes (CouchDB's _rev, for npm unpublish).
	Rev string
	// Versions are oldest first, one per version string (at group and instance level
	// the most recent publication wins). Edges.Files[0] is the tarball.
	Versions []*ent.PackageVersion
	// DistTags maps a tag to a version of Versions; "latest" is always set.
	DistTags map[string]string
}

// NPMCache keeps rendered packuments by their ETag, least recently used first out,
// within a byte budget. It is safe for concurrent use.
type NPMCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // of *npmCacheEntry, most recent at the front
	byKey map[string]*list.Element
}

type npmCacheEntry struct {
	key  string
	body []byte
}

// NewNPMCache returns a cache holding at most maxBytes of documents.
func NewNPMCache(maxBytes int64) *NPMCache {
	return &NPMCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *NPMCache) get(key string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*npmCacheEntry).body, true
}

func (c *NPMCache) put(key string, body []byte) {
	if c == nil || int64(len(body)) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&npmCacheEntry{key: key, body: body})
	c.size += int64(len(body))
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*npmCacheEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.size -= int64(len(old.body))
	}
}

// NPMPackumentInput asks for one package's document.
type NPMPackumentInput struct {
	Scope Scope
	Name  string
	// Variant is everything besides the database the rendering depends on (the
	// tarball URL prefix, abbreviated or full); it is part of the ETag.
	Variant string
	// IfNoneMatch is the request's header; a match skips building the document.
	IfNoneMatch string
	Cache       *NPMCache
	Render      func(*NPMPackage) ([]byte, error)
}

// NPMDocument is a rendered packument.
type NPMDocument struct {
	ETag        string
	Body        []byte
	NotModified bool
}

// NPMPackument returns the document of one package in a scope, from the cache when
// the package has not changed since it was rendered.
func (s *Service) NPMPackument(ctx context.Context, in NPMPackumentInput) (*NPMDocument, error) {
	fp, err := s.npmFingerprint(ctx, in.Scope, in.Name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(fp.rev + "\x00" + in.Variant))
	doc := &NPMDocument{ETag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	if etagMatches(in.IfNoneMatch, doc.ETag) {
		doc.NotModified = true
		return doc, nil
	}
	if body, ok := in.Cache.get(doc.ETag); ok {
		doc.Body = body
		return doc, nil
	}
	pkg, err := s.npmAssemble(ctx, in.Name, fp)
	if err != nil {
		return nil, err
	}
	if doc.Body, err = in.Render(pkg); err != nil {
		return nil, fmt.Errorf("render %s: %w", in.Name, err)
	}
	in.Cache.put(doc.ETag, doc.Body)
	return doc, nil
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// npmPrint is a package's fingerprint: the readable installable versions and a hash
// of their (id, revision) pairs.
type npmPrint struct {
	ids []int
	rev string
}

// npmSelect returns the predicates that pick a package's rows in a scope. A group
// reads its projects and subgroups; the instance reads the projects under the root
// namespace named by the package's scope (GitLab's naming convention). Both need a
// scoped name.
func npmSelect(sc Scope, name string) ([]predicate.PackageVersion, error) {
	where := []predicate.PackageVersion{
		packageversion.PackageTypeEQ(packageversion.PackageTypeNpm), packageversion.NormalizedName(name),
	}
	if sc.Project != nil {
		return append(where, packageversion.ProjectID(sc.Project.ID)), nil
	}
	scope := NPMScopeOf(name)
	if scope == "" {
		return nil, errNPMNotFound
	}
	prefix := scope + "/"
	if sc.Group != nil {
		prefix = sc.Group.FullPath + "/"
	}
	return append(where, packageversion.HasProjectWith(project.FullPathHasPrefix(prefix))), nil
}

// npmReadable keeps the rows the viewer may read (project edges loaded at group and
// instance level). Memberships are loaded once; each project is decided once.
func (s *Service) npmReadable(ctx context.Context, sc Scope, rows []*ent.PackageVersion) ([]*ent.PackageVersion, error) {
	switch {
	case sc.Project != nil:
		if err := s.AuthorizeProject(ctx, sc.Project, ReadPackages); err != nil {
			return nil, err
		}
		for _, v := range rows {
			v.Edges.Project = sc.Project
		}
		return rows, nil
	case sc.Group != nil:
		if err := s.AuthorizeGroup(ctx, sc.Group, ReadPackages); err != nil {
			return nil, err
		}
	}
	return s.readableOnly(ctx, rows)
}

func (s *Service) npmFingerprint(ctx context.Context, sc Scope, name string) (*npmPrint, error) {
	where, err := npmSelect(sc, name)
	if err != nil {
		return nil, err
	}
	// One row per project with its "id:revision" pairs, rather than one per version:
	// the database walks the versions, the process reads a few short strings.
	var groups []struct {
		ProjectID int    `json:"project_id"`
		Pairs     string `json:"pairs"`
	}
	err = s.client.PackageVersion.Query().Where(append(where, packageversion.StatusIn(installableStatuses...))...).
		GroupBy(packageversion.FieldProjectID).
		Aggregate(func(sel *entsql.Selector) string {
			pair := sel.C(packageversion.FieldID) + " || ':' || " + sel.C(packageversion.FieldRevision)
			if sel.Dialect() == dialect.Postgres {
				return entsql.As("string_agg("+pair+", ',')", "pairs")
			}
			return entsql.As("group_concat("+pair+", ',')", "pairs")
		}).Scan(ctx, &groups)
	if err != nil {
		return nil, fmt.Errorf("npm fingerprint: %w", err)
	}
	// The readability filter works on rows; one per project stands for its versions.
	rows := make([]*ent.PackageVersion, len(groups))
	for i, g := range groups {
		rows[i] = &ent.PackageVersion{ProjectID: g.ProjectID}
	}
	if sc.Project == nil && len(rows) > 0 {
		ids := make([]int, len(rows))
		for i, r := range rows {
			ids[i] = r.ProjectID
		}
		projects, err := s.client.Project.Query().Where(project.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		byID := make(map[int]*ent.Project, len(projects))
		for _, p := range projects {
			byID[p.ID] = p
		}
		for _, r := range rows {
			r.Edges.Project = byID[r.ProjectID]
		}
	}
	if rows, err = s.npmReadable(ctx, sc, rows); err != nil {
		return nil, err
	}
	readable := map[int]bool{}
	for _, r := range rows {
		readable[r.ProjectID] = true
	}
	type pair struct {
		id  int
		rev string
	}
	var pairs []pair
	for _, g := range groups {
		if !readable[g.ProjectID] {
			continue
		}
		for _, p := range strings.Split(g.Pairs, ",") {
			id, rev, _ := strings.Cut(p, ":")
			n, err := strconv.Atoi(id)
			if err != nil {
				return nil, fmt.Errorf("npm fingerprint: bad pair %q", p)
			}
			pairs = append(pairs, pair{n, rev})
		}
	}
	if len(pairs) == 0 {
		return nil, errNPMNotFound
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].id < pairs[j].id })
	h := sha256.New()
	fmt.Fprintf(h, "npm\x00%s\x00", name)
	fp := &npmPrint{ids: make([]int, len(pairs))}
	for i, p := range pairs {
		fp.ids[i] = p.id
		fmt.Fprintf(h, "%d:%s;", p.id, p.rev)
	}
	fp.rev = fmt.Sprintf("%d-%s", len(pairs), hex.EncodeToString(h.Sum(nil))[:32])
	return fp, nil
}

// npmAssemble loads the versions of a fingerprint with their tarballs and tags: one
// query plus two eager loads, whatever the number of versions.
func (s *Service) npmAssemble(ctx context.Context, name string, fp *npmPrint) (*NPMPackage, error) {
	rows, err := s.client.PackageVersion.Query().
		Where(packageversion.IDIn(fp.ids...), packageversion.StatusIn(installableStatuses...)).
		WithFiles(func(q *ent.PackageFileQuery) {
			q.Where(packagefile.StatusEQ(packagefile.StatusDefault)).Order(ent.Desc(packagefile.FieldID))
		}).
		WithTags().
		Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("npm versions: %w", err)
	}
	pkg := &NPMPackage{Name: name, Rev: fp.rev, DistTags: map[string]string{}}
	// The newest publication of a version string wins (rows are oldest first).
	byVersion := map[string]int{}
	for _, v := range rows {
		if len(v.Edges.Files) == 0 {
			continue
		}
		if i, ok := byVersion[v.Version]; ok {
			pkg.Versions[i] = v
			continue
		}
		byVersion[v.Version] = len(pkg.Versions)
		pkg.Versions = append(pkg.Versions, v)
	}
	if len(pkg.Versions) == 0 {
		return nil, errNPMNotFound
	}
	tagged := map[string]time.Time{}
	for _, v := range rows {
		if _, ok := byVersion[v.Version]; !ok {
			continue
		}
		for _, t := range v.Edges.Tags {
			if at, seen := tagged[t.Name]; !seen || t.UpdatedAt.After(at) {
				tagged[t.Name] = t.UpdatedAt
				pkg.DistTags[t.Name] = v.Version
			}
		}
	}
	if _, ok := pkg.DistTags["latest"]; !ok {
		pkg.DistTags["latest"] = npmHighest(pkg.Versions)
	}
	return pkg, nil
}

// npmHighest is the highest release version, or the highest version when all are
// pre-releases: what npm takes as latest when no tag says otherwise.
func npmHighest(versions []*ent.PackageVersion) string {
	best, bestRelease := "", ""
	for _, v := range versions {
		if best == "" || VersionSortKey(v.Version) > VersionSortKey(best) {
			best = v.Version
		}
		core, _, _ := strings.Cut(v.Version, "+")
		if !strings.Contains(core, "-") && (bestRelease == "" || VersionSortKey(v.Version) > VersionSortKey(bestRelease)) {
			bestRelease = v.Version
		}
	}
	if bestRelease != "" {
		return bestRelease
	}
	return best
}

// npmLoad reads a package without the cache (dist-tags, writes).
func (s *Service) npmLoad(ctx context.Context, sc Scope, name string) (*NPMPackage, error) {
	fp, err := s.npmFingerprint(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	return s.npmAssemble(ctx, name, fp)
}

// NPMFile returns the tarball of one version read through a scope: the newest
// readable publication of it, with its package loaded.
func (s *Service) NPMFile(ctx context.Context, sc Scope, name, version string) (*ent.PackageFile, error) {
	where, err := npmSelect(sc, name)
	if err != nil {
		return nil, err
	}
	rows, err := s.client.PackageVersion.Query().
		Where(append(where, packageversion.Version(version), packageversion.StatusIn(installableStatuses...))...).
		WithProject().
		WithFiles(func(q *ent.PackageFileQuery) {
			q.Where(packagefile.StatusEQ(packagefile.StatusDefault)).Order(ent.Desc(packagefile.FieldID))
		}).
		Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if rows, err = s.npmReadable(ctx, sc, rows); err != nil {
		return nil, err
	}
	for _, v := range rows {
		if len(v.Edges.Files) > 0 {
			f := v.Edges.Files[0]
			f.Edges.Package = v
			return f, nil
		}
	}
	return nil, errNPMNotFound
}

// NPMSearchInput is `npm search`: a text matched against package names.
type NPMSearchInput struct {
	Scope Scope
	Text  string
	From  int
	Size  int
}

// NPMSearchResult is one page of matching packages, each as its highest version.
type NPMSearchResult struct {
	Total    int
	Packages []*ent.PackageVersion
}

// npmSearchRows bounds how many versions one search reads.
const npmSearchRows = 5000

// NPMSearch finds readable packages whose name contains the text (case-insensitive).
func (s *Service) NPMSearch(ctx context.Context, in NPMSearchInput) (*NPMSearchResult, error) {
	where := []predicate.PackageVersion{
		packageversion.PackageTypeEQ(packageversion.PackageTypeNpm),
		packageversion.StatusIn(packageversion.StatusDefault, packageversion.StatusDeprecated),
	}
	switch {
	case in.Scope.Project != nil:
		where = append(where, packageversion.ProjectID(in.Scope.Project.ID))
	case in.Scope.Group != nil:
		where = append(where, packageversion.HasProjectWith(project.FullPathHasPrefix(in.Scope.Group.FullPath+"/")))
	}
	for _, term := range strings.Fields(in.Text) {
		where = append(where, packageversion.NameContainsFold(term))
	}
	rows, err := s.client.PackageVersion.Query().Where(where...).WithProject().WithCreator().
		Order(ent.Asc(packageversion.FieldName), ent.Desc(packageversion.FieldCreatedAt)).
		Limit(npmSearchRows).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("npm search: %w", err)
	}
	if rows, err = s.npmReadable(ctx, in.Scope, rows); err != nil {
		return nil, err
	}
	var out []*ent.PackageVersion
	for _, v := range rows {
		if n := len(out); n > 0 && out[n-1].Name == v.Name {
			if VersionSortKey(v.Version) > VersionSortKey(out[n-1].Version) {
				out[n-1] = v
			}
			continue
		}
		out = append(out, v)
	}
	res := &NPMSearchResult{Total: len(out)}
	from := min(max(in.From, 0), len(out))
	size := in.Size
	if size <= 0 || size > 250 {
		size = 20
	}
	res.Packages = out[from:min(from+size, len(out))]
	return res, nil
}
