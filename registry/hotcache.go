package registry

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pkgreg/registry/cache"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
)

// The hot path: what a small read needs before it opens a blob (the caller's
// credential, the project or group it names, the caller's memberships, the instance
// setting the policy reads, the file looked up) is kept in memory, so that a warm
// read sends no statement to the database. Each cache is bounded (least recently
// used entries go first) and belongs to one signal of changes.go: an entry is
// stamped before it is loaded and served only while no write of its signal has
// committed since (database.Changes.Current; across replicas, within the staleness
// bound). Cached rows are shared by requests, so they are copied before they are
// handed out, and a decision made from them is the policy's as it stands: only
// lookups are cached, never authorization.

// Sizes of the hot caches, in entries.
const (
	hotCredentials = 10000
	hotNamespaces  = 10000
	hotRoles       = 10000
	hotFiles       = 20000
	hotAllowlist   = 10000
	hotCounts      = 10000
	hotAnchors     = 1000
)

// stamped is a cached value with the stamp it was loaded under.
type stamped[V any] struct {
	v  V
	st database.Stamp
}

// hot is a bounded cache of values of one signal.
type hot[K comparable, V any] struct {
	sig database.Signal
	ch  *database.Changes
	lru *cache.Bounded[K, stamped[V]]
}

func newHot[K comparable, V any](ch *database.Changes, sig database.Signal, size int) *hot[K, V] {
	return &hot[K, V]{sig: sig, ch: ch, lru: cache.New[K, stamped[V]](size)}
}

// get returns the value cached under k if it is still current.
func (h *hot[K, V]) get(k K) (V, bool) {
	e, ok := h.lru.Get(k)
	if !ok || !h.ch.Current(h.sig, e.st) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// forget drops what is cached under k.
func (h *hot[K, V]) forget(k K) { h.lru.Remove(k) }

// load returns the value under k, loading it with fn when none is current; keep
// says which outcomes are cached (never a failure of the database).
func (h *hot[K, V]) load(k K, fn func() (V, error), keep func(error) bool) (V, error) {
	if v, ok := h.get(k); ok {
		return v, nil
	}
	st := h.ch.Stamp(h.sig)
	v, err := fn()
	if err == nil || (keep != nil && keep(err)) {
		h.lru.Add(k, stamped[V]{v: v, st: st})
	}
	return v, err
}

// hotCaches are the service's hot-path caches.
type hotCaches struct {
	credentials *hot[string, resolved]
	projects    *hot[string, *ent.Project]
	groups      *hot[string, *ent.Group]
	roles       *hot[int, roles]
	settings    *hot[struct{}, InstanceSettings]
	files       *hot[string, foundFile]
	allowlist   *hot[[2]int, bool]
	// counts are the capped totals of package listings, by listing key.
	counts *hot[string, int]
	// anchors are the positions of package listings' rows (anchors.go).
	anchors *hot[string, *anchorSet]
}

func newHotCaches(ch *database.Changes) hotCaches {
	return hotCaches{
		credentials: newHot[string, resolved](ch, sigCredentials, hotCredentials),
		projects:    newHot[string, *ent.Project](ch, sigAccess, hotNamespaces),
		groups:      newHot[string, *ent.Group](ch, sigAccess, hotNamespaces),
		roles:       newHot[int, roles](ch, sigAccess, hotRoles),
		settings:    newHot[struct{}, InstanceSettings](ch, sigAccess, 1),
		files:       newHot[string, foundFile](ch, sigFiles, hotFiles),
		allowlist:   newHot[[2]int, bool](ch, sigAccess, hotAllowlist),
		counts:      newHot[string, int](ch, sigFiles, hotCounts),
		anchors:     newHot[string, *anchorSet](ch, sigFiles, hotAnchors),
	}
}

// roles are a user's memberships by full path (read-only once cached).
type roles struct {
	groups, projects map[string]Role
	// until is when the first of these memberships expires (zero: none does); from
	// then on the cached roles are stale without any write to signal it.
	until time.Time
}

// cachedSettings is instanceSettings through the hot cache, for the request path.
func (s *Service) cachedSettings(ctx context.Context) (InstanceSettings, error) {
	return s.hot.settings.load(struct{}{}, func() (InstanceSettings, error) { return s.instanceSettings(ctx) }, nil)
}

// fileKey is the cache key of a file lookup, for the lookups the hot path serves:
// by name, version and file name in one project, in the default statuses. ok is
// false for the others (digests, searches, properties, group and instance scope).
func fileKey(q FileQuery) (string, bool) {
	vq := q.VersionQuery
	if vq.Scope.Project == nil || q.SHA256 != "" || vq.Statuses != nil || vq.Terms != nil || vq.Property != nil {
		return "", false
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(vq.Scope.Project.ID) + "\x00" + strconv.Itoa(vq.Limit) +
		"\x00" + strconv.FormatBool(vq.Newest) + strconv.FormatBool(vq.ByName))
	for _, part := range []string{string(vq.Type), vq.Name, q.FileName} {
		b.WriteString("\x00" + strconv.Itoa(len(part)) + ":" + part)
	}
	if vq.Versions == nil {
		b.WriteString("\x00*")
	}
	for _, v := range vq.Versions {
		b.WriteString("\x00" + strconv.Itoa(len(v)) + ":" + v)
	}
	return b.String(), true
}

// foundFile is a file lookup's outcome: the file, or why there is none.
type foundFile struct {
	file *ent.PackageFile
	err  error
}

// missing reports whether err says a lookup found nothing (which is cached).
func missing(err error) bool {
	return errors.Is(err, errFileNotFound) || errors.Is(err, errPackageNotFound)
}

// cachedFindFile serves FindFile from the hot cache where it can: the project is
// authorized as the lookup would (ReadPackages), then the file found for these
// names is handed out as issued.
func (s *Service) cachedFindFile(ctx context.Context, q FileQuery, find func() (*ent.PackageFile, error)) (*ent.PackageFile, error) {
	key, ok := fileKey(q)
	if !ok {
		return find()
	}
	if err := s.AuthorizeProject(ctx, q.Scope.Project, ReadPackages); err != nil {
		return nil, err
	}
	found, err := s.hot.files.load(key, func() (foundFile, error) {
		f, err := find()
		if missing(err) {
			return foundFile{err: err}, nil
		}
		if err != nil {
			return foundFile{}, err
		}
		return foundFile{file: copyFile(f)}, nil
	}, nil)
	if err != nil {
		return nil, err
	}
	if found.err != nil {
		return nil, found.err
	}
	f := copyFile(found.file)
	s.issue(ctx, f)
	s.issue(ctx, f.Edges.Package)
	return f, nil
}

// copyFile copies a file with its version and the version's project, so that
// what one request is handed is its own.
func copyFile(f *ent.PackageFile) *ent.PackageFile {
	cp := *f
	if v := f.Edges.Package; v != nil {
		vc := *v
		if p := v.Edges.Project; p != nil {
			vc.Edges.Project = copyProject(p)
		}
		cp.Edges.Package = &vc
	}
	return &cp
}

func copyProject(p *ent.Project) *ent.Project {
	if p == nil {
		return nil
	}
	cp := *p
	return &cp
}

func copyGroup(g *ent.Group) *ent.Group {
	if g == nil {
		return nil
	}
	cp := *g
	return &cp
}
