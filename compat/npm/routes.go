package npm

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// routes serves the npm API at one level: /projects/{id}/packages/npm,
// /groups/{id}/-/packages/npm or /packages/npm. Names carry slashes ("@scope/name",
// tarballs under "<name>/-/"), so every request goes through ParsePath.
func (f *Format) routes(level compat.Level) chi.Router {
	h := &handler{svc: f.svc, core: f.svc.core, level: level}
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
	svc    *Service
	core   *registry.Service
	level  compat.Level
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
		compat.SmallBody(w, r, h.core.SmallBodyTimeout(), MaxDocument)
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
		return h.core.ExternalURL() + "/api/v4/projects/" + id + "/packages/npm"
	case compat.GroupLevel:
		return h.core.ExternalURL() + "/api/v4/groups/" + id + "/-/packages/npm"
	}
	return h.core.ExternalURL() + "/api/v4/packages/npm"
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
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	abbreviated := strings.Contains(r.Header.Get("Accept"), "application/vnd.npm.install-v1+json")
	doc, err := h.svc.Packument(r.Context(), PackumentInput{Scope: scope, Name: p.Name, TarballBase: h.base(r),
		Abbreviated: abbreviated, IfNoneMatch: r.Header.Get("If-None-Match")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept, Authorization")
	contentType := "application/json"
	if abbreviated {
		contentType = "application/vnd.npm.install-v1+json"
	}
	compat.ServeDocument(w, r, doc, contentType)
}

// downloadPackageFile serves a tarball. Its route does not challenge anonymous
// callers, as GitLab's: npm sends its token to the registry's URLs anyway.
func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, unchallenged(err))
		return
	}
	f, err := h.svc.Tarball(r.Context(), scope, p.Name, p.Version)
	if err != nil {
		writeError(w, r, unchallenged(err))
		return
	}
	style.ServeFile(w, r, h.core, f, "application/octet-stream")
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
	project, err := compat.Project(r, h.core)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Authorize before reading what may be hundreds of megabytes.
	up, err := h.core.BeginUpload(r.Context(), project, registry.PackageTypeNPM)
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
	id, err := h.svc.Publish(r.Context(), PublishInput{Upload: up, Doc: pub, Tarball: tarball})
	if err != nil {
		writeError(w, r, err)
		return
	}
	// GitLab answers with the package it created: its id is the package's.
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "id": id, "name": pub.Name, "version": pub.Version})
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
	project, err := compat.Project(r, h.core)
	if err != nil {
		writeError(w, r, err)
		return
	}
	msgs, err := ParseDeprecate(r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.Deprecate(r.Context(), project, p.Name, msgs); err != nil {
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
	project, err := compat.Project(r, h.core)
	if err != nil {
		writeError(w, r, err)
		return
	}
	keep, tags, err := ParseUpdate(r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.Unpublish(r.Context(), project, UnpublishInput{Name: p.Name, Keep: keep, DistTags: tags}); err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// deletePackage is `npm unpublish name --force`: every version goes.
func (h *handler) deletePackage(w http.ResponseWriter, r *http.Request, p Path) {
	h.unpublish(w, r, UnpublishInput{Name: p.Name})
}

// deletePackageVersion is the tarball deletion that ends `npm unpublish name@version`.
func (h *handler) deletePackageVersion(w http.ResponseWriter, r *http.Request, p Path) {
	h.unpublish(w, r, UnpublishInput{Name: p.Name, Versions: []string{p.Version}})
}

func (h *handler) unpublish(w http.ResponseWriter, r *http.Request, in UnpublishInput) {
	if !h.projectOnly(w, r) {
		return
	}
	project, err := compat.Project(r, h.core)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.Unpublish(r.Context(), project, in); err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (h *handler) distTags(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tags, err := h.svc.DistTags(r.Context(), scope, p.Name)
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
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.SetTag(r.Context(), scope, p.Name, p.Tag, version); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) deleteDistTag(w http.ResponseWriter, r *http.Request, p Path) {
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.RemoveTag(r.Context(), scope, p.Name, p.Tag); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, _ Path) {
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	text, from, size, err := ParseSearch(r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := h.svc.Search(r.Context(), scope, strings.Fields(text), from, size)
	if err != nil {
		writeError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, SearchResult(res, time.Now()))
}

// audit answers npm audit (bulk advisories and quick audit) as GitLab does with
// request forwarding off: no advisories.
func (h *handler) audit(w http.ResponseWriter, r *http.Request, _ Path) {
	scope, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.svc.Audit(r.Context(), scope); err != nil {
		writeError(w, r, err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxDocument))
	compat.WriteJSON(w, http.StatusOK, []any{})
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
