package registry

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/applicationsetting"
	"github.com/pkgreg/registry/ent/duplicatesetting"
	"github.com/pkgreg/registry/ent/formatflag"
)

// DuplicatePolicy is a group's rule for re-uploading a file name into a version of
// one format: allowed or not, with a regex (anchored, matched against the package
// name or version) listing the exceptions (spec B1).
type DuplicatePolicy struct {
	Allowed        bool
	ExceptionRegex string
}

// DuplicatePolicyInput changes a policy; nil fields stay as they are.
type DuplicatePolicyInput struct {
	Allowed        *bool
	ExceptionRegex *string
}

// PackageSettings returns a group's duplicate policies (group Owner, as GitLab 17+):
// every policy the group saved, and the default of every registered format that has
// a duplicate setting.
func (s *Service) PackageSettings(ctx context.Context, g *ent.Group) (map[PackageType]DuplicatePolicy, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	return s.duplicatePolicies(ctx, s.client, g.ID)
}

func (s *Service) duplicatePolicies(ctx context.Context, c *ent.Client, groupID int) (map[PackageType]DuplicatePolicy, error) {
	out := map[PackageType]DuplicatePolicy{}
	s.formats.mu.RLock()
	for t, f := range s.formats.byType {
		if f.DuplicateSetting {
			out[t] = DuplicatePolicy{Allowed: f.DuplicatesAllowedByDefault}
		}
	}
	s.formats.mu.RUnlock()
	rows, err := c.DuplicateSetting.Query().Where(duplicatesetting.GroupID(groupID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[PackageType(r.PackageType)] = DuplicatePolicy{Allowed: r.Allowed, ExceptionRegex: r.ExceptionRegex}
	}
	return out, nil
}

// defaultDuplicatePolicy is a type's policy in a group that saved none.
func (s *Service) defaultDuplicatePolicy(t PackageType) DuplicatePolicy {
	if f, ok := s.format(t); ok && f.DuplicateSetting {
		return DuplicatePolicy{Allowed: f.DuplicatesAllowedByDefault}
	}
	return DuplicatePolicy{Allowed: true}
}

// UpdatePackageSettings changes a group's duplicate policies (group Owner, as GitLab
// 17+). Regexes must be valid RE2 of at most 255 characters.
func (s *Service) UpdatePackageSettings(ctx context.Context, g *ent.Group, in map[PackageType]DuplicatePolicyInput) (map[PackageType]DuplicatePolicy, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	types := make([]PackageType, 0, len(in))
	for t, p := range in {
		if duplicatesetting.PackageTypeValidator(duplicatesetting.PackageType(t)) != nil {
			return nil, InvalidParam("package_type")
		}
		if p.ExceptionRegex != nil {
			if _, err := regexp.Compile(*p.ExceptionRegex); err != nil || len(*p.ExceptionRegex) > 255 {
				return nil, Errorf(ErrInvalid, "%s_duplicate_exception_regex is not a valid regular expression of at most 255 characters", t)
			}
		}
		types = append(types, t)
	}
	slices.Sort(types)
	var out map[PackageType]DuplicatePolicy
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		current, err := s.duplicatePolicies(ctx, tx.Client(), g.ID)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		for _, t := range types {
			p, ok := current[t]
			if !ok {
				p = s.defaultDuplicatePolicy(t)
			}
			if in[t].Allowed != nil {
				p.Allowed = *in[t].Allowed
			}
			if in[t].ExceptionRegex != nil {
				p.ExceptionRegex = *in[t].ExceptionRegex
			}
			err := tx.DuplicateSetting.Create().SetGroupID(g.ID).SetPackageType(duplicatesetting.PackageType(t)).
				SetAllowed(p.Allowed).SetExceptionRegex(p.ExceptionRegex).
				OnConflictColumns(duplicatesetting.FieldGroupID, duplicatesetting.FieldPackageType).
				UpdateAllowed().UpdateExceptionRegex().UpdateUpdatedAt().Exec(ctx)
			if err != nil {
				return err
			}
			changes[string(t)] = map[string]any{"before": policyDetails(current[t]), "after": policyDetails(p)}
		}
		out, err = s.duplicatePolicies(ctx, tx.Client(), g.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditPackageSettings, TargetType: auditTargetGroup, TargetID: g.ID,
			TargetPath: g.FullPath, GroupID: &g.ID, Details: changes})
	})
	return out, err
}

func policyDetails(p DuplicatePolicy) map[string]any {
	return map[string]any{"allowed": p.Allowed, "exception_regex": p.ExceptionRegex}
}

func setInt[U any](v *int, set func(int) U) {
	if v != nil {
		set(*v)
	}
}

func setBool[U any](v *bool, set func(bool) U) {
	if v != nil {
		set(*v)
	}
}

// InstanceSettings are the instance-wide settings an administrator changes.
type InstanceSettings struct {
	// GuestsMayPullPackages lets Guests and Planners pull from private projects
	// (GitLab's allow_guest_plus_roles_to_pull_packages); off by default, as the
	// permission table teams migrate from says Reporter.
	GuestsMayPullPackages bool
	// AllowLocalWebhooks lets webhooks target loopback, private and link-local
	// addresses (GitLab's allow_local_requests_from_web_hooks_and_services); off by
	// default, so a project maintainer cannot make the server call its neighbours.
	AllowLocalWebhooks bool
	// UnauthenticatedPackagesAPI and AuthenticatedPackagesAPI are GitLab's package
	// registry rate limits (throttle_{unauthenticated,authenticated}_packages_api_*):
	// per IP for requests without a valid credential, per user (or deploy token)
	// for the rest, on the package-manager paths. Off by default.
	UnauthenticatedPackagesAPI ThrottleRule
	AuthenticatedPackagesAPI   ThrottleRule
}

// ThrottleRule is one request limit: at most RequestsPerPeriod requests in
// PeriodInSeconds, when Enabled.
type ThrottleRule struct {
	Enabled           bool `json:"enabled"`
	RequestsPerPeriod int  `json:"requests_per_period"`
	PeriodInSeconds   int  `json:"period_in_seconds"`
}

// Period is the rule's window.
func (r ThrottleRule) Period() time.Duration { return time.Duration(r.PeriodInSeconds) * time.Second }

// ThrottleRuleInput changes a ThrottleRule; nil fields stay as they are.
type ThrottleRuleInput struct {
	Enabled                            *bool
	RequestsPerPeriod, PeriodInSeconds *int
}

// defaultInstanceSettings are the settings of an instance whose row does not exist yet:
// GitLab's defaults.
var defaultInstanceSettings = InstanceSettings{
	UnauthenticatedPackagesAPI: ThrottleRule{RequestsPerPeriod: 800, PeriodInSeconds: 15},
	AuthenticatedPackagesAPI:   ThrottleRule{RequestsPerPeriod: 1000, PeriodInSeconds: 15},
}

// instanceSettings reads the settings without authorizing (the policy needs them).
func (s *Service) instanceSettings(ctx context.Context) (InstanceSettings, error) {
	st, err := s.client.ApplicationSetting.Query().Where(applicationsetting.Singleton(instanceRow)).Only(ctx)
	if ent.IsNotFound(err) {
		return defaultInstanceSettings, nil
	} else if err != nil {
		return InstanceSettings{}, fmt.Errorf("instance settings: %w", err)
	}
	return settingsOf(st), nil
}

func settingsOf(st *ent.ApplicationSetting) InstanceSettings {
	return InstanceSettings{GuestsMayPullPackages: st.GuestsMayPullPackages, AllowLocalWebhooks: st.AllowLocalWebhooks,
		UnauthenticatedPackagesAPI: ThrottleRule{Enabled: st.ThrottleUnauthenticatedPackagesAPIEnabled,
			RequestsPerPeriod: st.ThrottleUnauthenticatedPackagesAPIRequestsPerPeriod,
			PeriodInSeconds:   st.ThrottleUnauthenticatedPackagesAPIPeriodInSeconds},
		AuthenticatedPackagesAPI: ThrottleRule{Enabled: st.ThrottleAuthenticatedPackagesAPIEnabled,
			RequestsPerPeriod: st.ThrottleAuthenticatedPackagesAPIRequestsPerPeriod,
			PeriodInSeconds:   st.ThrottleAuthenticatedPackagesAPIPeriodInSeconds}}
}

// settingsTTL bounds how long a process serves the throttles it last read: a change
// made on another replica takes effect here within it (the replica that makes the
// change forgets its copy at once).
const settingsTTL = 5 * time.Second

// settingsCache is the instance settings the request path reads without a query.
type settingsCache struct {
	mu   sync.Mutex
	st   InstanceSettings
	read time.Time // zero: nothing cached
}

// PackageAPIThrottles returns the package-API rate limits for the request path: the
// instance settings as read at most settingsTTL ago. Reading fails open to the last
// known rules (or none), so that a database hiccup does not turn into 429s.
func (s *Service) PackageAPIThrottles(ctx context.Context) (unauthenticated, authenticated ThrottleRule) {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := s.now(); c.read.IsZero() || now.Sub(c.read) >= settingsTTL {
		if st, err := s.cachedSettings(ctx); err == nil {
			c.st = st
		} else {
			s.log.WarnContext(ctx, "package API throttles: keeping the last rules", "err", err)
		}
		c.read = now
	}
	return c.st.UnauthenticatedPackagesAPI, c.st.AuthenticatedPackagesAPI
}

func (c *settingsCache) forget() {
	c.mu.Lock()
	c.read = time.Time{}
	c.mu.Unlock()
}

const instanceRow = "instance"

// InstanceSettings returns the instance's settings (administrators).
func (s *Service) InstanceSettings(ctx context.Context) (InstanceSettings, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return InstanceSettings{}, err
	}
	return s.instanceSettings(ctx)
}

// InstanceSettingsInput changes instance settings; nil fields stay as they are.
type InstanceSettingsInput struct {
	GuestsMayPullPackages      *bool
	AllowLocalWebhooks         *bool
	UnauthenticatedPackagesAPI ThrottleRuleInput
	AuthenticatedPackagesAPI   ThrottleRuleInput
}

// validate refuses limits GitLab refuses: a count or period that is not positive.
func (in InstanceSettingsInput) validate() error {
	for prefix, r := range map[string]ThrottleRuleInput{"throttle_unauthenticated_packages_api": in.UnauthenticatedPackagesAPI,
		"throttle_authenticated_packages_api": in.AuthenticatedPackagesAPI} {
		if r.RequestsPerPeriod != nil && *r.RequestsPerPeriod <= 0 {
			return Errorf(ErrInvalid, "%s_requests_per_period must be greater than 0", prefix)
		}
		if r.PeriodInSeconds != nil && *r.PeriodInSeconds <= 0 {
			return Errorf(ErrInvalid, "%s_period_in_seconds must be greater than 0", prefix)
		}
	}
	return nil
}

// UpdateInstanceSettings changes the instance's settings (administrators).
func (s *Service) UpdateInstanceSettings(ctx context.Context, in InstanceSettingsInput) (InstanceSettings, error) {
	defer forgetRoles(ctx)
	defer s.settings.forget()
	if err := s.requireAdmin(ctx); err != nil {
		return InstanceSettings{}, err
	}
	if err := in.validate(); err != nil {
		return InstanceSettings{}, err
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		id, err := tx.ApplicationSetting.Create().SetSingleton(instanceRow).
			OnConflictColumns(applicationsetting.FieldSingleton).Ignore().ID(ctx)
		if err != nil {
			return err
		}
		before, err := tx.ApplicationSetting.Get(ctx, id)
		if err != nil {
			return err
		}
		u := tx.ApplicationSetting.UpdateOneID(id)
		setBool(in.GuestsMayPullPackages, u.SetGuestsMayPullPackages)
		setBool(in.AllowLocalWebhooks, u.SetAllowLocalWebhooks)
		ua, a := in.UnauthenticatedPackagesAPI, in.AuthenticatedPackagesAPI
		setBool(ua.Enabled, u.SetThrottleUnauthenticatedPackagesAPIEnabled)
		setInt(ua.RequestsPerPeriod, u.SetThrottleUnauthenticatedPackagesAPIRequestsPerPeriod)
		setInt(ua.PeriodInSeconds, u.SetThrottleUnauthenticatedPackagesAPIPeriodInSeconds)
		setBool(a.Enabled, u.SetThrottleAuthenticatedPackagesAPIEnabled)
		setInt(a.RequestsPerPeriod, u.SetThrottleAuthenticatedPackagesAPIRequestsPerPeriod)
		setInt(a.PeriodInSeconds, u.SetThrottleAuthenticatedPackagesAPIPeriodInSeconds)
		after, err := u.Save(ctx)
		if err != nil {
			return err
		}
		b, f := settingsOf(before), settingsOf(after)
		change := func(x, y any) map[string]any { return map[string]any{"before": x, "after": y} }
		return s.audit(ctx, tx, auditEvent{Action: AuditInstanceSettings, TargetType: auditTargetInstance,
			Details: map[string]any{
				"guests_may_pull_packages":              change(b.GuestsMayPullPackages, f.GuestsMayPullPackages),
				"allow_local_webhooks":                  change(b.AllowLocalWebhooks, f.AllowLocalWebhooks),
				"throttle_unauthenticated_packages_api": change(b.UnauthenticatedPackagesAPI, f.UnauthenticatedPackagesAPI),
				"throttle_authenticated_packages_api":   change(b.AuthenticatedPackagesAPI, f.AuthenticatedPackagesAPI)}})
	})
	if err != nil {
		return InstanceSettings{}, err
	}
	s.log.InfoContext(ctx, "instance settings changed", "by", auth.FromContext(ctx).Username)
	return s.instanceSettings(ctx)
}

// GroupFlags returns a group's format flags (group Owner, as PackageSettings): every
// flag a registered format declares, with the group's value or the default.
func (s *Service) GroupFlags(ctx context.Context, g *ent.Group) (map[PackageType]map[string]bool, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	return s.groupFlags(ctx, s.client, g.ID)
}

func (s *Service) groupFlags(ctx context.Context, c *ent.Client, groupID int) (map[PackageType]map[string]bool, error) {
	out := map[PackageType]map[string]bool{}
	s.formats.mu.RLock()
	for t, f := range s.formats.byType {
		for name, def := range f.GroupFlags {
			if out[t] == nil {
				out[t] = map[string]bool{}
			}
			out[t][name] = def
		}
	}
	s.formats.mu.RUnlock()
	rows, err := c.FormatFlag.Query().Where(formatflag.GroupID(groupID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if flags := out[PackageType(r.PackageType)]; flags != nil {
			if _, declared := flags[r.Name]; declared {
				flags[r.Name] = r.Enabled
			}
		}
	}
	return out, nil
}

// GroupFlag reads one format flag of the group that governs a scope: the group
// itself, or a project's group (a personal project has only the default). It does
// not authorize: the flag decides how a request is answered, and the caller
// authorizes what it then reads.
func (s *Service) GroupFlag(ctx context.Context, sc Scope, t PackageType, name string) (bool, error) {
	f, _ := s.format(t)
	def, declared := f.GroupFlags[name]
	if !declared {
		return false, fmt.Errorf("format %s declares no flag %q", t, name)
	}
	var groupID int
	switch {
	case sc.Group != nil:
		groupID = sc.Group.ID
	case sc.Project != nil && sc.Project.GroupID != nil:
		groupID = *sc.Project.GroupID
	default:
		return def, nil
	}
	r, err := s.client.FormatFlag.Query().Where(formatflag.GroupID(groupID),
		formatflag.PackageTypeEQ(formatflag.PackageType(t)), formatflag.Name(name)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return def, nil
	case err != nil:
		return false, err
	}
	return r.Enabled, nil
}

// SetGroupFlags changes format flags of a group (group Owner, as
// UpdatePackageSettings); a flag the format does not declare is a bad parameter.
func (s *Service) SetGroupFlags(ctx context.Context, g *ent.Group, t PackageType, flags map[string]bool) (map[PackageType]map[string]bool, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	f, _ := s.format(t)
	names := make([]string, 0, len(flags))
	for name := range flags {
		if _, ok := f.GroupFlags[name]; !ok {
			return nil, InvalidParam(string(t) + "_" + name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var out map[PackageType]map[string]bool
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		before, err := s.groupFlags(ctx, tx.Client(), g.ID)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		for _, name := range names {
			changes[name] = map[string]any{"before": before[t][name], "after": flags[name]}
			err := tx.FormatFlag.Create().SetGroupID(g.ID).SetPackageType(formatflag.PackageType(t)).
				SetName(name).SetEnabled(flags[name]).
				OnConflictColumns(formatflag.FieldGroupID, formatflag.FieldPackageType, formatflag.FieldName).
				UpdateEnabled().UpdateUpdatedAt().Exec(ctx)
			if err != nil {
				return err
			}
		}
		out, err = s.groupFlags(ctx, tx.Client(), g.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditGroupFlags, TargetType: auditTargetGroup, TargetID: g.ID,
			TargetPath: g.FullPath, GroupID: &g.ID, Details: map[string]any{string(t): changes}})
	})
	return out, err
}
