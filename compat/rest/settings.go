package rest

import (
	"net/http"
	"strconv"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/registry"
)

// planLimitParams are GitLab's plan-limit names for package file sizes
// (GET|PUT /application/plan_limits).
var planLimitParams = map[string]packageversion.PackageType{
	"conan_max_file_size":            packageversion.PackageTypeConan,
	"generic_packages_max_file_size": packageversion.PackageTypeGeneric,
	"helm_max_file_size":             packageversion.PackageTypeHelm,
	"maven_max_file_size":            packageversion.PackageTypeMaven,
	"npm_max_file_size":              packageversion.PackageTypeNpm,
	"nuget_max_file_size":            packageversion.PackageTypeNuget,
	"pypi_max_file_size":             packageversion.PackageTypePypi,
	"terraform_module_max_file_size": packageversion.PackageTypeTerraformModule,
	"golang_max_file_size":           packageversion.PackageTypeGolang,
	"debian_max_file_size":           packageversion.PackageTypeDebian,
	"rubygems_max_file_size":         packageversion.PackageTypeRubygems,
	"cargo_max_file_size":            packageversion.PackageTypeCargo,
}

func (h *handler) planLimits(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RequireAdmin(r.Context()); err != nil {
		compat.WriteError(w, r, err)
		return
	}
	out := map[string]int64{}
	for name, t := range planLimitParams {
		n, err := h.svc.MaxFileSize(r.Context(), t)
		if err != nil {
			compat.WriteError(w, r, err)
			return
		}
		out[name] = n
	}
	compat.WriteJSON(w, http.StatusOK, out)
}

// updatePlanLimits takes the limits as query or form parameters (administrators).
func (h *handler) updatePlanLimits(w http.ResponseWriter, r *http.Request) {
	compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), 64<<10)
	if err := r.ParseForm(); err != nil {
		compat.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "bad form body"))
		return
	}
	for name, t := range planLimitParams {
		v := r.Form.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			compat.WriteError(w, r, registry.InvalidParam(name))
			return
		}
		if err := h.svc.SetMaxFileSize(r.Context(), t, n); err != nil {
			compat.WriteError(w, r, err)
			return
		}
	}
	h.planLimits(w, r)
}

// instanceSettingsJSON is the part of GitLab's application settings this registry has.
type instanceSettingsJSON struct {
	AllowGuestPlusRolesToPullPackages bool `json:"allow_guest_plus_roles_to_pull_packages"`
}

func (h *handler) applicationSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.InstanceSettings(r.Context())
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, instanceSettingsJSON{AllowGuestPlusRolesToPullPackages: st.GuestsMayPullPackages})
}

// updateApplicationSettings takes the settings as query or form parameters (administrators).
func (h *handler) updateApplicationSettings(w http.ResponseWriter, r *http.Request) {
	compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), 64<<10)
	if err := r.ParseForm(); err != nil {
		compat.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "bad form body"))
		return
	}
	var in registry.InstanceSettingsInput
	if v := r.Form.Get("allow_guest_plus_roles_to_pull_packages"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			compat.WriteError(w, r, registry.InvalidParam("allow_guest_plus_roles_to_pull_packages"))
			return
		}
		in.GuestsMayPullPackages = &b
	}
	st, err := h.svc.UpdateInstanceSettings(r.Context(), in)
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, instanceSettingsJSON{AllowGuestPlusRolesToPullPackages: st.GuestsMayPullPackages})
}
