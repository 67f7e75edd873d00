package registry

import (
	"context"
	"fmt"
	"regexp"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/applicationsetting"
	"github.com/pkgreg/registry/ent/namespacepackagesetting"
)

// PackageSettingsInput changes a group's duplicate rules; nil fields stay as they are.
type PackageSettingsInput struct {
	GenericDuplicatesAllowed               *bool
	GenericDuplicateExceptionRegex         *string
	MavenDuplicatesAllowed                 *bool
	MavenDuplicateExceptionRegex           *string
	NugetDuplicatesAllowed                 *bool
	NugetDuplicateExceptionRegex           *string
	TerraformModuleDuplicatesAllowed       *bool
	TerraformModuleDuplicateExceptionRegex *string
}

// PackageSettings returns a group's package settings (defaults when never saved).
func (s *Service) PackageSettings(ctx context.Context, g *ent.Group) (*ent.NamespacePackageSetting, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	st, err := s.client.NamespacePackageSetting.Query().Where(namespacepackagesetting.GroupID(g.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		st = defaultPackageSettings()
		st.GroupID = g.ID
		return st, nil
	}
	return st, err
}

// UpdatePackageSettings changes a group's duplicate rules (group Owner, as GitLab 17+).
// Regexes must be valid RE2 of at most 255 characters.
func (s *Service) UpdatePackageSettings(ctx context.Context, g *ent.Group, in PackageSettingsInput) (*ent.NamespacePackageSetting, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	for name, re := range map[string]*string{
		"generic_duplicate_exception_regex":          in.GenericDuplicateExceptionRegex,
		"maven_duplicate_exception_regex":            in.MavenDuplicateExceptionRegex,
		"nuget_duplicate_exception_regex":            in.NugetDuplicateExceptionRegex,
		"terraform_module_duplicate_exception_regex": in.TerraformModuleDuplicateExceptionRegex,
	} {
		if re == nil {
			continue
		}
		if _, err := regexp.Compile(*re); err != nil || len(*re) > 255 {
			return nil, Errorf(ErrInvalid, "%s is not a valid regular expression of at most 255 characters", name)
		}
	}
	c := s.client.NamespacePackageSetting.Create().SetGroupID(g.ID)
	d := defaultPackageSettings()
	c.SetGenericDuplicatesAllowed(d.GenericDuplicatesAllowed).SetMavenDuplicatesAllowed(d.MavenDuplicatesAllowed).
		SetNugetDuplicatesAllowed(d.NugetDuplicatesAllowed).SetTerraformModuleDuplicatesAllowed(d.TerraformModuleDuplicatesAllowed)
	id, err := c.OnConflictColumns(namespacepackagesetting.FieldGroupID).Ignore().ID(ctx)
	if err != nil {
		return nil, err
	}
	u := s.client.NamespacePackageSetting.UpdateOneID(id)
	setBool(in.GenericDuplicatesAllowed, u.SetGenericDuplicatesAllowed)
	setString(in.GenericDuplicateExceptionRegex, u.SetGenericDuplicateExceptionRegex)
	setBool(in.MavenDuplicatesAllowed, u.SetMavenDuplicatesAllowed)
	setString(in.MavenDuplicateExceptionRegex, u.SetMavenDuplicateExceptionRegex)
	setBool(in.NugetDuplicatesAllowed, u.SetNugetDuplicatesAllowed)
	setString(in.NugetDuplicateExceptionRegex, u.SetNugetDuplicateExceptionRegex)
	setBool(in.TerraformModuleDuplicatesAllowed, u.SetTerraformModuleDuplicatesAllowed)
	setString(in.TerraformModuleDuplicateExceptionRegex, u.SetTerraformModuleDuplicateExceptionRegex)
	return u.Save(ctx)
}

func setBool[U any](v *bool, set func(bool) U) {
	if v != nil {
		set(*v)
	}
}

func setString[U any](v *string, set func(string) U) {
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
}

// instanceSettings reads the settings without authorizing (the policy needs them).
func (s *Service) instanceSettings(ctx context.Context) (InstanceSettings, error) {
	st, err := s.client.ApplicationSetting.Query().Where(applicationsetting.Singleton(instanceRow)).Only(ctx)
	if ent.IsNotFound(err) {
		return InstanceSettings{}, nil
	} else if err != nil {
		return InstanceSettings{}, fmt.Errorf("instance settings: %w", err)
	}
	return InstanceSettings{GuestsMayPullPackages: st.GuestsMayPullPackages}, nil
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
	GuestsMayPullPackages *bool
}

// UpdateInstanceSettings changes the instance's settings (administrators).
func (s *Service) UpdateInstanceSettings(ctx context.Context, in InstanceSettingsInput) (InstanceSettings, error) {
	defer forgetRoles(ctx)
	if err := s.requireAdmin(ctx); err != nil {
		return InstanceSettings{}, err
	}
	id, err := s.client.ApplicationSetting.Create().SetSingleton(instanceRow).
		OnConflictColumns(applicationsetting.FieldSingleton).Ignore().ID(ctx)
	if err != nil {
		return InstanceSettings{}, err
	}
	u := s.client.ApplicationSetting.UpdateOneID(id)
	setBool(in.GuestsMayPullPackages, u.SetGuestsMayPullPackages)
	if err := u.Exec(ctx); err != nil {
		return InstanceSettings{}, err
	}
	s.log.InfoContext(ctx, "instance settings changed", "by", auth.FromContext(ctx).Username)
	return s.instanceSettings(ctx)
}
