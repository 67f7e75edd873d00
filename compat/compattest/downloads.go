package compattest

import "time"

// PackageDownloads is what GraphQL shows of one package version's downloads.
type PackageDownloads struct {
	Name, Version    string
	DownloadsCount   int64
	LastDownloadedAt *time.Time
	PackageFiles     struct {
		Nodes []struct {
			FileName         string
			DownloadsCount   int64
			LastDownloadedAt *time.Time
		}
	}
}

// FlushDownloads writes the download counts this replica has tallied.
func (e *Env) FlushDownloads() {
	e.T.Helper()
	if err := e.Svc.FlushDownloads(e.Admin); err != nil {
		e.T.Fatalf("flush downloads: %v", err)
	}
}

// Downloads returns the download counts of a project's packages as root sees them
// through GraphQL (what the database holds: flush first), newest version first.
func (e *Env) Downloads(projectPath string) []PackageDownloads {
	e.T.Helper()
	var out struct {
		Project struct {
			Packages struct{ Nodes []PackageDownloads }
		}
	}
	errs := e.GraphQL(`query($p: ID!) { project(fullPath: $p) { packages(sort: VERSION_DESC) { nodes {
		name version downloadsCount lastDownloadedAt packageFiles { nodes { fileName downloadsCount lastDownloadedAt } } } } } }`,
		map[string]any{"p": projectPath}, &out, "Authorization", "Bearer "+e.RootToken)
	if len(errs) > 0 {
		e.T.Fatalf("downloads of %s: %v", projectPath, errs)
	}
	return out.Project.Packages.Nodes
}

// FileDownloads maps a package's file names to their download counts.
func (p PackageDownloads) FileDownloads() map[string]int64 {
	out := map[string]int64{}
	for _, f := range p.PackageFiles.Nodes {
		out[f.FileName] += f.DownloadsCount
	}
	return out
}
