package generic

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// routes serves /api/v4/projects/{id}/packages/generic.
func (f *Format) routes() chi.Router {
	h := &handler{svc: f.core}
	r := chi.NewRouter()
	r.Put("/{package_name}/{package_version}/*", h.uploadPackageFile)
	r.Get("/{package_name}/{package_version}/*", h.downloadPackageFile)
	r.Head("/{package_name}/{package_version}/*", h.downloadPackageFile)
	return r
}

type handler struct{ svc *registry.Service }

// fileRef is the package and file a request names.
type fileRef struct {
	name, version, file string
}

// params reads and validates the path with GitLab's regexes; the file may carry a
// sub-path ("dir/file.txt"), each segment validated.
func params(r *http.Request) (fileRef, error) {
	var ref fileRef
	var err error
	if ref.name, err = compat.Param(r, "package_name"); err != nil || !ValidName(ref.name) {
		return ref, registry.InvalidParam("package_name")
	}
	if ref.version, err = compat.Param(r, "package_version"); err != nil || !ValidVersion(ref.version) {
		return ref, registry.InvalidParam("package_version")
	}
	segs := strings.Split(chi.URLParam(r, "*"), "/")
	for i, s := range segs {
		if segs[i], err = url.PathUnescape(s); err != nil {
			return ref, registry.InvalidParam("file_name")
		}
	}
	ref.file = strings.Join(segs, "/")
	if !ValidFilePath(ref.file) {
		return ref, registry.InvalidParam("file_name")
	}
	return ref, nil
}

func (h *handler) uploadPackageFile(w http.ResponseWriter, r *http.Request) {
	// Validate before the lookup, so a bad request looks the same whether or not
	// the project exists.
	ref, err := params(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	project, err := compat.Project(r, h.svc)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	status := registry.StatusDefault
	switch q.Get("status") {
	case "", "default":
	case "hidden":
		status = registry.StatusHidden
	default:
		style.WriteError(w, r, registry.InvalidParam("status"))
		return
	}
	if s := q.Get("select"); s != "" && s != "package_file" {
		style.WriteError(w, r, registry.InvalidParam("select"))
		return
	}
	f, err := h.svc.PublishFile(r.Context(), registry.PublishFileInput{
		Project: project, Type: registry.PackageTypeGeneric,
		Name: ref.name, Version: ref.version, FileName: ref.file,
		Body: r.Body, Size: r.ContentLength,
		Status: status, SetStatus: q.Has("status"),
		Duplicates: registry.DuplicatesBySetting,
	})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if q.Get("select") == "package_file" {
		compat.WriteJSON(w, http.StatusOK, compat.PackageFile(h.svc.ExternalURL(), project.FullPath, f))
		return
	}
	compat.WriteJSON(w, http.StatusCreated, map[string]string{"message": "201 Created"})
}

func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request) {
	// Validate before the lookup, so a bad request looks the same whether or not
	// the project exists.
	ref, err := params(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	project, err := compat.Project(r, h.svc)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	f, err := h.svc.FindFile(r.Context(), registry.FileQuery{
		VersionQuery: registry.VersionQuery{Scope: registry.Scope{Project: project}, Type: registry.PackageTypeGeneric,
			Name: ref.name, Versions: []string{ref.version}},
		FileName: ref.file,
	})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	style.ServeFile(w, r, h.svc, f, "application/octet-stream")
}
