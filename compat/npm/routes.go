// Package npm implements the npm registry protocol (GitLab spec A2): publish, install,
// dist-tags, deprecate, unpublish, view, search and audit, at project, group and
// instance level. Protocol: https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md,
// https://docs.gitlab.com/api/packages/npm/.
package npm

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// cacheBytes is each endpoint's budget for rendered packuments.
const cacheBytes = 32 << 20

// Routes serves the npm API at one level: /projects/{id}/packages/npm,
// /groups/{id}/-/packages/npm or /packages/npm. Names carry slashes ("@scope/name",
// tarballs under "<name>/-/"), so every request goes through ParsePath.
func Routes(svc *registry.Service, level compat.Level) chi.Router {
	h := &handler{svc: svc, level: level, cache: registry.NewNPMCache(cacheBytes)}
	h.routes = h.table()
	r := chi.NewRouter()
	r.Get("/*", h.route)
	r.Head("/*", h.route)
	r.Put("/*", h.route)
	r.Delete("/*", h.route)
	r.Post("/*", h.route)
	return r
}

type handler struct {
	svc    *registry.Service
	level  compat.Level
	cache  *registry.NPMCache
	routes map[routeKey]func(http.ResponseWriter, *http.Request, Path)
}

type routeKey struct {
	method string
	kind   Kind
}

func (h *handler) table() map[routeKey]func(http.ResponseWriter, *http.Request, Path) {
	return map[routeKey]func(http.ResponseWriter, *http.Request, Path){
		{"GET", KindPackage}: h.packageMetadata, {"HEAD", KindPackage}: h.packageMetadata,
		{"GET", KindTarball}: h.downloadPackageFile, {"HEAD", KindTarball}: h.downloadPackageFile,
		{"PUT", KindPackage}: h.uploadPackage, {"PUT", KindPackageRev}: h.updatePackage,
		{"DELETE", KindPackage}: h.deletePackage, {"DELETE", KindPackageRev}: h.deletePackage,
		{"DELETE", KindTarballRev}: h.deletePackageVersion,
		{"GET", KindDistTags}:      h.distTags, {"PUT", KindDistTag}: h.createDistTag,
		{"DELETE", KindDistTag}: h.deleteDistTag,
		{"GET", KindSearch}:     h.search, {"POST", KindAuditBulk}: h.audit, {"POST", KindAuditQuick}: h.audit,
		{"GET", KindPing}: h.ping, {"GET", KindWhoami}: h.whoami,
	}
}

func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	p, err := ParsePath(chi.URLParam(r, "*"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	fn, ok := h.routes[routeKey{r.Method, p.Kind}]
	if !ok {
		writeStatus(w, r, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	if !isPublish(r, p) {
		compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), MaxDocument)
	}
	fn(w, r, p)
}

// isPublish reports whether the request is `npm publish`, whose body carries the
// tarball and streams without the small-body bounds.
func isPublish(r *http.Request, p Path) bool {
	cmd := r.Header.Get("Npm-Command")
	return r.Method == http.MethodPut && p.Kind == KindPackage && cmd != "deprecate" && cmd != "undeprecate"
}

// base is the endpoint the request came to, so tarball links keep the client on the
// same registry URL (and token) it asked.
func (h *handler) base(r *http.Request) string {
	id := chi.URLParam(r, "id")
	switch h.level {
	case compat.ProjectLevel:
		return h.svc.ExternalURL() + "/api/v4/projects/" + id + "/packages/npm"
	case compat.GroupLevel:
		return h.svc.ExternalURL() + "/api/v4/groups/" + id + "/-/packages/npm"
	}
	return h.svc.ExternalURL() + "/api/v4/packages/npm"
}

// projectOnly refuses writes of a package at group and instance level, as GitLab.
func (h *handler) projectOnly(w http.ResponseWriter, r *http.Request) bool {
	if h.level == compat.ProjectLevel {
		return true
	}
	writeStatus(w, r, http.StatusMethodNotAllowed, "Packages are published and changed at the project level only.")
	return false
}

func (h *handler) packageMetadata(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in := RenderInput{TarballBase: h.base(r),
		Abbreviated: strings.Contains(r.Header.Get("Accept"), "application/vnd.npm.install-v1+json")}
	doc, err := h.svc.NPMPackument(r.Context(), registry.NPMPackumentInput{
		Scope: scope, Name: p.Name, Variant: strconv.FormatBool(in.Abbreviated) + " " + in.TarballBase,
		IfNoneMatch: r.Header.Get("If-None-Match"), Cache: h.cache,
		Render: func(pkg *registry.NPMPackage) ([]byte, error) {
			in.Package = pkg
			return RenderPackument(in)
		},
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("ETag", doc.ETag)
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("Vary", "Accept, Authorization")
	if doc.NotModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "application/json")
	if in.Abbreviated {
		hd.Set("Content-Type", "application/vnd.npm.install-v1+json")
	}
	hd.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.Body)
	}
}

func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f, err := h.svc.NPMFile(r.Context(), scope, p.Name, p.Version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.ServeFile(w, r, h.svc, f, "application/octet-stream")
}

// uploadPackage is `npm publish`, or `npm deprecate` when the client says so.
func (h *handler) uploadPackage(w http.ResponseWriter, r *http.Request, p Path) {
	if !h.projectOnly(w, r) {
		return
	}
	if cmd := r.Header.Get("Npm-Command"); cmd == "deprecate" || cmd == "undeprecate" {
		h.deprecatePackage(w, r, p)
		return
	}
	project, err := compat.Project(r, h.svc)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Authorize before reading what may be hundreds of megabytes.
	up, err := h.svc.BeginUpload(r.Context(), project, registry.PackageTypeNPM)
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer up.Discard(r.Context())
	if r.ContentLength > up.Limit()/3*4+MaxDocument {
		writeError(w, r, registry.Errorf(registry.ErrTooLarge, "File is too large."))
		return
	}
	pub, tarball, err := receivePublish(r, p.Name, up)
	if err != nil {
		writeError(w, r, err)
		return
	}
	_, err = h.svc.NPMPublish(r.Context(), registry.NPMPublishInput{
		Upload: up, Name: pub.Name, Version: pub.Version, PackageJSON: pub.PackageJSON,
		Tarball: tarball, SHA1: pub.SHA1, SHA512: pub.SHA512, DistTags: pub.DistTags,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "id": pub.Name, "version": pub.Version})
}

// receivePublish parses a publish document while its tarball, decoded from base64
// as it streams, goes straight into the upload's temporary storage.
func receivePublish(r *http.Request, name string, up *registry.Upload) (*Publish, *registry.Received, error) {
	pr, pw := io.Pipe()
	type received struct {
		f   *registry.Received
		err error
	}
	done := make(chan received, 1)
	go func() {
		f, err := up.Receive(r.Context(), pr)
		pr.CloseWithError(err) // a refused tarball stops the parser's writes
		done <- received{f, err}
	}()
	pub, err := ParsePublish(r.Body, name, pw, up.Limit())
	pw.CloseWithError(err) // nil: the tarball ends here
	rc := <-done
	switch {
	case err != nil:
		return nil, nil, err
	case rc.err != nil:
		return nil, nil, rc.err
	}
	return pub, rc.f, nil
}

func (h *handler) deprecatePackage(w http.ResponseWriter, r *http.Request, p Path) {
	project, err := compat.Project(r, h.svc)
	if err != nil {
		writeError(w, r, err)
		return
	}
	msgs, err := ParseDeprecate(r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	err = h.svc.NPMDeprecate(r.Context(), registry.NPMDeprecateInput{Project: project, Name: p.Name, Messages: msgs})
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// updatePackage is the first half of `npm unpublish name@version`: the packument
// comes back without the version.
func (h *handler) updatePackage(w http.ResponseWriter, r *http.Request, p Path) {
	if !h.projectOnly(w, r) {
		return
	}
	project, err := compat.Project(r, h.svc)
	if err != nil {
		writeError(w, r, err)
		return
	}
	keep, tags, err := ParseUpdate(r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	err = h.svc.NPMUnpublish(r.Context(), registry.NPMUnpublishInput{Project: project, Name: p.Name, Keep: keep, DistTags: tags})
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// deletePackage is `npm unpublish name --force`: every version goes.
func (h *handler) deletePackage(w http.ResponseWriter, r *http.Request, p Path) {
	h.unpublish(w, r, registry.NPMUnpublishInput{Name: p.Name})
}

// deletePackageVersion is the tarball deletion that ends `npm unpublish name@version`.
func (h *handler) deletePackageVersion(w http.ResponseWriter, r *http.Request, p Path) {
	h.unpublish(w, r, registry.NPMUnpublishInput{Name: p.Name, Versions: []string{p.Version}})
}

func (h *handler) unpublish(w http.ResponseWriter, r *http.Request, in registry.NPMUnpublishInput) {
	if !h.projectOnly(w, r) {
		return
	}
	project, err := compat.Project(r, h.svc)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in.Project = project
	if err := h.svc.NPMUnpublish(r.Context(), in); err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (h *handler) distTags(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tags, err := h.svc.NPMTags(r.Context(), scope, p.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, tags)
}

func (h *handler) createDistTag(w http.ResponseWriter, r *http.Request, p Path) {
	version, err := ParseTagVersion(r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	err = h.svc.NPMSetTag(r.Context(), registry.NPMTagInput{Scope: scope, Name: p.Name, Tag: p.Tag, Version: version})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) deleteDistTag(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.NPMRemoveTag(r.Context(), registry.NPMTagInput{Scope: scope, Name: p.Name, Tag: p.Tag}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, _ Path) {
	scope, err := compat.Scope(r, h.svc, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	text, from, size, err := ParseSearch(r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := h.svc.NPMSearch(r.Context(), registry.NPMSearchInput{Scope: scope, Text: text, From: from, Size: size})
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, SearchResult(res, time.Now()))
}

// audit answers npm audit with no advisories: the registry does not forward to npmjs.
func (h *handler) audit(w http.ResponseWriter, r *http.Request, p Path) {
	if _, err := compat.Scope(r, h.svc, h.level); err != nil {
		writeError(w, r, err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxDocument))
	if p.Kind == KindAuditQuick {
		compat.WriteJSON(w, http.StatusOK, QuickAuditResult())
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{})
}

func (h *handler) ping(w http.ResponseWriter, _ *http.Request, _ Path) {
	compat.WriteJSON(w, http.StatusOK, map[string]any{})
}

func (h *handler) whoami(w http.ResponseWriter, r *http.Request, _ Path) {
	v := auth.FromContext(r.Context())
	if v.Kind == auth.Anonymous {
		writeError(w, r, registry.Errorf(registry.ErrUnauthenticated, "401 Unauthorized"))
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]string{"username": v.Username})
}

// writeError renders err as GitLab's npm API does: {"message":m,"error":m}. An oversize
// tarball is a 400, as GitLab's npm endpoint answers it.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := compat.Status(err)
	if status == http.StatusRequestEntityTooLarge {
		status = http.StatusBadRequest
	}
	msg := registry.PublicMessage(err)
	if status == http.StatusInternalServerError || msg == "" {
		if status == http.StatusInternalServerError {
			compat.Logger(r).ErrorContext(r.Context(), "npm request failed", "err", err)
		}
		msg = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	writeStatus(w, r, status, msg)
}

func writeStatus(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+compat.Realm+`"`)
	}
	compat.WriteJSON(w, status, map[string]string{"message": msg, "error": msg})
}
