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

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/project"
)

// Documents are a format's index documents (a package document listing every
// version, a simple index page, a repository metadata file), built from the versions of a
// VersionQuery and served with an ETag:
//
//  1. fingerprint: one query reads (id, revision) of every version the query selects,
//     aggregated per project, and the viewer's readable projects filter them. Every
//     change to a version (publish, a file added or deleted, a tag moved, a status
//     set) bumps its revision or takes it out of the selected statuses, so the sorted
//     (id, revision) pairs name the document's content exactly.
//  2. The ETag hashes those pairs with the format's variant (what else the rendering
//     depends on: the URL prefix links point at, a content type). A matching
//     If-None-Match is answered without building anything; a document cached under
//     the ETag is served from memory.
//  3. On a miss, one query with the edges the format asked for reads the versions,
//     and the format's Build turns them into bytes, cached under the ETag.
//
// The key is read from the database on every request, so a replica sharing the
// database never serves a document older than what it just read (the cache is only
// ever a copy of what the key names), and the number of queries does not grow with
// the number of versions.

// DocumentCache keeps rendered documents by ETag, least recently used first out,
// within a byte budget. It is safe for concurrent use.
type DocumentCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // of *cacheEntry, most recent at the front
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key  string
	body []byte
}

// NewDocumentCache returns a cache holding at most maxBytes of documents.
func NewDocumentCache(maxBytes int64) *DocumentCache {
	return &DocumentCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *DocumentCache) get(key string) ([]byte, bool) {
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
	return e.Value.(*cacheEntry).body, true
}

func (c *DocumentCache) put(key string, body []byte) {
	if c == nil || int64(len(body)) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, body: body})
	c.size += int64(len(body))
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.size -= int64(len(old.body))
	}
}

// DocumentInput asks for one index document.
type DocumentInput struct {
	// Query selects the versions the document is built from; with a Limit, only
	// the newest that many are read.
	Query VersionQuery
	// Variant is everything besides the versions the rendering depends on.
	Variant string
	// IfNoneMatch is the request's header; a match skips building the document.
	IfNoneMatch string
	// Build renders the versions (in the query's order, edges loaded). It is called
	// only on a cache miss. No versions at all is ErrNotFound before Build is called,
	// unless AllowEmpty is set.
	Build      func(DocumentData) ([]byte, error)
	AllowEmpty bool
}

// DocumentData is what a document is built from.
type DocumentData struct {
	Versions []*ent.PackageVersion
	// Revision changes whenever the versions do (a CouchDB-style _rev).
	Revision string
}

// Document is a rendered index document.
type Document struct {
	ETag        string
	Body        []byte
	NotModified bool
}

// Document returns a document, from the cache when nothing it depends on changed.
func (s *Service) Document(ctx context.Context, in DocumentInput) (*Document, error) {
	fp, err := s.fingerprint(ctx, in.Query)
	if err != nil {
		return nil, err
	}
	if len(fp.ids) == 0 && !in.AllowEmpty {
		return nil, errPackageNotFound
	}
	sum := sha256.Sum256([]byte(fp.rev + "\x00" + in.Variant))
	doc := &Document{ETag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	if etagMatches(in.IfNoneMatch, doc.ETag) {
		doc.NotModified = true
		s.metrics.Document("not_modified")
		return doc, nil
	}
	if body, ok := s.docs.get(doc.ETag); ok {
		doc.Body = body
		s.metrics.Document("hit")
		return doc, nil
	}
	s.metrics.Document("miss")
	var rows []*ent.PackageVersion
	ids := fp.ids
	if n := in.Query.Limit; n > 0 && len(ids) > n {
		// Ids grow with insertion: the highest are the newest publications.
		ids = ids[len(ids)-n:]
	}
	if len(ids) > 0 {
		q := s.client.PackageVersion.Query().Where(packageversion.IDIn(ids...)).WithProject()
		withEdges(q, in.Query.With)
		if in.Query.Newest {
			q.Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID))
		} else {
			q.Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID))
		}
		if rows, err = q.All(ctx); err != nil {
			return nil, fmt.Errorf("document versions: %w", err)
		}
		s.issue(ctx, rows)
	}
	if doc.Body, err = in.Build(DocumentData{Versions: rows, Revision: fp.rev}); err != nil {
		return nil, err
	}
	s.docs.put(doc.ETag, doc.Body)
	return doc, nil
}

// etagMatches reports whether an If-None-Match header names etag (weakly).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// fingerprintOf is a document's versions and a hash of their (id, revision) pairs.
type fingerprintOf struct {
	ids []int
	rev string
}

func (s *Service) fingerprint(ctx context.Context, q VersionQuery) (*fingerprintOf, error) {
	where, empty, err := s.where(ctx, q)
	if err != nil {
		return nil, err
	}
	fp := &fingerprintOf{}
	if empty {
		fp.rev = "empty"
		return fp, nil
	}
	// One row per project with its "id:revision" pairs, rather than one per version:
	// the database walks the versions, the process reads a few short strings.
	var groups []struct {
		ProjectID int    `json:"project_id"`
		Pairs     string `json:"pairs"`
	}
	err = s.client.PackageVersion.Query().Where(where...).
		GroupBy(packageversion.FieldProjectID).
		Aggregate(func(sel *entsql.Selector) string {
			pair := sel.C(packageversion.FieldID) + " || ':' || " + sel.C(packageversion.FieldRevision)
			if sel.Dialect() == dialect.Postgres {
				return entsql.As("string_agg("+pair+", ',')", "pairs")
			}
			return entsql.As("group_concat("+pair+", ',')", "pairs")
		}).Scan(ctx, &groups)
	if err != nil {
		return nil, fmt.Errorf("document fingerprint: %w", err)
	}
	readable := map[int]bool{}
	if q.Scope.Project != nil {
		readable[q.Scope.Project.ID] = true // authorized by where
	} else if len(groups) > 0 {
		ids := make([]int, len(groups))
		for i, g := range groups {
			ids[i] = g.ProjectID
		}
		projects, err := s.client.Project.Query().Where(project.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		c, err := s.checker(ctx)
		if err != nil {
			return nil, err
		}
		allowed, err := c.allowedProjects(ctx, projects, ReadPackages)
		if err != nil {
			return nil, err
		}
		for _, p := range allowed {
			readable[p.ID] = true
		}
		if q.Refuse && len(allowed) == 0 {
			return nil, s.refusal(ctx, projects)
		}
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
				return nil, fmt.Errorf("document fingerprint: bad pair %q", p)
			}
			pairs = append(pairs, pair{n, rev})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].id < pairs[j].id })
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", q.Type, q.Name)
	fp.ids = make([]int, len(pairs))
	for i, p := range pairs {
		fp.ids[i] = p.id
		fmt.Fprintf(h, "%d:%s;", p.id, p.rev)
	}
	fp.rev = fmt.Sprintf("%d-%s", len(pairs), hex.EncodeToString(h.Sum(nil))[:32])
	return fp, nil
}
