package compat

import (
	"fmt"
	"time"

	"github.com/pkgreg/registry/ent"
)

// ProjectJSON is GitLab's basic project entity.
type ProjectJSON struct {
	ID                         int       `json:"id"`
	Name                       string    `json:"name"`
	Path                       string    `json:"path"`
	PathWithNamespace          string    `json:"path_with_namespace"`
	Visibility                 string    `json:"visibility"`
	PackageRegistryAccessLevel string    `json:"package_registry_access_level"`
	WebURL                     string    `json:"web_url"`
	CreatedAt                  time.Time `json:"created_at"`
}

// ProjectEntity renders a project.
func ProjectEntity(base string, p *ent.Project) ProjectJSON {
	return ProjectJSON{ID: p.ID, Name: p.Name, Path: p.Path, PathWithNamespace: p.FullPath,
		Visibility: p.Visibility.String(), PackageRegistryAccessLevel: p.PackageRegistryAccessLevel.String(),
		WebURL: base + "/" + p.FullPath, CreatedAt: p.CreatedAt}
}

// GroupJSON is GitLab's basic group entity.
type GroupJSON struct {
	ID         int       `json:"id"`
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	FullPath   string    `json:"full_path"`
	Visibility string    `json:"visibility"`
	ParentID   *int      `json:"parent_id"`
	WebURL     string    `json:"web_url"`
	CreatedAt  time.Time `json:"created_at"`
}

// GroupEntity renders a group.
func GroupEntity(base string, g *ent.Group) GroupJSON {
	return GroupJSON{ID: g.ID, Name: g.Name, Path: g.Path, FullPath: g.FullPath, Visibility: g.Visibility.String(),
		ParentID: g.ParentID, WebURL: base + "/groups/" + g.FullPath, CreatedAt: g.CreatedAt}
}

// UserJSON is GitLab's basic user entity.
type UserJSON struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	State    string `json:"state"`
	// AvatarURL is null: there are no avatars here (GitLab's UserBasic has the key).
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

// User renders a user.
func User(base string, u *ent.User) *UserJSON {
	if u == nil {
		return nil
	}
	return &UserJSON{ID: u.ID, Username: u.Username, Name: u.Name, State: u.State.String(), WebURL: base + "/" + u.Username}
}

// PipelineJSON is GitLab's pipeline entity as the packages API shows it.
type PipelineJSON struct {
	ID        int       `json:"id"`
	IID       int64     `json:"iid"`
	ProjectID int       `json:"project_id"`
	SHA       string    `json:"sha"`
	Ref       string    `json:"ref"`
	Status    string    `json:"status"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	WebURL    string    `json:"web_url"`
	User      *UserJSON `json:"user"`
}

// Pipeline renders a pipeline (its user edge loaded when present).
func Pipeline(base, projectPath string, p *ent.Pipeline) PipelineJSON {
	return PipelineJSON{ID: p.ID, IID: p.Iid, ProjectID: p.ProjectID, SHA: p.Sha, Ref: p.Ref,
		Status: p.Status.String(), Source: p.Source, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		WebURL: fmt.Sprintf("%s/%s/-/pipelines/%d", base, projectPath, p.ID), User: User(base, p.Edges.User)}
}

// PackageLinks are a package's links.
type PackageLinks struct {
	WebPath       string `json:"web_path,omitempty"`
	DeleteAPIPath string `json:"delete_api_path,omitempty"`
}

// TagJSON is a package tag.
type TagJSON struct {
	ID        int       `json:"id"`
	PackageID int       `json:"package_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PackageJSON is GitLab's package entity.
type PackageJSON struct {
	ID               int           `json:"id"`
	Name             string        `json:"name"`
	Version          string        `json:"version"`
	PackageType      string        `json:"package_type"`
	Status           string        `json:"status"`
	Links            PackageLinks  `json:"_links"`
	CreatedAt        time.Time     `json:"created_at"`
	LastDownloadedAt *time.Time    `json:"last_downloaded_at"`
	ProjectID        int           `json:"project_id,omitempty"`
	ProjectPath      string        `json:"project_path,omitempty"`
	Tags             []TagJSON     `json:"tags"`
	Pipeline         *PipelineJSON `json:"pipeline,omitempty"`
	// Pipelines is present and empty when the package has pipelines, as GitLab's
	// entity has it since the list moved to GET .../pipelines (paginated there).
	Pipelines *[]PipelineJSON `json:"pipelines,omitempty"`
	Versions  *[]PackageJSON  `json:"versions,omitempty"`
}

// Package renders a package; tags, build infos and project edges are used when loaded.
// canDestroy adds the delete link; inGroup adds project_id and project_path.
func Package(base string, p *ent.PackageVersion, canDestroy, inGroup bool) PackageJSON {
	out := PackageJSON{ID: p.ID, Name: p.Name, Version: p.Version, PackageType: p.PackageType.String(),
		Status: p.Status.String(), CreatedAt: p.CreatedAt, LastDownloadedAt: p.LastDownloadedAt, Tags: []TagJSON{}}
	projectPath := ""
	if p.Edges.Project != nil {
		projectPath = p.Edges.Project.FullPath
	}
	if p.Status.String() == "default" || p.Status.String() == "deprecated" {
		out.Links.WebPath = fmt.Sprintf("/%s/-/packages/%d", projectPath, p.ID)
	}
	if canDestroy {
		out.Links.DeleteAPIPath = fmt.Sprintf("%s/api/v4/projects/%d/packages/%d", base, p.ProjectID, p.ID)
	}
	if inGroup {
		out.ProjectID, out.ProjectPath = p.ProjectID, projectPath
	}
	for _, t := range p.Edges.Tags {
		out.Tags = append(out.Tags, TagJSON{ID: t.ID, PackageID: p.ID, Name: t.Name, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt})
	}
	// pipeline is the last build info's (GitLab's last_pipeline).
	var last *ent.PackageBuildInfo
	for _, bi := range p.Edges.BuildInfos {
		if bi.Edges.Pipeline != nil && (last == nil || bi.ID > last.ID) {
			last = bi
		}
	}
	if last != nil {
		pl := Pipeline(base, projectPath, last.Edges.Pipeline)
		out.Pipeline, out.Pipelines = &pl, &[]PipelineJSON{}
	}
	return out
}

// PackageFileJSON is GitLab's package file entity.
type PackageFileJSON struct {
	ID         int            `json:"id"`
	PackageID  int            `json:"package_id"`
	CreatedAt  time.Time      `json:"created_at"`
	FileName   string         `json:"file_name"`
	Size       int64          `json:"size"`
	FileMD5    string         `json:"file_md5"`
	FileSHA1   string         `json:"file_sha1"`
	FileSHA256 string         `json:"file_sha256"`
	Pipelines  []PipelineJSON `json:"pipelines,omitempty"`
}

// PackageFile renders a file (its pipeline edge used when loaded).
func PackageFile(base, projectPath string, f *ent.PackageFile) PackageFileJSON {
	out := PackageFileJSON{ID: f.ID, PackageID: f.PackageID, CreatedAt: f.CreatedAt, FileName: f.FileName,
		Size: f.Size, FileMD5: f.Md5, FileSHA1: f.Sha1, FileSHA256: f.Sha256}
	if f.Edges.Pipeline != nil {
		out.Pipelines = []PipelineJSON{Pipeline(base, projectPath, f.Edges.Pipeline)}
	}
	return out
}

// NonEmpty is a pointer to v, or nil for "": an optional GraphQL string.
func NonEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
