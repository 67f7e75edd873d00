package nuget

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// routes serves NuGet at one level: /projects/{id}/packages/nuget or
// /groups/{id}/-/packages/nuget. Push, delete and downloads exist at project level
// only, as in GitLab (group documents link to the projects' downloads).
func (f *Format) routes(level compat.Level) chi.Router {
	h := &handler{svc: f.svc, core: f.svc.core, level: level}
	r := chi.NewRouter()
	r.Use(numericID)
	get := func(pattern string, fn http.HandlerFunc) {
		r.Get(pattern, fn)
		r.Head(pattern, fn)
	}
	for _, p := range []string{"/index", "/index.json"} {
		get(p, h.serviceIndex)
	}
	for _, p := range []string{"/metadata/{package_name}/index", "/metadata/{package_name}/index.json"} {
		get(p, h.packageMetadata)
	}
	get("/metadata/{package_name}/{package_version}", h.versionMetadata)
	get("/query", h.searchPackages)
	get("/symbolfiles/{file_name}/{signature}/{same_file_name}", h.downloadSymbolFile)
	if level == compat.ProjectLevel {
		for _, p := range []string{"/download/{package_name}/index", "/download/{package_name}/index.json"} {
			get(p, h.enumerateVersions)
		}
		get("/download/{package_name}/{package_version}/{package_filename}", h.downloadPackageFile)
		r.Group(func(r chi.Router) {
			r.Use(h.apiKey)
			for _, p := range []string{"/", "/v2", "/v2/"} {
				r.Put(p, h.uploadPackageFile)
			}
			for _, p := range []string{"/symbolpackage", "/symbolpackage/"} {
				r.Put(p, h.uploadSymbolPackage)
			}
			r.Delete("/{package_name}/{package_version}", h.deletePackageVersion)
		})
	}
	return r
}

type handler struct {
	svc   *Service
	core  *registry.Service
	level compat.Level
}

// positiveInteger is GitLab's POSITIVE_INTEGER_REGEX: NuGet's routes take numeric
// project and group ids only.
var positiveInteger = regexp.MustCompile(`\A[1-9]\d*\z`)

func numericID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !positiveInteger.MatchString(chi.URLParam(r, "id")) {
			style.WriteError(w, r, registry.InvalidParam("id"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiKeyHeader is where NuGet's push and delete carry a token.
const apiKeyHeader = "X-NuGet-ApiKey"

var errTwoCredentials = registry.Errorf(registry.ErrInvalid, "400 Bad request - Found more than one set of credentials")

// apiKey authenticates the write routes' X-NuGet-ApiKey: a raw personal access
// token, deploy token or job token. A request carrying it and another credential is
// refused, as GitLab refuses it.
func (h *handler) apiKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(apiKeyHeader)
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if _, other := auth.CredentialFrom(r); other {
			style.WriteError(w, r, errTwoCredentials)
			return
		}
		v, err := h.core.ResolveCredential(r.Context(), auth.Credential{Source: auth.FromAPIKey, Secret: key})
		if err != nil {
			style.WriteError(w, r, registry.Errorf(registry.ErrUnauthenticated, "401 Unauthorized"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), v)))
	})
}

// links are the URLs of documents, from the configured external URL.
func (h *handler) links() Links { return Links{Base: h.core.ExternalURL() + "/api/v4"} }

// serviceIndex serves the service index. It depends on the id alone, so it is
// served for any id, with or without credentials, and says nothing about the
// project or group: NuGet's push with only -ApiKey reads it anonymously.
// https://learn.microsoft.com/en-us/nuget/api/service-index
func (h *handler) serviceIndex(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	root, project := h.links().Base+"/groups/"+id+"/-/packages/nuget", false
	if h.level == compat.ProjectLevel {
		root, project = h.links().Base+"/projects/"+id+"/packages/nuget", true
	}
	b, err := ServiceIndex(root, project)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	compat.ServeDocument(w, r, &registry.Document{ETag: `"` + id + `"`, Body: b}, "application/json")
}

// name reads the package_name parameter: one path segment.
func name(r *http.Request) (string, error) {
	n, err := compat.Param(r, "package_name")
	if err != nil || n == "" || strings.ContainsAny(n, "/\\") || strings.Contains(n, "..") {
		return "", registry.InvalidParam("package_name")
	}
	return n, nil
}

// document reads the name and scope of a metadata request.
func (h *handler) document(r *http.Request) (DocumentInput, error) {
	n, err := name(r)
	if err != nil {
		return DocumentInput{}, err
	}
	sc, err := compat.Scope(r, h.core, h.level)
	return DocumentInput{Scope: sc, Name: n, Links: h.links(), IfNoneMatch: r.Header.Get("If-None-Match")}, err
}

// packageMetadata serves a package's registration index.
// https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource
func (h *handler) packageMetadata(w http.ResponseWriter, r *http.Request) {
	in, err := h.document(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	h.serve(w, r, func() (*registry.Document, error) { return h.svc.Registration(r.Context(), in) })
}

// versionMetadata serves one version's registration leaf ("<version>.json").
func (h *handler) versionMetadata(w http.ResponseWriter, r *http.Request) {
	in, err := h.document(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	v, err := compat.Param(r, "package_version")
	if err != nil || strings.Contains(v, "/") {
		style.WriteError(w, r, registry.InvalidParam("package_version"))
		return
	}
	in.Version = strings.TrimSuffix(v, ".json")
	h.serve(w, r, func() (*registry.Document, error) { return h.svc.Leaf(r.Context(), in) })
}

// enumerateVersions serves the flat container's version list.
// https://learn.microsoft.com/en-us/nuget/api/package-base-address-resource
func (h *handler) enumerateVersions(w http.ResponseWriter, r *http.Request) {
	in, err := h.document(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	h.serve(w, r, func() (*registry.Document, error) { return h.svc.VersionList(r.Context(), in) })
}

// searchPackages serves the search query service.
// https://learn.microsoft.com/en-us/nuget/api/search-query-service-resource
func (h *handler) searchPackages(w http.ResponseWriter, r *http.Request) {
	in, err := ParseSearch(r.URL.Query())
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if in.Scope, err = compat.Scope(r, h.core, h.level); err != nil {
		style.WriteError(w, r, err)
		return
	}
	in.Links, in.IfNoneMatch = h.links(), r.Header.Get("If-None-Match")
	h.serve(w, r, func() (*registry.Document, error) { return h.svc.Search(r.Context(), in) })
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, build func() (*registry.Document, error)) {
	doc, err := build()
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	compat.ServeDocument(w, r, doc, "application/json")
}

// downloadPackageFile serves a .nupkg or .snupkg from the flat container. It is
// never a redirect: NuGet's clients drop credentials on redirects.
func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request) {
	n, err := name(r)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	v, err1 := compat.Param(r, "package_version")
	file, err2 := compat.Param(r, "package_filename")
	if err := errors.Join(err1, err2); err != nil || strings.Contains(v+file, "/") {
		style.WriteError(w, r, registry.InvalidParam("package_filename"))
		return
	}
	if lower := strings.ToLower(file); !strings.HasSuffix(lower, ".nupkg") && !strings.HasSuffix(lower, ".snupkg") {
		style.WriteError(w, r, errPackageNotFound)
		return
	}
	p, err := compat.Project(r, h.core)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	f, err := h.svc.File(r.Context(), p, n, v, file)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	style.ServeFile(w, r, h.core, f, "application/octet-stream")
}

// uploadPackageFile receives a push: a multipart body whose "package" part is the
// .nupkg, streamed into storage as it arrives.
// https://learn.microsoft.com/en-us/nuget/api/package-publish-resource
func (h *handler) uploadPackageFile(w http.ResponseWriter, r *http.Request) { h.push(w, r, false) }

// uploadSymbolPackage receives a symbol package push (.snupkg).
// https://learn.microsoft.com/en-us/nuget/api/symbol-package-publish-resource
func (h *handler) uploadSymbolPackage(w http.ResponseWriter, r *http.Request) { h.push(w, r, true) }

// maxOtherParts bounds the multipart parts before the package that are skipped.
const maxOtherParts = 1 << 20

func (h *handler) push(w http.ResponseWriter, r *http.Request, symbols bool) {
	p, err := compat.Project(r, h.core)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		style.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "400 Bad request - the body must be multipart/form-data with a package part"))
		return
	}
	budget := int64(maxOtherParts)
	for {
		part, err := mr.NextPart()
		if err != nil {
			style.WriteError(w, r, &registry.Error{Kind: registry.ErrInvalid, Message: "package is missing", Param: "package"})
			return
		}
		if part.FormName() != "package" {
			n, _ := io.Copy(io.Discard, io.LimitReader(part, budget+1))
			if budget -= n; budget < 0 {
				style.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "400 Bad request - the parts before the package are too large"))
				return
			}
			continue
		}
		if err := h.svc.Push(r.Context(), p, PushInput{Body: part, FileName: part.FileName(), Symbols: symbols}); err != nil {
			style.WriteError(w, r, err)
			return
		}
		compat.WriteJSON(w, http.StatusCreated, map[string]string{"message": "201 Created"})
		return
	}
}

// deletePackageVersion removes a version (Maintainer).
// https://learn.microsoft.com/en-us/nuget/api/package-publish-resource#delete-a-package
func (h *handler) deletePackageVersion(w http.ResponseWriter, r *http.Request) {
	n, err := compat.Param(r, "package_name")
	if err != nil || !ValidName(n) {
		style.WriteError(w, r, registry.InvalidParam("package_name"))
		return
	}
	v, err := compat.Param(r, "package_version")
	if err != nil || !ValidVersion(v) {
		style.WriteError(w, r, registry.InvalidParam("package_version"))
		return
	}
	p, err := compat.Project(r, h.core)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	if err := h.svc.Delete(r.Context(), p, n, v); err != nil {
		style.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checksumRe finds the checksums of a Symbolchecksum header.
var checksumRe = regexp.MustCompile(`(?i)SHA256:([a-f0-9]{64})`)

// maxChecksums bounds the checksums of one symbol request.
const maxChecksums = 10

// downloadSymbolFile is the symbol server: a debugger asks for
// <file>/<signature>/<file> with the file's checksums in Symbolchecksum. Unlike
// GitLab's, it reads through the authorized read path: a private project's symbols
// are not public.
// https://github.com/dotnet/symstore/blob/main/docs/specs/Simple_Symbol_Query_Protocol.md
func (h *handler) downloadSymbolFile(w http.ResponseWriter, r *http.Request) {
	file, err1 := compat.Param(r, "file_name")
	sig, err2 := compat.Param(r, "signature")
	same, err3 := compat.Param(r, "same_file_name")
	switch {
	case errors.Join(err1, err2, err3) != nil || file == "" || sig == "" || strings.ContainsAny(file+sig, "/\\"):
		style.WriteError(w, r, registry.InvalidParam("file_name"))
		return
	case same != file:
		style.WriteError(w, r, registry.InvalidParam("same_file_name"))
		return
	}
	var sums []string
	for _, m := range checksumRe.FindAllStringSubmatch(r.Header.Get("Symbolchecksum"), maxChecksums) {
		sums = append(sums, strings.ToLower(m[1]))
	}
	if len(sums) == 0 {
		style.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "400 Bad request - Missing checksum header"))
		return
	}
	sc, err := compat.Scope(r, h.core, h.level)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	sf, err := h.svc.Symbol(r.Context(), SymbolInput{Scope: sc, File: file, Signature: sig, Checksums: sums})
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	rc, err := h.svc.OpenSymbol(r.Context(), sf)
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", itoa(sf.Symbol.Size))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, rc)
	}
}
