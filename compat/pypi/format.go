// Package pypi implements the PyPI upload and simple-index protocols (GitLab spec A3):
// twine's legacy upload API, and the simple repository API that pip reads, as HTML
// (PEP 503) or JSON (PEP 691), with core metadata for wheels (PEP 658, PEP 714).
// Protocol: https://docs.gitlab.com/api/packages/pypi/
package pypi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Format is the PyPI format: its routes at project and group level and its service.
type Format struct {
	svc *Service
}

// New registers PyPI with the core and returns the format.
func New(core *registry.Service) *Format {
	core.RegisterFormat(registry.FormatSpec{
		Type: registry.PackageTypePyPI, MaxFileSize: 3 << 30, // GitLab's pypi_max_file_size
		Metadata: graphQLMetadata, Dependencies: dependencyLinks,
	})
	return &Format{svc: &Service{core: core}}
}

// Type is PyPI's package type.
func (f *Format) Type() registry.PackageType { return registry.PackageTypePyPI }

// AuthPolicy: a read with a Basic credential that does not authenticate goes on as
// anonymous (GitLab's PyPI shared examples: public projects serve it).
func (f *Format) AuthPolicy() auth.Policy { return auth.Policy{Lenient: compat.LenientReads} }

// Mount serves PyPI at project and group level under /api/v4.
func (f *Format) Mount(r chi.Router) {
	r.Mount("/projects/{id}/packages/pypi", f.routes(compat.ProjectLevel))
	r.Mount("/groups/{id}/-/packages/pypi", f.routes(compat.GroupLevel))
}

// Info is what a PyPI version stores: GitLab's pypi_metadata row, from the upload
// form (the newest upload's non-empty fields win).
type Info struct {
	RequiresPython         string   `json:"requires_python,omitempty"`
	Summary                string   `json:"summary,omitempty"`
	AuthorEmail            string   `json:"author_email,omitempty"`
	Description            string   `json:"description,omitempty"`
	Keywords               string   `json:"keywords,omitempty"`
	MetadataVersion        string   `json:"metadata_version,omitempty"`
	DescriptionContentType string   `json:"description_content_type,omitempty"`
	License                string   `json:"license,omitempty"`
	HomePage               string   `json:"home_page,omitempty"`
	ProjectURLs            []string `json:"project_urls,omitempty"`
	// RequiresDist are the Requires-Dist fields (PEP 508 requirements).
	RequiresDist []string `json:"requires_dist,omitempty"`
}

// FileInfo is what a PyPI file stores.
type FileInfo struct {
	RequiresPython string `json:"requires_python,omitempty"`
	FileType       string `json:"filetype,omitempty"`
	PythonVersion  string `json:"python_version,omitempty"`
	// CoreMetadataSHA256 is set on a wheel whose core metadata is served next to it.
	CoreMetadataSHA256 string `json:"core_metadata_sha256,omitempty"`
	// CoreMetadataOf is set on a core metadata file: the wheel it describes.
	CoreMetadataOf string `json:"core_metadata_of,omitempty"`
}

// Metadata is PyPI's member of GraphQL's PackageMetadata union.
type Metadata struct {
	AuthorEmail            *string
	Description            *string
	DescriptionContentType *string
	Keywords               *string
	MetadataVersion        *string
	RequiredPython         *string
	Summary                *string
	License                *string
	HomePage               *string
	ProjectUrls            []string
}

// IsPackageMetadata marks Metadata as a PackageMetadata union member.
func (Metadata) IsPackageMetadata() {}

func graphQLMetadata(v *ent.PackageVersion) (any, error) {
	m, err := registry.DecodeMetadata[Info](v.Metadata)
	if err != nil {
		return nil, err
	}
	s := compat.NonEmpty
	return &Metadata{AuthorEmail: s(m.AuthorEmail), Description: s(m.Description),
		DescriptionContentType: s(m.DescriptionContentType), Keywords: s(m.Keywords),
		MetadataVersion: s(m.MetadataVersion), RequiredPython: s(m.RequiresPython), Summary: s(m.Summary),
		License: s(m.License), HomePage: s(m.HomePage), ProjectUrls: m.ProjectURLs}, nil
}

// dependencyLinks lists a version's Requires-Dist requirements: the project name,
// and the rest of the requirement (extras, version specifiers, markers) as its pattern.
func dependencyLinks(v *ent.PackageVersion) ([]registry.Dependency, error) {
	m, err := registry.DecodeMetadata[Info](v.Metadata)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Dependency, 0, len(m.RequiresDist))
	for _, r := range m.RequiresDist {
		if name, pattern := splitRequirement(r); name != "" {
			out = append(out, registry.Dependency{Name: name, VersionPattern: pattern, Type: "dependencies"})
		}
	}
	return out, nil
}

// style is GitLab's REST shape; a file name already in the version is a 400, as
// GitLab answers it.
var style = compat.Style{Overrides: []compat.Override{{Err: errDuplicate, Status: http.StatusBadRequest}}}
