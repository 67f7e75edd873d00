package nuget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Service is NuGet over the registry's primitives: pushes (received once, the
// manifest read from the stored archive, published in one transaction), the read
// path and its documents.
type Service struct {
	core *registry.Service
}

// Names of the properties NuGet finds versions by.
const (
	// propNormalizedVersion: every URL names a version in its normalised form.
	propNormalizedVersion = "nuget.normalized_version"
	// propSymbol: a symbol file's key (SymbolKey), for the symbol server.
	propSymbol = "nuget.symbol"
)

// maxVersions is GitLab's Packages::Nuget::PackageFinder::MAX_PACKAGES_COUNT: the
// metadata documents show the newest 300 versions.
const maxVersions = 300

// installable are NuGet's installable statuses (GitLab's
// Packages::Nuget::Package::INSTALLABLE_STATUSES): deprecated is not one.
var installable = []registry.Status{registry.StatusDefault, registry.StatusHidden}

var (
	errPackageNotFound  = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")
	errPackagesNotFound = registry.Errorf(registry.ErrNotFound, "404 Packages Not Found")
	errSymbolNotFound   = registry.Errorf(registry.ErrNotFound, "404 Symbol Not Found")
	errDuplicate        = registry.Errorf(registry.ErrConflict, "A package with the same name and version already exists")
	errNoMatchingPkg    = registry.Errorf(registry.ErrInvalid, "symbol package is invalid, matching package does not exist")
	errSymbolsDisabled  = registry.Errorf(registry.ErrForbidden, "403 Forbidden - the symbol server is not enabled for this namespace")
)

// PushInput is one pushed package: the multipart part's body and file name, and
// whether it came to the symbol package endpoint.
type PushInput struct {
	Body     io.Reader
	FileName string
	Symbols  bool
}

// Push receives a .nupkg (or .snupkg) into storage, reads its nuspec from the stored
// archive and publishes it: a package as a new version or a new file of an existing
// one (by the group's duplicate setting); a symbol package as a file of the version
// it belongs to, with its symbol files indexed. A refused push leaves nothing.
func (s *Service) Push(ctx context.Context, p *ent.Project, in PushInput) error {
	up, err := s.core.BeginUpload(ctx, p, registry.PackageTypeNuGet)
	if err != nil {
		return err
	}
	defer up.Discard(ctx)
	f, err := up.Receive(ctx, in.Body)
	if err != nil {
		return err
	}
	var n *Nuspec
	var symbols []Symbol
	err = up.Inspect(ctx, f, func(r io.ReaderAt, size int64) error {
		if n, err = ReadNupkg(r, size); err != nil {
			return err
		}
		if n.Symbols && in.Symbols {
			symbols, err = ReadSymbols(r, size)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case in.Symbols && !n.Symbols:
		return registry.Errorf(registry.ErrInvalid, "%s %s is not a symbol package (its nuspec has no SymbolsPackage package type)", n.ID, n.Version)
	case !in.Symbols && n.Symbols:
		return registry.Errorf(registry.ErrInvalid, "%s %s is a symbol package: push it to the symbol package endpoint", n.ID, n.Version)
	}
	if err := CheckUploadName(in.FileName, n); err != nil {
		return err
	}
	name := strings.ToLower(n.ID)
	norm := registry.Property{Name: propNormalizedVersion, Value: NormalizeVersion(n.Version)}
	// A version pushed again under another spelling (1.0 after 1.0.0) is the same
	// version: it keeps the spelling it was first pushed with.
	existing, err := s.core.LiveVersions(ctx, p, registry.CreatePackages, registry.PackageTypeNuGet, name, &norm)
	if err != nil {
		return err
	}
	version := n.Version
	if len(existing) > 0 {
		version = existing[0].Version
	}
	if in.Symbols {
		if len(existing) == 0 {
			return errNoMatchingPkg
		}
		props := make([]registry.Property, len(symbols))
		for i, sym := range symbols {
			props[i] = registry.Property{Name: propSymbol, Value: sym.key()}
		}
		_, err := up.Publish(ctx, registry.UploadVersion{Name: existing[0].Name, NormalizedName: name, Version: version,
			Properties: props},
			registry.UploadFile{File: f, FileName: FileName(n.ID, version, ".snupkg"), Size: -1,
				Duplicates: registry.DuplicatesAllowed, Metadata: FileInfo{Symbols: symbols}})
		return err
	}
	_, err = up.Publish(ctx, registry.UploadVersion{Name: n.ID, NormalizedName: name, Version: version,
		Metadata: n.Info, ReplaceMetadata: true, Properties: []registry.Property{norm},
		Labels: n.Info.Tags, SetLabels: true},
		registry.UploadFile{File: f, FileName: FileName(n.ID, version, ".nupkg"), Size: -1,
			Duplicates: registry.DuplicatesBySetting, DuplicateError: errDuplicate})
	return err
}

// query selects a package's installable versions in a scope, newest first, at most
// the 300 the metadata documents show; version, when set, selects that version in
// any spelling.
func query(sc registry.Scope, name, version string) registry.VersionQuery {
	q := registry.VersionQuery{Scope: sc, Type: registry.PackageTypeNuGet, Name: strings.ToLower(name),
		Statuses: installable, Newest: true, Limit: maxVersions, With: registry.Edges{Files: true}}
	if version != "" {
		q.Property = &registry.Property{Name: propNormalizedVersion, Value: NormalizeVersion(version)}
		q.Limit = 1
	}
	return q
}

// DocumentInput asks for one of NuGet's JSON documents.
type DocumentInput struct {
	Scope       registry.Scope
	Name        string
	Version     string
	Links       Links
	IfNoneMatch string
}

// Registration returns a package's registration index: its newest 300 versions in
// one inline page.
// https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource
func (s *Service) Registration(ctx context.Context, in DocumentInput) (*registry.Document, error) {
	d, err := s.core.Document(ctx, registry.DocumentInput{Query: query(in.Scope, in.Name, ""), IfNoneMatch: in.IfNoneMatch,
		Variant: "nuget registration " + in.Links.Base,
		Build: func(d registry.DocumentData) ([]byte, error) {
			return RenderRegistration(in.Links, newestFirst(d.Versions))
		}})
	if errors.Is(err, registry.ErrNotFound) {
		return nil, errPackagesNotFound
	}
	return d, err
}

// Leaf returns the registration leaf of one version.
func (s *Service) Leaf(ctx context.Context, in DocumentInput) (*registry.Document, error) {
	if !ValidVersion(in.Version) {
		return nil, errPackageNotFound
	}
	d, err := s.core.Document(ctx, registry.DocumentInput{Query: query(in.Scope, in.Name, in.Version), IfNoneMatch: in.IfNoneMatch,
		Variant: "nuget leaf " + in.Links.Base,
		Build: func(d registry.DocumentData) ([]byte, error) {
			return RenderLeaf(in.Links, newestFirst(d.Versions)[0])
		}})
	if errors.Is(err, registry.ErrNotFound) {
		return nil, errPackageNotFound
	}
	return d, err
}

// VersionList returns the flat container's version list of a package.
// https://learn.microsoft.com/en-us/nuget/api/package-base-address-resource
func (s *Service) VersionList(ctx context.Context, in DocumentInput) (*registry.Document, error) {
	q := query(in.Scope, in.Name, "")
	q.With = registry.Edges{}
	d, err := s.core.Document(ctx, registry.DocumentInput{Query: q, IfNoneMatch: in.IfNoneMatch, Variant: "nuget versions",
		Build: func(d registry.DocumentData) ([]byte, error) { return RenderVersionList(d.Versions) }})
	if errors.Is(err, registry.ErrNotFound) {
		return nil, errPackagesNotFound
	}
	return d, err
}

// newestFirst puts the versions of a document newest first (documents read them
// in the order of their query, which may be the cache's).
func newestFirst(vs []*ent.PackageVersion) []*ent.PackageVersion {
	if len(vs) > 1 && vs[0].ID < vs[len(vs)-1].ID {
		out := make([]*ent.PackageVersion, len(vs))
		for i, v := range vs {
			out[len(vs)-1-i] = v
		}
		return out
	}
	return vs
}

// SearchInput is one search: the text, whether prereleases count, and the page.
type SearchInput struct {
	Scope       registry.Scope
	Text        string
	Prerelease  bool
	Skip, Take  int
	Links       Links
	IfNoneMatch string
}

// Search bounds: GitLab's Packages::Nuget::SearchService pages names 30 at most,
// each with its 10 newest versions; searchRows bounds the versions one search reads.
const (
	maxTake          = 30
	versionsPerHit   = 10
	searchRows       = 5000
	maxSearchTerms   = 10
	maxSearchTextLen = 256
)

// Search finds the packages whose name contains the text (every word of it),
// ignoring case, as one page of names in name order.
// https://learn.microsoft.com/en-us/nuget/api/search-query-service-resource
func (s *Service) Search(ctx context.Context, in SearchInput) (*registry.Document, error) {
	if len(in.Text) > maxSearchTextLen {
		return nil, registry.Errorf(registry.ErrInvalid, "q is longer than %d characters", maxSearchTextLen)
	}
	terms := strings.Fields(in.Text)
	if len(terms) > maxSearchTerms {
		return nil, registry.Errorf(registry.ErrInvalid, "q has more than %d words", maxSearchTerms)
	}
	take := min(in.Take, maxTake)
	q := registry.VersionQuery{Scope: in.Scope, Type: registry.PackageTypeNuGet, Terms: terms, Statuses: installable,
		Newest: true, Limit: searchRows}
	return s.core.Document(ctx, registry.DocumentInput{Query: q, IfNoneMatch: in.IfNoneMatch, AllowEmpty: true,
		Variant: fmt.Sprintf("nuget search %q %t %d %d %s", in.Text, in.Prerelease, in.Skip, take, in.Links.Base),
		Build: func(d registry.DocumentData) ([]byte, error) {
			return RenderSearch(in.Links, searchPage(newestFirst(d.Versions), in.Prerelease, in.Skip, take))
		}})
}

// SearchHits is one page of search results and the number of names that matched.
type SearchHits struct {
	Total int
	Hits  [][]*ent.PackageVersion // per name, its newest versions first
}

// searchPage groups versions (newest first) by name, drops prereleases unless
// asked for, orders the names, and keeps one page of them.
func searchPage(versions []*ent.PackageVersion, prerelease bool, skip, take int) SearchHits {
	byName := map[string][]*ent.PackageVersion{}
	var names []string
	for _, v := range versions {
		if !prerelease && Prerelease(v.Version) {
			continue
		}
		if _, ok := byName[v.NormalizedName]; !ok {
			names = append(names, v.NormalizedName)
		}
		if len(byName[v.NormalizedName]) < versionsPerHit {
			byName[v.NormalizedName] = append(byName[v.NormalizedName], v)
		}
	}
	slices.Sort(names)
	out := SearchHits{Total: len(names)}
	skip = min(max(skip, 0), len(names))
	for _, n := range names[skip:min(skip+take, len(names))] {
		out.Hits = append(out.Hits, byName[n])
	}
	return out
}

// File returns the file a flat-container URL names: the newest .nupkg (or .snupkg)
// of the version, whose URL file name is <id>.<version>.<ext> with the version
// normalised or as stored. Files are never redirected to (NuGet's clients do not
// follow redirects with credentials).
func (s *Service) File(ctx context.Context, p *ent.Project, name, version, fileName string) (*ent.PackageFile, error) {
	ext := ".nupkg"
	if strings.HasSuffix(strings.ToLower(fileName), ".snupkg") {
		ext = ".snupkg"
	}
	if !ValidVersion(version) {
		return nil, errPackageNotFound
	}
	vs, err := s.core.Versions(ctx, query(registry.Scope{Project: p}, name, version))
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, errPackageNotFound
	}
	v := vs[0]
	want := strings.ToLower(fileName)
	if want != FileName(v.Name, v.Version, ext) && want != FileName(v.Name, NormalizeVersion(v.Version), ext) {
		return nil, errPackageNotFound
	}
	for _, f := range v.Edges.Files { // newest first
		if strings.HasSuffix(f.FileName, ext) {
			f.Edges.Package = v
			return f, nil
		}
	}
	return nil, errPackageNotFound
}

// Delete removes one version (destroy permission: a Maintainer), by name and
// version in any spelling.
func (s *Service) Delete(ctx context.Context, p *ent.Project, name, version string) error {
	norm := registry.Property{Name: propNormalizedVersion, Value: NormalizeVersion(version)}
	vs, err := s.core.LiveVersions(ctx, p, registry.DestroyPackages, registry.PackageTypeNuGet, strings.ToLower(name), &norm)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return errPackageNotFound
	}
	_, err = s.core.DeleteVersions(ctx, registry.DeleteVersionsInput{Project: p, Type: registry.PackageTypeNuGet,
		Name: vs[0].NormalizedName, Versions: []string{vs[0].Version}})
	return err
}

// SymbolInput asks the symbol server for one file: its name, its signature and the
// checksums the debugger accepts.
type SymbolInput struct {
	Scope     registry.Scope
	File      string
	Signature string
	Checksums []string
}

// SymbolFile is a symbol file found: the symbol package holding it, and its entry.
type SymbolFile struct {
	Package *ent.PackageFile
	Symbol  Symbol
}

// Symbol finds a symbol file among the readable symbol packages of the scope, when
// the scope's group has the symbol server enabled.
func (s *Service) Symbol(ctx context.Context, in SymbolInput) (*SymbolFile, error) {
	on, err := s.core.GroupFlag(ctx, in.Scope, registry.PackageTypeNuGet, flagSymbolServer)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, errSymbolsDisabled
	}
	for _, sum := range in.Checksums {
		key := SymbolKey(in.File, in.Signature, sum)
		vs, err := s.core.Versions(ctx, registry.VersionQuery{Scope: in.Scope, Type: registry.PackageTypeNuGet,
			Statuses: installable, Property: &registry.Property{Name: propSymbol, Value: key},
			With: registry.Edges{Files: true}, Newest: true, Limit: 10})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			for _, f := range v.Edges.Files {
				fi, err := registry.DecodeMetadata[FileInfo](f.Metadata)
				if err != nil {
					continue
				}
				for _, sym := range fi.Symbols {
					if sym.key() == key {
						f.Edges.Package = v
						return &SymbolFile{Package: f, Symbol: sym}, nil
					}
				}
			}
		}
	}
	return nil, errSymbolNotFound
}

// OpenSymbol opens a symbol file inside its stored symbol package; the caller
// closes it.
func (s *Service) OpenSymbol(ctx context.Context, sf *SymbolFile) (io.ReadCloser, error) {
	c, err := s.core.OpenFile(ctx, sf.Package)
	if err != nil {
		return nil, err
	}
	zr, err := openZip(c, c.Size)
	if err != nil {
		c.Close()
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == sf.Symbol.Path {
			rc, err := f.Open()
			if err != nil {
				c.Close()
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{io.LimitReader(rc, sf.Symbol.Size), closers{rc, c}}, nil
		}
	}
	c.Close()
	return nil, errSymbolNotFound
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
