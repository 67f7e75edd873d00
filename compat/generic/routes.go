package generic

import (
	"errors"
	"fmt"
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

// fileRef is the package and file a request names. stored is the file's name as
// GitLab stores it: with a sub-path, the whole path URI-component-encoded in one
// name ("dir%2Ff.txt"), so listings show what GitLab's show.
type fileRef struct {
	name, version, file, stored string
}

// params reads and validates the path with GitLab's regexes; the file may carry a
// sub-path ("dir/file.txt"), each segment validated.
func params(r *http.Request) (fileRef, error) {
	var ref fileRef
	var err error
	// GitLab's file_path validator runs on the decoded value before the regexes.
	if ref.name, err = compat.Param(r, "package_name"); err == nil && traverses(ref.name) {
		return ref, registry.InvalidPath("package_name")
	}
	if err != nil || !ValidName(ref.name) {
		return ref, registry.InvalidParam("package_name")
	}
	if ref.version, err = compat.Param(r, "package_version"); err != nil || !ValidVersion(ref.version) {
		return ref, registry.InvalidParam("package_version")
	}
	// The route's rest is GitLab's path (the directories) and file_name (the last
	// segment), validated in that order.
	segs := strings.Split(chi.URLParam(r, "*"), "/")
	for i, s := range segs {
		param := "path"
		if i == len(segs)-1 {
			param = "file_name"
		}
		if segs[i], err = url.PathUnescape(s); err != nil {
			return ref, registry.InvalidParam(param)
		}
		if traverses(segs[i]) {
			return ref, registry.InvalidPath(param)
		}
		// GitLab's file_name holds no slash: an encoded one in the last segment
		// would store a name that no download path reaches.
		if i == len(segs)-1 && strings.Contains(segs[i], "/") {
			return ref, registry.InvalidParam(param)
		}
	}
	ref.file = strings.Join(segs, "/")
	if !ValidFilePath(ref.file) {
		return ref, registry.InvalidParam("file_name")
	}
	ref.stored = ref.file
	if len(segs) > 1 {
		ref.stored = encodeURIComponent(ref.file)
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
		style.WriteError(w, r, registry.InvalidValue("status"))
		return
	}
	if s := q.Get("select"); s != "" && s != "package_file" {
		style.WriteError(w, r, registry.InvalidValue("select"))
		return
	}
	f, err := h.svc.PublishFile(r.Context(), registry.PublishFileInput{
		Project: project, Type: registry.PackageTypeGeneric,
		Name: ref.name, Version: ref.version, FileName: ref.stored,
		Body: r.Body, Size: r.ContentLength,
		Status: status, SetStatus: q.Has("status"),
		Duplicates: registry.DuplicatesBySetting, DuplicateError: errDuplicate,
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
	q := registry.FileQuery{
		VersionQuery: registry.VersionQuery{Scope: registry.Scope{Project: project}, Type: registry.PackageTypeGeneric,
			Name: ref.name, Versions: []string{ref.version}},
		FileName: ref.stored,
	}
	f, err := h.svc.FindFile(r.Context(), q)
	if errors.Is(err, registry.ErrNotFound) && ref.stored != ref.file {
		// Files published before names were stored encoded keep their plain path.
		q.FileName = ref.file
		f, err = h.svc.FindFile(r.Context(), q)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	style.ServeFile(w, r, h.svc, f, "application/octet-stream")
}

// traverses is Gitlab::PathTraversal's check of a decoded value: "." or "..", or a
// ".." segment once decoded slashes are counted.
func traverses(v string) bool {
	if v == "." {
		return true
	}
	for _, seg := range strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}

// encodeURIComponent is JavaScript's (and Ruby's URI.encode_uri_component, which
// GitLab stores sub-path names with): everything but A-Z a-z 0-9 - _ . ! ~ * ' ( )
// is percent-encoded, "/" included.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
