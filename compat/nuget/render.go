package nuget

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Rendering NuGet's JSON documents in GitLab's shapes (its Nuget presenters). Every
// URL is absolute, built from the configured external URL, and names the project
// of the version it points at (group documents too: GitLab has no group download).

// Links builds the URLs of documents: Base is the external URL with /api/v4.
type Links struct {
	Base string
}

// Project is the NuGet root of a project.
func (l Links) Project(id int) string {
	return fmt.Sprintf("%s/projects/%d/packages/nuget", l.Base, id)
}

// Group is the NuGet root of a group.
func (l Links) Group(id int) string { return fmt.Sprintf("%s/groups/%d/-/packages/nuget", l.Base, id) }

// leaf is a version's registration leaf URL (name and version as stored).
func (l Links) leaf(v *ent.PackageVersion) string {
	return l.Project(v.ProjectID) + "/metadata/" + v.Name + "/" + v.Version + ".json"
}

// content is the download URL of a version's newest .nupkg.
func (l Links) content(v *ent.PackageVersion) string {
	file := ""
	for _, f := range v.Edges.Files { // newest first
		if strings.HasSuffix(f.FileName, ".nupkg") {
			file = f.FileName
			break
		}
	}
	return l.Project(v.ProjectID) + "/download/" + v.Name + "/" + v.Version + "/" + file
}

// resource is one entry of the service index.
type resource struct {
	ID      string `json:"@id"`
	Type    string `json:"@type"`
	Comment string `json:"comment"`
}

// ServiceIndex is the service index of a NuGet root: search and metadata, and at
// project level also download, push and symbol push (GitLab has no group download
// or push).
// https://learn.microsoft.com/en-us/nuget/api/service-index
func ServiceIndex(root string, project bool) ([]byte, error) {
	var rs []resource
	for _, t := range []string{"SearchQueryService", "SearchQueryService/3.0.0-beta", "SearchQueryService/3.0.0-rc"} {
		rs = append(rs, resource{root + "/query", t, "Filter and search for packages by keyword."})
	}
	for _, t := range []string{"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.0.0-rc"} {
		rs = append(rs, resource{root + "/metadata", t, "Get package metadata."})
	}
	if project {
		rs = append(rs,
			resource{root + "/download", "PackageBaseAddress/3.0.0", "Get package content (.nupkg)."},
			resource{root, "PackagePublish/2.0.0", "Push and delete (or unlist) packages."},
			resource{root + "/symbolpackage", "SymbolPackagePublish/4.9.0", "Push symbol packages."})
	}
	return json.Marshal(map[string]any{"version": "3.0.0", "resources": rs})
}

type dependencyJSON struct {
	ID    string `json:"@id"`
	Type  string `json:"@type"`
	Name  string `json:"id"`
	Range string `json:"range"`
}

type dependencyGroupJSON struct {
	ID              string           `json:"@id"`
	Type            string           `json:"@type"`
	TargetFramework string           `json:"targetFramework,omitempty"`
	Dependencies    []dependencyJSON `json:"dependencies"`
}

type catalogEntryJSON struct {
	ID               string                `json:"@id"`
	Name             string                `json:"id"`
	Version          string                `json:"version"`
	Authors          string                `json:"authors"`
	Description      string                `json:"description"`
	Summary          string                `json:"summary"`
	Tags             string                `json:"tags"`
	PackageContent   string                `json:"packageContent"`
	DependencyGroups []dependencyGroupJSON `json:"dependencyGroups"`
	ProjectURL       string                `json:"projectUrl,omitempty"`
	LicenseURL       string                `json:"licenseUrl,omitempty"`
	IconURL          string                `json:"iconUrl,omitempty"`
	Published        string                `json:"published"`
}

type leafJSON struct {
	ID             string           `json:"@id"`
	PackageContent string           `json:"packageContent"`
	CatalogEntry   catalogEntryJSON `json:"catalogEntry"`
}

func info(v *ent.PackageVersion) Info {
	m, _ := registry.DecodeMetadata[Info](v.Metadata) // written by Push; a bad row shows empty
	return m
}

func leaf(l Links, v *ent.PackageVersion) leafJSON {
	m := info(v)
	id, content := l.leaf(v), l.content(v)
	groups := []dependencyGroupJSON{}
	for _, g := range m.DependencyGroups {
		gid := id + "#dependencyGroup"
		if g.TargetFramework != "" {
			gid += "/" + strings.ToLower(g.TargetFramework)
		}
		out := dependencyGroupJSON{ID: gid, Type: "PackageDependencyGroup", TargetFramework: g.TargetFramework,
			Dependencies: []dependencyJSON{}}
		for _, d := range g.Dependencies {
			out.Dependencies = append(out.Dependencies, dependencyJSON{ID: gid + "/" + strings.ToLower(d.ID),
				Type: "PackageDependency", Name: d.ID, Range: d.Range})
		}
		groups = append(groups, out)
	}
	return leafJSON{ID: id, PackageContent: content, CatalogEntry: catalogEntryJSON{
		ID: id, Name: v.Name, Version: v.Version, Authors: m.Authors, Description: m.Description,
		Summary: m.Description, Tags: strings.Join(m.Tags, " "), PackageContent: content, DependencyGroups: groups,
		ProjectURL: m.ProjectURL, LicenseURL: m.LicenseURL, IconURL: m.IconURL,
		Published: v.CreatedAt.UTC().Format(time.RFC3339),
	}}
}

// RenderRegistration renders a registration index: one inline page holding every
// version given (newest first), bounded by the lowest and highest version.
func RenderRegistration(l Links, versions []*ent.PackageVersion) ([]byte, error) {
	items := make([]leafJSON, len(versions))
	order := make([]string, len(versions))
	for i, v := range versions {
		items[i], order[i] = leaf(l, v), v.Version
	}
	slices.SortFunc(order, CompareVersions)
	page := map[string]any{"@id": l.leaf(versions[0]), "lower": order[0], "upper": order[len(order)-1],
		"count": len(items), "items": items}
	return json.Marshal(map[string]any{"count": 1, "items": []any{page}})
}

// RenderLeaf renders one version's registration leaf.
func RenderLeaf(l Links, v *ent.PackageVersion) ([]byte, error) { return json.Marshal(leaf(l, v)) }

// RenderVersionList renders the flat container's version list: each version once,
// normalised and lowercased, lowest first, as NuGet's clients expect it.
func RenderVersionList(versions []*ent.PackageVersion) ([]byte, error) {
	out := []string{}
	for _, v := range versions {
		if n := NormalizeVersion(v.Version); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, CompareVersions)
	return json.Marshal(map[string]any{"versions": out})
}

type searchVersionJSON struct {
	ID        string `json:"@id"`
	Version   string `json:"version"`
	Downloads int    `json:"downloads"`
}

type searchHitJSON struct {
	Type           string              `json:"@type"`
	Authors        string              `json:"authors"`
	Name           string              `json:"id"`
	Title          string              `json:"title"`
	Description    string              `json:"description"`
	Summary        string              `json:"summary"`
	TotalDownloads int                 `json:"totalDownloads"`
	Verified       bool                `json:"verified"`
	Version        string              `json:"version"`
	Versions       []searchVersionJSON `json:"versions"`
	Tags           string              `json:"tags"`
	ProjectURL     string              `json:"projectUrl,omitempty"`
	LicenseURL     string              `json:"licenseUrl,omitempty"`
	IconURL        string              `json:"iconUrl,omitempty"`
}

// RenderSearch renders a search page: per name its newest versions, and the
// details of the highest of them.
func RenderSearch(l Links, hits SearchHits) ([]byte, error) {
	data := []searchHitJSON{}
	for _, vs := range hits.Hits {
		latest := vs[0]
		versions := make([]searchVersionJSON, len(vs))
		for i, v := range vs {
			versions[i] = searchVersionJSON{ID: l.leaf(v), Version: v.Version}
			if CompareVersions(v.Version, latest.Version) > 0 {
				latest = v
			}
		}
		m := info(latest)
		data = append(data, searchHitJSON{Type: "Package", Authors: m.Authors, Name: latest.Name, Title: latest.Name,
			Description: m.Description, Summary: m.Description, Verified: true, Version: latest.Version,
			Versions: versions, Tags: strings.Join(m.Tags, " "),
			ProjectURL: m.ProjectURL, LicenseURL: m.LicenseURL, IconURL: m.IconURL})
	}
	return json.Marshal(map[string]any{"totalHits": hits.Total, "data": data})
}
