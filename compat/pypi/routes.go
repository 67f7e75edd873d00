package pypi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// routes serves the PyPI API at one level: /projects/{id}/packages/pypi or
// /groups/{id}/-/packages/pypi. Uploads exist at project level only.
func (f *Format) routes(level compat.Level) chi.Router {
	h := &handler{svc: f.svc, core: f.svc.core, level: level}
	r := chi.NewRouter()
	if level == compat.ProjectLevel {
		r.Post("/", h.uploadPackageFile)
	}
	for _, p := range []string{"/simple", "/simple/"} {
		r.Get(p, h.enumeratePackages)
	}
	for _, p := range []string{"/simple/{package_name}", "/simple/{package_name}/"} {
		r.Get(p, h.enumerateVersions)
	}
	r.Get("/files/{sha256}/{file_name}", h.downloadPackageFile)
	r.Head("/files/{sha256}/{file_name}", h.downloadPackageFile)
	return r
}

type handler struct {
	svc   *Service
	core  *registry.Service
	level compat.Level
}

// maxFormFields bounds the text fields of one upload (descriptions are READMEs):
// their names and values, plus partOverhead for each part, so that a body of many
// tiny or empty fields runs out of budget as surely as one huge field.
const (
	maxFormFields = 8 << 20
	partOverhead  = 64
)

// uploadPackageFile receives twine's multipart form. The file part is streamed into
// temporary storage as it arrives; fields may come before or after it, so the form
// is validated once the body is read, and a refused upload leaves nothing behind.
// https://warehouse.pypa.io/api-reference/legacy.html#upload-api
func (h *handler) uploadPackageFile(w http.ResponseWriter, r *http.Request) {
	project, err := compat.Project(r, h.core)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	up, err := h.svc.BeginUpload(r.Context(), project)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	defer up.Discard(r.Context())
	form, err := readForm(r, up)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	in, err := form.Input()
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if err := up.Publish(r.Context(), in); err != nil {
		style.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusCreated, map[string]string{"message": "201 Created"})
}

// readForm reads the multipart body part by part: text fields into the form, the
// "content" part straight into the upload.
func readForm(r *http.Request, up *Upload) (*UploadForm, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, registry.Errorf(registry.ErrInvalid, "Request body must be multipart/form-data")
	}
	form := &UploadForm{}
	budget := int64(maxFormFields)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "Malformed multipart body")
		}
		if part.FormName() == "content" {
			// Refuse a bad name or version before receiving the file, when known.
			if form.Has("name") && form.Has("version") {
				if err := form.CheckIdentity(); err != nil {
					return nil, err
				}
			}
			form.FileName, form.HasFile = part.FileName(), true
			if err := up.Receive(r.Context(), part); err != nil {
				return nil, err
			}
			continue
		}
		if budget -= int64(len(part.FormName()) + partOverhead); budget < 0 {
			return nil, registry.Errorf(registry.ErrTooLarge, "Form fields are too large")
		}
		b, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "Malformed multipart body")
		}
		if budget -= int64(len(b)); budget < 0 {
			return nil, registry.Errorf(registry.ErrTooLarge, "Form fields are too large")
		}
		form.Set(part.FormName(), string(b))
	}
}

// scope resolves the project or group of the request and the URL prefix of its index.
func (h *handler) scope(r *http.Request) (registry.Scope, string, error) {
	sc, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		return sc, "", err
	}
	// GitLab's PyPI group endpoints ask the group's own read_package first
	// (authorize_read_package!(group)): a Guest of the group is refused there.
	if sc.Group != nil {
		if err := h.core.AuthorizeGroup(r.Context(), sc.Group, registry.GroupPull); err != nil {
			return sc, "", err
		}
	}
	// Links name the project or group by id, as GitLab writes them.
	prefix := h.core.ExternalURL() + "/api/v4"
	if sc.Project != nil {
		prefix += fmt.Sprintf("/projects/%d/packages/pypi", sc.Project.ID)
	} else if sc.Group != nil {
		prefix += fmt.Sprintf("/groups/%d/-/packages/pypi", sc.Group.ID)
	}
	return sc, prefix, nil
}

// enumeratePackages serves the root of the simple index.
// https://peps.python.org/pep-0503/ and https://peps.python.org/pep-0691/
func (h *handler) enumeratePackages(w http.ResponseWriter, r *http.Request) {
	sc, prefix, err := h.scope(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	f := Negotiate(r.Header.Get("Accept"))
	doc, err := h.svc.Index(r.Context(), IndexInput{Scope: sc, Encoding: f, Prefix: prefix, IfNoneMatch: r.Header.Get("If-None-Match")})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	writeDocument(w, r, doc, f)
}

// enumerateVersions serves one project page of the simple index.
func (h *handler) enumerateVersions(w http.ResponseWriter, r *http.Request) {
	name, err := compat.Param(r, "package_name")
	if err != nil || !ValidName(name) {
		style.WriteError(w, r, registry.Errorf(registry.ErrNotFound, "404 Package Not Found"))
		return
	}
	sc, prefix, err := h.scope(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	f := Negotiate(r.Header.Get("Accept"))
	doc, err := h.svc.Index(r.Context(), IndexInput{Scope: sc, NormalizedName: NormalizeName(name), Encoding: f,
		Prefix: prefix, IfNoneMatch: r.Header.Get("If-None-Match")})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	writeDocument(w, r, doc, f)
}

func writeDocument(w http.ResponseWriter, r *http.Request, doc *registry.Document, f Encoding) {
	w.Header().Set("Vary", "Accept")
	compat.ServeDocument(w, r, doc, f.ContentType())
}

// downloadPackageFile serves a distribution, or a wheel's core metadata
// ("<wheel>.metadata", PEP 658), by SHA-256 and file name.
func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request) {
	sha, err := compat.Param(r, "sha256")
	if err != nil || !ValidSHA256(sha) {
		style.WriteError(w, r, registry.InvalidParam("sha256"))
		return
	}
	file, err := compat.Param(r, "file_name")
	if err != nil || file == "" || strings.Contains(file, "/") {
		style.WriteError(w, r, registry.InvalidParam("file_identifier"))
		return
	}
	sc, _, err := h.scope(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	f, err := h.svc.File(r.Context(), sc, sha, file)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	contentType := "application/octet-stream"
	if strings.HasSuffix(file, CoreMetadataSuffix) {
		contentType = "text/plain; charset=utf-8"
	}
	style.ServeFile(w, r, h.core, f, contentType)
}
