package registry

import (
	"context"
	"fmt"
	"path"
	"strconv"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
)

// Rows the registry hands out and later takes back (a project to authorize in, a
// file to open) are trusted only if they are the very values it handed out: every
// authorized read records the pointers it returns in the request's memo, and a
// method that receives a row it did not issue reloads it by id and authorizes it
// again. A caller that builds a row itself (say, a file naming another tenant's
// blob, or a project claiming to be public) gets nothing from it.

// issue records rows as handed out by an authorized read of this request.
func (s *Service) issue(ctx context.Context, rows any) {
	memo, _ := ctx.Value(memoKey{}).(*rolesMemo)
	if memo == nil {
		return
	}
	memo.mu.Lock()
	defer memo.mu.Unlock()
	if memo.issued == nil {
		memo.issued = map[any]bool{}
	}
	var add func(v any)
	add = func(v any) {
		switch r := v.(type) {
		case *ent.Project:
			if r != nil {
				memo.issued[r] = true
				if memo.projects == nil {
					memo.projects = map[int]*ent.Project{}
				}
				memo.projects[r.ID] = r
			}
		case *ent.Group:
			if r != nil {
				memo.issued[r] = true
			}
		case *ent.PackageFile:
			if r != nil {
				memo.issued[r] = true
			}
		case []*ent.PackageFile:
			for _, f := range r {
				add(f)
			}
		case *ent.PackageVersion:
			if r != nil {
				add(r.Edges.Project)
				add(r.Edges.Files)
			}
		case []*ent.PackageVersion:
			for _, p := range r {
				add(p)
			}
		}
	}
	add(rows)
}

// issued reports whether row was handed out by an authorized read of this request.
func (s *Service) issued(ctx context.Context, row any) bool {
	memo, _ := ctx.Value(memoKey{}).(*rolesMemo)
	if memo == nil {
		return false
	}
	memo.mu.Lock()
	defer memo.mu.Unlock()
	return memo.issued[row]
}

// canonicalProject returns p itself when the registry issued it, and otherwise the
// stored project with p's id, so that a decision never rests on fields a caller set.
func (s *Service) canonicalProject(ctx context.Context, p *ent.Project) (*ent.Project, error) {
	if p == nil {
		return nil, errProjectNotFound
	}
	if s.issued(ctx, p) {
		return p, nil
	}
	if memo, _ := ctx.Value(memoKey{}).(*rolesMemo); memo != nil {
		memo.mu.Lock()
		known := memo.projects[p.ID]
		memo.mu.Unlock()
		if known != nil {
			return known, nil
		}
	}
	stored, err := s.projectByRef(ctx, strconv.Itoa(p.ID))
	if err != nil {
		return nil, fmt.Errorf("load project: %w", err)
	} else if stored == nil {
		return nil, errProjectNotFound
	}
	s.issue(ctx, stored)
	return stored, nil
}

// canonicalGroup is canonicalProject for groups.
func (s *Service) canonicalGroup(ctx context.Context, g *ent.Group) (*ent.Group, error) {
	if g == nil {
		return nil, errGroupNotFound
	}
	if s.issued(ctx, g) {
		return g, nil
	}
	stored, err := s.groupByRef(ctx, strconv.Itoa(g.ID))
	if err != nil {
		return nil, fmt.Errorf("load group: %w", err)
	} else if stored == nil {
		return nil, errGroupNotFound
	}
	s.issue(ctx, stored)
	return stored, nil
}

// OpenFile opens the content of a file the viewer may read: one the read path
// handed out in this request, or else the stored file with f's id, after checking
// that the viewer may read its project's packages.
func (s *Service) OpenFile(ctx context.Context, f *ent.PackageFile) (*Content, error) {
	f, err := s.readableFile(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.blobs.Open(ctx, f.Sha256, f.BlobKey)
}

// DownloadURL returns a short-lived URL that reads a file the viewer may read
// straight from object storage, when direct downloads are on and the storage can
// sign one; "" otherwise (the caller streams the file).
func (s *Service) DownloadURL(ctx context.Context, f *ent.PackageFile, contentType string) (string, error) {
	if !s.cfg.DirectDownload {
		return "", nil
	}
	f, err := s.readableFile(ctx, f)
	if err != nil {
		return "", err
	}
	return s.blobs.SignedURL(ctx, f.Sha256, f.BlobKey, path.Base(f.FileName), contentType)
}

// readableFile is f when the read path issued it in this request, or else the
// stored file with f's id once the viewer may read its project's packages.
func (s *Service) readableFile(ctx context.Context, f *ent.PackageFile) (*ent.PackageFile, error) {
	if f == nil {
		return nil, errFileNotFound
	}
	if !s.issued(ctx, f) {
		stored, err := s.client.PackageFile.Query().Where(packagefile.ID(f.ID), packagefile.StatusEQ(packagefile.StatusDefault)).
			WithPackage(func(q *ent.PackageVersionQuery) { q.WithProject() }).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, errFileNotFound
		} else if err != nil {
			return nil, err
		}
		if err := s.AuthorizeProject(ctx, stored.Edges.Package.Edges.Project, ReadPackages); err != nil {
			return nil, err
		}
		f = stored
	}
	return f, nil
}
