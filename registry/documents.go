package registry

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagerevision"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// Documents are a format's index documents (a package document listing every
// version, a simple index page, a repository metadata file), built from the versions of a
// VersionQuery and served with an ETag:
//
//  1. key: one indexed lookup reads, per project of the scope, the sum of the
//     revisions of the packages the query covers (revisions.go), and the viewer's
//     readable projects filter them. Every change to a package bumps its revision in
//     the change's transaction, so the readable projects' (id, path, sum) name the
//     document's content exactly, whatever the number of versions.
//  2. The ETag hashes those with the query's shape and the format's variant (what
//     else the rendering depends on: the URL prefix links point at, a content type).
//     A matching If-None-Match is answered without building anything; a document
//     cached under the ETag is served from memory.
//  3. On a miss, one query with the edges the format asked for reads the versions of
//     the readable projects, the format's Build turns them into bytes, and their
//     compressed forms are made once, all cached under the ETag.
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
	key string
	doc rendered
}

// NewDocumentCache returns a cache holding at most maxBytes of documents.
func NewDocumentCache(maxBytes int64) *DocumentCache {
	return &DocumentCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *DocumentCache) get(key string) (rendered, bool) {
	if c == nil {
		return rendered{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return rendered{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).doc, true
}

func (c *DocumentCache) put(key string, doc rendered) {
	if c == nil || doc.size() > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, doc: doc})
	c.size += doc.size()
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.size -= old.doc.size()
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
	ETag string
	Body []byte
	// Gzip and Brotli are Body compressed, made once per revision of the document;
	// nil when the document is too small to gain from it.
	Gzip, Brotli []byte
	NotModified  bool
}

// rendered is what the cache keeps of a document.
type rendered struct {
	body, gzip, brotli []byte
}

func (r rendered) size() int64 { return int64(len(r.body) + len(r.gzip) + len(r.brotli)) }

// Document returns a document, from the cache when nothing it depends on changed.
func (s *Service) Document(ctx context.Context, in DocumentInput) (*Document, error) {
	key, err := s.documentKey(ctx, in.Query, in.Variant)
	if err != nil {
		return nil, err
	}
	if len(key.readable) == 0 {
		if err := s.emptyDocument(ctx, in.Query, key); err != nil {
			return nil, err
		}
		if !in.AllowEmpty {
			return nil, errPackageNotFound
		}
	}
	doc := &Document{ETag: key.etag}
	if etagMatches(in.IfNoneMatch, doc.ETag) {
		doc.NotModified = true
		s.metrics.Document("not_modified")
		return doc, nil
	}
	if r, ok := s.docs.get(doc.ETag); ok {
		doc.Body, doc.Gzip, doc.Brotli = r.body, r.gzip, r.brotli
		s.metrics.Document("hit")
		return doc, nil
	}
	s.metrics.Document("miss")
	rows, err := s.documentVersions(ctx, in.Query, key)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && !in.AllowEmpty {
		if err := s.emptyDocument(ctx, in.Query, key); err != nil {
			return nil, err
		}
		return nil, errPackageNotFound
	}
	if doc.Body, err = in.Build(DocumentData{Versions: rows, Revision: key.revision}); err != nil {
		return nil, err
	}
	r, err := compressed(doc.Body)
	if err != nil {
		return nil, err
	}
	doc.Gzip, doc.Brotli = r.gzip, r.brotli
	s.docs.put(doc.ETag, r)
	return doc, nil
}

// minCompressed is the size under which a document is sent as it is: compressing
// would save less than a packet.
const minCompressed = 1024

// compressed renders a document's compressed forms, keeping those that are smaller.
func compressed(body []byte) (rendered, error) {
	r := rendered{body: body}
	if len(body) < minCompressed {
		return r, nil
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return r, err
	}
	if err := zw.Close(); err != nil {
		return r, err
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, 6) // near gzip's speed, smaller: it runs on a miss
	if _, err := bw.Write(body); err != nil {
		return r, err
	}
	if err := bw.Close(); err != nil {
		return r, err
	}
	if gz.Len() < len(body) {
		r.gzip = gz.Bytes()
	}
	if br.Len() < len(body) {
		r.brotli = br.Bytes()
	}
	return r, nil
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

// docKey is what a document is built from and named by: the query's predicates,
// the readable projects holding the packages it covers, and their revisions.
type docKey struct {
	where    []predicate.PackageVersion
	readable []int
	// unreadable are the projects holding the packages that the viewer may not read.
	unreadable []*ent.Project
	etag       string
	revision   string
}

// documentKey authorizes q and reads the revisions of the packages it covers.
func (s *Service) documentKey(ctx context.Context, q VersionQuery, variant string) (*docKey, error) {
	where, sc, err := s.scopedWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	k := &docKey{where: where}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00%q\x00%q\x00%v\x00%v\x00%t %t %d\x00%s\x00",
		q.Type, q.Name, q.Versions, q.Statuses, q.Terms, q.Property, q.With, q.Newest, q.ByName, q.Limit, variant)
	var total int64
	if !sc.empty {
		rows, err := s.revisions(ctx, q, sc)
		if err != nil {
			return nil, err
		}
		readable, err := s.readableHolders(ctx, q, rows, k)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if p, ok := readable[r.ProjectID]; ok {
				k.readable = append(k.readable, r.ProjectID)
				total += r.Revision
				fmt.Fprintf(h, "%d %q %d %d;", r.ProjectID, p.FullPath, r.Revision, r.Packages)
			}
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	k.etag = `"` + sum[:32] + `"`
	k.revision = fmt.Sprintf("%d-%s", total, sum[32:])
	return k, nil
}

// projectRevision is the sum of the revisions of a project's packages a query covers.
type projectRevision struct {
	ProjectID int   `json:"project_id"`
	Revision  int64 `json:"revision"`
	Packages  int64 `json:"packages"`
}

// revisions reads, per project of q's scope sc, the revisions of the packages q covers
// (a superset of what it selects: its version, status, term and property filters
// leave them all in, as any change to them changes the sum).
func (s *Service) revisions(ctx context.Context, q VersionQuery, sc covered) ([]projectRevision, error) {
	rq := s.client.PackageRevision.Query().Where(packagerevision.PackageTypeEQ(packagerevision.PackageType(q.Type)))
	if q.Name != "" {
		rq.Where(packagerevision.NormalizedName(q.Name))
	}
	if sc.projectID != 0 {
		rq.Where(packagerevision.ProjectID(sc.projectID))
	} else if sc.projects != nil {
		rq.Where(packagerevision.HasProjectWith(sc.projects))
	}
	var rows []projectRevision
	err := rq.GroupBy(packagerevision.FieldProjectID).
		Aggregate(ent.As(ent.Sum(packagerevision.FieldRevision), "revision"), ent.As(ent.Count(), "packages")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("document revisions: %w", err)
	}
	slices.SortFunc(rows, func(a, b projectRevision) int { return a.ProjectID - b.ProjectID })
	return rows, nil
}

// readableHolders returns the projects among rows whose packages the viewer may
// read, and notes the others in k. The project of a project scope is authorized by
// where already.
func (s *Service) readableHolders(ctx context.Context, q VersionQuery, rows []projectRevision, k *docKey) (map[int]*ent.Project, error) {
	out := map[int]*ent.Project{}
	if len(rows) == 0 {
		return out, nil
	}
	if p := q.Scope.Project; p != nil {
		out[p.ID] = p
		return out, nil
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ProjectID
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
		out[p.ID] = p
	}
	for _, p := range projects {
		if out[p.ID] == nil {
			k.unreadable = append(k.unreadable, p)
		}
	}
	return out, nil
}

// emptyDocument is the error for a document with no readable versions, for a Refuse
// query whose versions only projects the viewer may not read hold: the refusal those
// projects give. It is nil otherwise (the caller decides whether empty is not found).
func (s *Service) emptyDocument(ctx context.Context, q VersionQuery, k *docKey) error {
	if !q.Refuse || len(k.unreadable) == 0 {
		return nil
	}
	ids := make([]int, len(k.unreadable))
	for i, p := range k.unreadable {
		ids[i] = p.ID
	}
	holding, err := s.client.PackageVersion.Query().Where(k.where...).Where(packageversion.ProjectIDIn(ids...)).
		GroupBy(packageversion.FieldProjectID).Ints(ctx)
	if err != nil {
		return err
	}
	if len(holding) == 0 {
		return nil
	}
	var projects []*ent.Project
	for _, p := range k.unreadable {
		if slices.Contains(holding, p.ID) {
			projects = append(projects, p)
		}
	}
	return s.refusal(ctx, projects)
}

// documentVersions reads the versions of a document from the readable projects, in
// the query's order (oldest first by default); with a Limit, the newest that many.
func (s *Service) documentVersions(ctx context.Context, q VersionQuery, k *docKey) ([]*ent.PackageVersion, error) {
	if len(k.readable) == 0 {
		return nil, nil
	}
	vq := s.client.PackageVersion.Query().Where(k.where...).WithProject()
	if q.Scope.Project == nil {
		vq.Where(packageversion.ProjectIDIn(k.readable...))
	}
	withEdges(vq, q.With)
	if q.Limit > 0 {
		// Ids grow with insertion: the highest are the newest publications.
		vq.Order(ent.Desc(packageversion.FieldID)).Limit(q.Limit)
	} else if q.Newest {
		vq.Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID))
	} else {
		vq.Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID))
	}
	rows, err := vq.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("document versions: %w", err)
	}
	if q.Limit > 0 {
		slices.SortFunc(rows, func(a, b *ent.PackageVersion) int {
			c := cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
			if q.Newest {
				return -c
			}
			return c
		})
	}
	s.issue(ctx, rows)
	return rows, nil
}
