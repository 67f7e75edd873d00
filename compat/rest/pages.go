package rest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// projectFileSuffix ends the project-page download path of a package file.
const projectFileSuffix = "/download"

// ProjectFilePath returns the project path and file id of GitLab's project-page download
// URL of a package file, /<project full path>/-/package_files/<id>/download
// (download_project_package_file_path, which GraphQL's packageFiles.downloadPath
// gives); ok is false for any other path.
func ProjectFilePath(urlPath string) (project string, fileID int, ok bool) {
	rest, found := strings.CutSuffix(urlPath, projectFileSuffix)
	if !found {
		return "", 0, false
	}
	project, id, found := strings.Cut(strings.TrimPrefix(rest, "/"), "/-/package_files/")
	if !found || project == "" || strings.Contains(id, "/") {
		return "", 0, false
	}
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return project, n, true
}

// DownloadProjectFile serves a package file from its project's page, as GitLab's
// Projects::Packages::PackageFilesController#download: whoever may read the project's
// packages (a web session included) gets the file; others get the Packages API's answer.
func DownloadProjectFile(svc *registry.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path, id, ok := ProjectFilePath(r.URL.Path)
		if !ok {
			style.WriteError(w, r, registry.Errorf(registry.ErrNotFound, "404 Not Found"))
			return
		}
		f, err := svc.ProjectPackageFile(r.Context(), path, id)
		if err != nil {
			style.WriteError(w, r, err)
			return
		}
		// The attachment is named after the last component of the file name, whose
		// sub-path a generic upload keeps escaped (GitLab: file_name_for_download).
		named := *f
		if i := strings.LastIndex(named.FileName, "%2F"); i >= 0 {
			named.FileName = named.FileName[i+len("%2F"):]
		}
		style.ServeFile(w, r, svc, &named, "")
	}
}
