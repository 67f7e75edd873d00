// Package rest implements GitLab's general REST endpoints that package users need:
// the basic project and group entities (to find the ids that package-manager configs
// use) and the Packages API (spec C).
package rest

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Routes registers the endpoints on the /api/v4 router.
func Routes(svc *registry.Service) func(chi.Router) {
	h := &handler{svc: svc}
	return func(r chi.Router) {
		r.Get("/projects/{id}", h.project)
		r.Get("/groups/{id}", h.group)
		r.Get("/projects/{id}/packages", h.listProjectPackages)
		r.Get("/groups/{id}/packages", h.listGroupPackages)
		r.Get("/projects/{id}/packages/{package_id}", h.packageDetails)
		r.Delete("/projects/{id}/packages/{package_id}", h.deletePackage)
		r.Get("/projects/{id}/packages/{package_id}/package_files", h.listPackageFiles)
		r.Get("/projects/{id}/packages/{package_id}/package_files/{file_id}/download", h.downloadPackageFile)
		r.Delete("/projects/{id}/packages/{package_id}/package_files/{file_id}", h.deletePackageFile)
		r.Get("/projects/{id}/packages/{package_id}/pipelines", h.listPipelines)
		r.Get("/application/plan_limits", h.planLimits)
		r.Put("/application/plan_limits", h.updatePlanLimits)
		r.Get("/application/settings", h.applicationSettings)
		r.Put("/application/settings", h.updateApplicationSettings)
		for prefix, level := range map[string]compat.Level{"/projects": compat.ProjectLevel, "/groups": compat.GroupLevel} {
			r.Get(prefix+"/{id}/hooks", h.listHooks(level))
			r.Post(prefix+"/{id}/hooks", h.createHook(level))
			r.Get(prefix+"/{id}/hooks/{hook_id}", h.getHook(level))
			r.Put(prefix+"/{id}/hooks/{hook_id}", h.updateHook(level))
			r.Delete(prefix+"/{id}/hooks/{hook_id}", h.deleteHook(level))
			r.Get(prefix+"/{id}/hooks/{hook_id}/deliveries", h.listHookDeliveries(level))
		}
		r.Get("/version", h.metadata)
		r.Get("/metadata", h.metadata)
	}
}

type handler struct{ svc *registry.Service }

// AuthPolicy is how GitLab's Packages API reads credentials: personal, access and
// job tokens (headers, parameters, Bearer) and the web session; HTTP Basic and
// Deploy-Token headers are not read there, so they leave a request anonymous.
var AuthPolicy = auth.Policy{Reads: func(c auth.Credential) bool {
	return c.Source != auth.FromBasic && c.Source != auth.FromDeployToken
}}

// style answers as GitLab's REST API does: what an anonymous caller may not see
// is 404 (the package managers challenge instead), and what it sees but may not
// change is 403.
var style = compat.Style{Map: func(err error) error {
	d, ok := registry.AnonymousDenial(err)
	switch {
	case !ok:
		return err
	case d.Hidden && d.NotFound != nil:
		return d.NotFound
	case d.Hidden:
		return registry.Errorf(registry.ErrNotFound, "404 Not Found")
	}
	return registry.Errorf(registry.ErrForbidden, "403 Forbidden")
}}

func (h *handler) project(w http.ResponseWriter, r *http.Request) {
	ref, err := compat.Param(r, "id")
	if err == nil {
		var p *ent.Project
		if p, err = h.svc.VisibleProject(r.Context(), ref); err == nil {
			compat.WriteJSON(w, http.StatusOK, compat.ProjectEntity(h.svc.ExternalURL(), p))
			return
		}
	}
	style.WriteError(w, r, err)
}

func (h *handler) group(w http.ResponseWriter, r *http.Request) {
	ref, err := compat.Param(r, "id")
	if err == nil {
		var g *ent.Group
		if g, err = h.svc.VisibleGroup(r.Context(), ref); err == nil {
			compat.WriteJSON(w, http.StatusOK, compat.GroupEntity(h.svc.ExternalURL(), g))
			return
		}
	}
	style.WriteError(w, r, err)
}

// listParams reads GitLab's listing parameters.
func listParams(r *http.Request) (registry.ListPackagesInput, compat.Page, error) {
	q := r.URL.Query()
	page, err := compat.Pagination(r)
	if err != nil {
		return registry.ListPackagesInput{}, page, err
	}
	in := registry.ListPackagesInput{
		PackageFilter: registry.PackageFilter{Type: q.Get("package_type"), Name: q.Get("package_name"),
			Version: q.Get("package_version"), Status: q.Get("status")},
		OrderBy: q.Get("order_by"), Page: page.Number, PerPage: page.Size,
	}
	if in.IncludeVersionless, err = boolParam(r, "include_versionless"); err != nil {
		return in, page, err
	}
	switch q.Get("sort") {
	case "", "asc":
	case "desc":
		in.Desc = true
	default:
		return in, page, registry.InvalidValue("sort")
	}
	return in, page, nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, registry.InvalidParam(name)
	}
	return b, nil
}

func (h *handler) listProjectPackages(w http.ResponseWriter, r *http.Request) {
	in, page, err := listParams(r)
	var p *ent.Project
	if err == nil {
		p, err = compat.Project(r, h.svc)
	}
	var res *registry.PackagePage
	if err == nil {
		res, err = h.svc.ListPackages(r.Context(), registry.Scope{Project: p}, in)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	h.writePackages(w, r, res, page, h.svc.CanDestroy(r.Context(), p), false)
}

func (h *handler) listGroupPackages(w http.ResponseWriter, r *http.Request) {
	in, page, err := listParams(r)
	if err == nil {
		in.ExcludeSubgroups, err = boolParam(r, "exclude_subgroups")
	}
	var ref string
	if err == nil {
		ref, err = compat.Param(r, "id")
	}
	var g *ent.Group
	if err == nil {
		g, err = h.svc.GroupByRef(r.Context(), ref)
	}
	var res *registry.PackagePage
	if err == nil {
		res, err = h.svc.ListPackages(r.Context(), registry.Scope{Group: g}, in)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	h.writePackages(w, r, res, page, false, true)
}

func (h *handler) writePackages(w http.ResponseWriter, r *http.Request, res *registry.PackagePage, page compat.Page, canDestroy, inGroup bool) {
	base := h.svc.ExternalURL()
	out := make([]compat.PackageJSON, 0, len(res.Packages))
	destroyable := map[int]bool{}
	for _, p := range res.Packages {
		can := canDestroy
		if inGroup && p.Edges.Project != nil {
			if _, ok := destroyable[p.ProjectID]; !ok {
				destroyable[p.ProjectID] = h.svc.CanDestroy(r.Context(), p.Edges.Project)
			}
			can = destroyable[p.ProjectID]
		}
		out = append(out, compat.Package(base, p, can, inGroup))
	}
	compat.SetPageHeadersUpTo(w, r, base, page, res.Total, res.More)
	compat.WriteJSON(w, http.StatusOK, out)
}

// packageRef resolves {id} and {package_id}.
func (h *handler) packageRef(r *http.Request) (*ent.Project, int, error) {
	id, err := strconv.Atoi(chi.URLParam(r, "package_id"))
	if err != nil {
		return nil, 0, registry.InvalidParam("package_id")
	}
	p, err := compat.Project(r, h.svc)
	return p, id, err
}

func (h *handler) packageDetails(w http.ResponseWriter, r *http.Request) {
	p, id, err := h.packageRef(r)
	var pkg *ent.PackageVersion
	var others []*ent.PackageVersion
	if err == nil {
		pkg, others, err = h.svc.Package(r.Context(), p, id)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	base, can := h.svc.ExternalURL(), h.svc.CanDestroy(r.Context(), p)
	out := compat.Package(base, pkg, can, false)
	versions := make([]compat.PackageJSON, 0, len(others))
	for _, o := range others {
		o.Edges.Project = pkg.Edges.Project
		versions = append(versions, compat.Package(base, o, can, false))
	}
	out.Versions = &versions
	compat.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) deletePackage(w http.ResponseWriter, r *http.Request) {
	p, id, err := h.packageRef(r)
	if err == nil {
		err = h.svc.DeletePackage(r.Context(), p, id)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) listPackageFiles(w http.ResponseWriter, r *http.Request) {
	p, id, err := h.packageRef(r)
	var page compat.Page
	if err == nil {
		page, err = compat.Pagination(r)
	}
	desc := r.URL.Query().Get("sort") == "desc"
	if s := r.URL.Query().Get("sort"); err == nil && s != "" && s != "asc" && s != "desc" {
		err = registry.InvalidValue("sort")
	}
	var files []*ent.PackageFile
	var total int
	if err == nil {
		files, total, err = h.svc.PackageFiles(r.Context(), p, id, r.URL.Query().Get("order_by"), desc, page.Number, page.Size)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	out := make([]compat.PackageFileJSON, 0, len(files))
	for _, f := range files {
		out = append(out, compat.PackageFile(h.svc.ExternalURL(), p.FullPath, f))
	}
	compat.SetPageHeaders(w, r, h.svc.ExternalURL(), page, total)
	compat.WriteJSON(w, http.StatusOK, out)
}

// fileRef resolves {id}, {package_id} and {file_id}.
func (h *handler) fileRef(r *http.Request) (*ent.Project, int, int, error) {
	p, pkgID, err := h.packageRef(r)
	if err != nil {
		return nil, 0, 0, err
	}
	fileID, err := strconv.Atoi(chi.URLParam(r, "file_id"))
	if err != nil {
		return nil, 0, 0, registry.InvalidParam("package_file_id")
	}
	return p, pkgID, fileID, nil
}

func (h *handler) downloadPackageFile(w http.ResponseWriter, r *http.Request) {
	p, pkgID, fileID, err := h.fileRef(r)
	var f *ent.PackageFile
	if err == nil {
		f, err = h.svc.PackageFile(r.Context(), p, pkgID, fileID)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	style.ServeFile(w, r, h.svc, f, "")
}

func (h *handler) deletePackageFile(w http.ResponseWriter, r *http.Request) {
	p, pkgID, fileID, err := h.fileRef(r)
	if err == nil {
		err = h.svc.DeletePackageFile(r.Context(), p, pkgID, fileID)
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) listPipelines(w http.ResponseWriter, r *http.Request) {
	p, id, err := h.packageRef(r)
	perPage, cursor := 20, 0
	if v := r.URL.Query().Get("per_page"); err == nil && v != "" {
		// Grape: an integer (else "is invalid") within values: 1..20.
		if perPage, err = strconv.Atoi(v); err != nil {
			err = registry.InvalidParam("per_page")
		} else if perPage < 1 || perPage > 20 {
			err = registry.InvalidValue("per_page")
		}
	}
	if v := r.URL.Query().Get("cursor"); err == nil && v != "" {
		if cursor, err = strconv.Atoi(v); err != nil || cursor < 0 {
			err = registry.InvalidParam("cursor")
		}
	}
	var pls []*ent.Pipeline
	if err == nil {
		pls, err = h.svc.PackagePipelines(r.Context(), p, id, cursor, perPage+1) // one more: is there a next page?
	}
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	next := ""
	if len(pls) > perPage {
		pls = pls[:perPage]
		next = strconv.Itoa(pls[perPage-1].ID)
	}
	compat.SetKeysetLink(w, r, h.svc.ExternalURL(), next, perPage)
	out := make([]compat.PipelineJSON, 0, len(pls))
	for _, pl := range pls {
		out = append(out, compat.Pipeline(h.svc.ExternalURL(), p.FullPath, pl))
	}
	compat.WriteJSON(w, http.StatusOK, out)
}
