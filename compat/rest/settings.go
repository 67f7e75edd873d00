package rest

import (
	"net/http"
	"strconv"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// planLimit is one of GitLab's plan-limit names for package file sizes
// (GET|PUT /application/plan_limits), with GitLab's default (spec B3) for formats
// this server does not register; a registered format's own default comes first.
type planLimit struct {
	t   registry.PackageType
	def int64
}

var planLimitParams = map[string]planLimit{
	"conan_max_file_size":            {registry.PackageTypeConan, 3 * gib},
	"generic_packages_max_file_size": {registry.PackageTypeGeneric, 5 * gib},
	"helm_max_file_size":             {registry.PackageTypeHelm, 5 * mib},
	"maven_max_file_size":            {registry.PackageTypeMaven, 3 * gib},
	"npm_max_file_size":              {registry.PackageTypeNPM, 500 * mib},
	"nuget_max_file_size":            {registry.PackageTypeNuGet, 500 * mib},
	"pypi_max_file_size":             {registry.PackageTypePyPI, 3 * gib},
	"terraform_module_max_file_size": {registry.PackageTypeTerraformModule, 1 * gib},
	"golang_max_file_size":           {registry.PackageTypeGolang, 100 * mib},
	"debian_max_file_size":           {registry.PackageTypeDebian, 3 * gib},
	"rubygems_max_file_size":         {registry.PackageTypeRubyGems, 3 * gib},
	"cargo_max_file_size":            {registry.PackageTypeCargo, 5 * gib},
}

func (h *handler) planLimits(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RequireAdmin(r.Context()); err != nil {
		compat.WriteError(w, r, err)
		return
	}
	out := map[string]int64{}
	for name, l := range planLimitParams {
		n, err := h.svc.MaxFileSizeOr(r.Context(), l.t, l.def)
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
	for name, l := range planLimitParams {
		v := r.Form.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			compat.WriteError(w, r, registry.InvalidParam(name))
			return
		}
		if err := h.svc.SetMaxFileSize(r.Context(), l.t, n); err != nil {
			compat.WriteError(w, r, err)
			return
		}
	}
	h.planLimits(w, r)
}

// instanceSettingsJSON is the part of GitLab's application settings this registry has.
type instanceSettingsJSON struct {
	AllowGuestPlusRolesToPullPackages         bool `json:"allow_guest_plus_roles_to_pull_packages"`
	AllowLocalRequestsFromWebHooksAndServices bool `json:"allow_local_requests_from_web_hooks_and_services"`

	ThrottleUnauthenticatedPackagesAPIEnabled           bool `json:"throttle_unauthenticated_packages_api_enabled"`
	ThrottleUnauthenticatedPackagesAPIRequestsPerPeriod int  `json:"throttle_unauthenticated_packages_api_requests_per_period"`
	ThrottleUnauthenticatedPackagesAPIPeriodInSeconds   int  `json:"throttle_unauthenticated_packages_api_period_in_seconds"`
	ThrottleAuthenticatedPackagesAPIEnabled             bool `json:"throttle_authenticated_packages_api_enabled"`
	ThrottleAuthenticatedPackagesAPIRequestsPerPeriod   int  `json:"throttle_authenticated_packages_api_requests_per_period"`
	ThrottleAuthenticatedPackagesAPIPeriodInSeconds     int  `json:"throttle_authenticated_packages_api_period_in_seconds"`
}

func settingsEntity(st registry.InstanceSettings) instanceSettingsJSON {
	u, a := st.UnauthenticatedPackagesAPI, st.AuthenticatedPackagesAPI
	return instanceSettingsJSON{AllowGuestPlusRolesToPullPackages: st.GuestsMayPullPackages,
		AllowLocalRequestsFromWebHooksAndServices:           st.AllowLocalWebhooks,
		ThrottleUnauthenticatedPackagesAPIEnabled:           u.Enabled,
		ThrottleUnauthenticatedPackagesAPIRequestsPerPeriod: u.RequestsPerPeriod,
		ThrottleUnauthenticatedPackagesAPIPeriodInSeconds:   u.PeriodInSeconds,
		ThrottleAuthenticatedPackagesAPIEnabled:             a.Enabled,
		ThrottleAuthenticatedPackagesAPIRequestsPerPeriod:   a.RequestsPerPeriod,
		ThrottleAuthenticatedPackagesAPIPeriodInSeconds:     a.PeriodInSeconds}
}

func (h *handler) applicationSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.InstanceSettings(r.Context())
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, settingsEntity(st))
}

// updateApplicationSettings takes the settings as query or form parameters (administrators).
func (h *handler) updateApplicationSettings(w http.ResponseWriter, r *http.Request) {
	compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), 64<<10)
	if err := r.ParseForm(); err != nil {
		compat.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "bad form body"))
		return
	}
	var in registry.InstanceSettingsInput
	ua, a := &in.UnauthenticatedPackagesAPI, &in.AuthenticatedPackagesAPI
	for name, dst := range map[string]**int{
		"throttle_unauthenticated_packages_api_requests_per_period": &ua.RequestsPerPeriod,
		"throttle_unauthenticated_packages_api_period_in_seconds":   &ua.PeriodInSeconds,
		"throttle_authenticated_packages_api_requests_per_period":   &a.RequestsPerPeriod,
		"throttle_authenticated_packages_api_period_in_seconds":     &a.PeriodInSeconds,
	} {
		if v := r.Form.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				compat.WriteError(w, r, registry.InvalidParam(name))
				return
			}
			*dst = &n
		}
	}
	for name, dst := range map[string]**bool{
		"allow_guest_plus_roles_to_pull_packages":          &in.GuestsMayPullPackages,
		"allow_local_requests_from_web_hooks_and_services": &in.AllowLocalWebhooks,
		"throttle_unauthenticated_packages_api_enabled":    &ua.Enabled,
		"throttle_authenticated_packages_api_enabled":      &a.Enabled,
	} {
		if v := r.Form.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				compat.WriteError(w, r, registry.InvalidParam(name))
				return
			}
			*dst = &b
		}
	}
	st, err := h.svc.UpdateInstanceSettings(r.Context(), in)
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, settingsEntity(st))
}
