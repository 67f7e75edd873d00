package maven

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// routes serves the Maven repository at one level: /projects/{id}/packages/maven,
// /groups/{id}/-/packages/maven or /packages/maven. Only the project level accepts
// uploads.
func (f *Format) routes(level compat.Level) chi.Router {
	h := &handler{svc: f.svc, core: f.svc.core, level: level}
	r := chi.NewRouter()
	r.Get("/*", h.downloadPackageFile)
	r.Head("/*", h.downloadPackageFile)
	if level == compat.ProjectLevel {
		r.Put("/*", h.uploadPackageFile)
	}
	return r
}

type handler struct {
	svc   *Service
	core  *registry.Service
	level compat.Level
}

// maxChecksumBody bounds a checksum upload: a hex digest and perhaps a file name.
const maxChecksumBody = 1024

func (h *handler) uploadPackageFile(w http.ResponseWriter, r *http.Request) {
	// Validate before the lookup, so a bad request looks the same whether or not
	// the project exists.
	ref, err := ParsePath(chi.URLParam(r, "*"))
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	project, err := compat.Project(r, h.core)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if ref.Checksum != "" {
		h.verifyChecksum(w, r, project, ref)
		return
	}
	f, err := h.svc.Publish(r.Context(), PublishInput{Project: project, Path: ref, Body: r.Body, Size: r.ContentLength})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, compat.PackageFile(h.core.ExternalURL(), project.FullPath, f))
}

// verifyChecksum answers a checksum PUT as GitLab does: SHA-1 (and here SHA-256 and
// SHA-512) 204 when it matches the stored file and 409 when not; MD5 200 empty.
func (h *handler) verifyChecksum(w http.ResponseWriter, r *http.Request, project *ent.Project, ref Path) {
	compat.SmallBody(w, r, h.core.SmallBodyTimeout(), maxChecksumBody+1)
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) > maxChecksumBody {
		style.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "Checksum is invalid"))
		return
	}
	digest, err := ParseChecksum(ref.Checksum, body)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	err = h.svc.VerifyChecksum(r.Context(), ChecksumInput{Project: project, Path: ref, Algorithm: ref.Checksum, Digest: digest})
	switch {
	case err != nil:
		style.WriteError(w, r, err)
	case ref.Checksum == "md5":
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request) {
	ref, err := ParsePath(chi.URLParam(r, "*"))
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if ref.ArtifactMetadata() {
		h.packageMetadata(w, r, scope, ref)
		return
	}
	f, err := h.svc.File(r.Context(), scope, ref)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if ref.Checksum != "" {
		serveText(w, r, textPlain, f.CreatedAt, []byte(fileDigest(f, ref.Checksum)))
		return
	}
	style.ServeFile(w, r, h.core, f, binary)
}

// packageMetadata answers the artifact-level maven-metadata.xml (or its checksum):
// rendered from every version the caller may read in the scope, so that it is right
// at group and instance level and after deletions, whatever clients uploaded. A path
// without versions (a groupId's plugin list) serves the uploaded file.
func (h *handler) packageMetadata(w http.ResponseWriter, r *http.Request, scope registry.Scope, ref Path) {
	doc, err := h.svc.Metadata(r.Context(), MetadataInput{Scope: scope, Path: ref, IfNoneMatch: r.Header.Get("If-None-Match")})
	switch {
	case err == nil && ref.Checksum != "":
		compat.ServeDocument(w, r, doc, textPlain)
		return
	case err == nil:
		if doc.Body != nil {
			// GitLab sends every file's digests; this one is rendered, so they are its own.
			w.Header().Set("X-Checksum-SHA1", Digest("sha1", doc.Body))
			w.Header().Set("X-Checksum-MD5", Digest("md5", doc.Body))
		}
		compat.ServeDocument(w, r, doc, binary)
		return
	case !errors.Is(err, errNoVersions):
		style.WriteError(w, r, err)
		return
	}
	a, err := h.svc.Artifact(r.Context(), scope, ref.Name)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if a.Uploaded == nil {
		style.WriteError(w, r, miss(scope, errPackageNotFound))
		return
	}
	if ref.Checksum == "" {
		style.ServeFile(w, r, h.core, a.Uploaded, binary)
		return
	}
	serveText(w, r, textPlain, a.Uploaded.CreatedAt, []byte(fileDigest(a.Uploaded, ref.Checksum)))
}

// serveText serves generated content (a digest or rendered metadata), HEAD included.
func serveText(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, b []byte) {
	w.Header().Set("Content-Type", contentType)
	http.ServeContent(w, r, "", modified, bytes.NewReader(b))
}

// GitLab's Maven API serves every file, maven-metadata.xml included, as binary and
// the digests of a checksum path as text.
const (
	binary    = "application/octet-stream"
	textPlain = "text/plain; charset=utf-8"
)

// fileDigest is the stored digest of f that a checksum path asks for.
func fileDigest(f *ent.PackageFile, algorithm string) string {
	switch algorithm {
	case "md5":
		return f.Md5
	case "sha1":
		return f.Sha1
	case "sha256":
		return f.Sha256
	}
	return f.Sha512
}
