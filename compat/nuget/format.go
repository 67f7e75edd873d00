// Package nuget implements NuGet's v3 protocol as GitLab serves it (spec A5): the
// service index, push and delete (PackagePublish), symbol packages and the symbol
// server, the registration documents and search (project and group), and the flat
// container that downloads .nupkg files.
// Protocol: https://learn.microsoft.com/en-us/nuget/api/overview and
// https://docs.gitlab.com/api/packages/nuget/
package nuget

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Format is the NuGet format: its routes at project and group level and its service.
type Format struct {
	svc *Service
}

// flagSymbolServer is the group setting that serves symbol files (GitLab's
// nuget_symbol_server_enabled), off by default.
const flagSymbolServer = "symbol_server_enabled"

// New registers NuGet with the core and returns the format.
func New(core *registry.Service) *Format {
	core.RegisterFormat(registry.FormatSpec{
		Type: registry.PackageTypeNuGet, MaxFileSize: 500 << 20, // GitLab's nuget_max_file_size
		DuplicateSetting: true, DuplicatesAllowedByDefault: true,
		Metadata: graphQLMetadata, Dependencies: dependencyLinks,
		GroupFlags: map[string]bool{flagSymbolServer: false},
	})
	return &Format{svc: &Service{core: core}}
}

// Type is NuGet's package type.
func (f *Format) Type() registry.PackageType { return registry.PackageTypeNuGet }

// Mount serves NuGet at project and group level under /api/v4.
func (f *Format) Mount(r chi.Router) {
	r.Mount("/projects/{id}/packages/nuget", f.routes(compat.ProjectLevel))
	r.Mount("/groups/{id}/-/packages/nuget", f.routes(compat.GroupLevel))
}

// Info is what a NuGet version stores, from its nuspec (GitLab's nuget_metadata,
// dependency links and tags); every push of the version rewrites it.
type Info struct {
	Authors           string            `json:"authors,omitempty"`
	Description       string            `json:"description,omitempty"`
	ProjectURL        string            `json:"project_url,omitempty"`
	LicenseURL        string            `json:"license_url,omitempty"`
	IconURL           string            `json:"icon_url,omitempty"`
	Tags              []string          `json:"tags,omitempty"`
	DependencyGroups  []DependencyGroup `json:"dependency_groups,omitempty"`
	NormalizedVersion string            `json:"normalized_version,omitempty"`
}

// DependencyGroup is the dependencies of one target framework ("" for those that
// name none).
type DependencyGroup struct {
	TargetFramework string       `json:"target_framework,omitempty"`
	Dependencies    []Dependency `json:"dependencies"`
}

// Dependency is one dependency: a package id and a version range, as the nuspec
// writes it.
type Dependency struct {
	ID    string `json:"id"`
	Range string `json:"range,omitempty"`
}

// FileInfo is what a NuGet file stores: the symbol files a .snupkg holds.
type FileInfo struct {
	Symbols []Symbol `json:"symbols,omitempty"`
}

// Metadata is NuGet's member of GraphQL's PackageMetadata union (GitLab's
// NugetMetadata).
type Metadata struct {
	ID          string
	IconURL     *string
	LicenseURL  *string
	ProjectURL  *string
	Description *string
	Authors     *string
}

// IsPackageMetadata marks Metadata as a PackageMetadata union member.
func (Metadata) IsPackageMetadata() {}

// DependencyLinkMetadata is NuGet's member of GraphQL's DependencyLinkMetadata union:
// the target framework of a dependency.
type DependencyLinkMetadata struct {
	ID              string
	TargetFramework string
}

// IsDependencyLinkMetadata marks DependencyLinkMetadata as a union member.
func (DependencyLinkMetadata) IsDependencyLinkMetadata() {}

func graphQLMetadata(v *ent.PackageVersion) (any, error) {
	m, err := registry.DecodeMetadata[Info](v.Metadata)
	if err != nil {
		return nil, err
	}
	s := compat.NonEmpty
	return &Metadata{ID: fmt.Sprintf("gid://gitlab/Packages::Nuget::Metadatum/%d", v.ID),
		IconURL: s(m.IconURL), LicenseURL: s(m.LicenseURL), ProjectURL: s(m.ProjectURL),
		Description: s(m.Description), Authors: s(m.Authors)}, nil
}

// dependencyLinks lists a version's dependencies, each with its target framework.
func dependencyLinks(v *ent.PackageVersion) ([]registry.Dependency, error) {
	m, err := registry.DecodeMetadata[Info](v.Metadata)
	if err != nil {
		return nil, err
	}
	var out []registry.Dependency
	for _, g := range m.DependencyGroups {
		for _, d := range g.Dependencies {
			link := registry.Dependency{Name: d.ID, VersionPattern: d.Range, Type: "dependencies"}
			if g.TargetFramework != "" {
				link.Metadata = &DependencyLinkMetadata{TargetFramework: g.TargetFramework,
					ID: fmt.Sprintf("gid://gitlab/Packages::Nuget::DependencyLinkMetadatum/%d-%d", v.ID, len(out))}
			}
			out = append(out, link)
		}
	}
	return out, nil
}

// style is GitLab's answers for NuGet: a size over the limit is a 400 ("400 Bad
// request - File is too large"), as GitLab's push answers it, and files are never
// redirected to.
var style = compat.Style{
	Overrides: []compat.Override{{Err: registry.ErrTooLarge, Status: http.StatusBadRequest}},
	// NuGet's clients do not follow redirects (GitLab: supports_direct_download false).
	NoRedirect: true,
	Body: func(_ int, msg string, e *registry.Error) any {
		switch {
		case e != nil && e.Param != "":
			return map[string]string{"error": msg}
		case e != nil && errors.Is(e, registry.ErrTooLarge):
			return map[string]string{"message": "400 Bad request - " + msg}
		}
		return map[string]string{"message": msg}
	},
}

func invalid(param string) error { return registry.InvalidParam(param) }
