package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagetag"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// npm packages (GitLab spec A2) keep each version's manifest in PackageVersion.metadata:
// the package.json as published, without the fields GitLab drops (readme and friends),
// plus "deprecated" holding the deprecation message while the version's status is
// deprecated. GraphQL exposes it as NpmMetadata. dist-tags are PackageTag rows on the
// version they point at; a tag lives on at most one version of a package in a project.
const (
	npmKeyDeprecated = "deprecated"
	// NPMMaxPackageJSON is GitLab's limit on the stored package.json, in bytes.
	NPMMaxPackageJSON = 20000
)

// Regexes from GitLab's npm_package_name_regex (the scope is a namespace path) and
// SemVer 2.0's published grammar.
var (
	npmNameRe    = regexp.MustCompile(`^(?:@([A-Za-z0-9_][A-Za-z0-9_.-]*)/)?([-+._A-Za-z0-9]+)$`)
	npmSemverRe  = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	npmTagRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	npmDroppedPJ = []string{"readme", "readmeFilename", "licenseText", "contributors", "exports", "_attachments"}
)

// ValidNPMName reports whether name is a valid npm package name: GitLab's regex, at
// most 214 characters (npm's limit), and neither part "." or "..".
func ValidNPMName(name string) bool {
	m := npmNameRe.FindStringSubmatch(name)
	return len(name) <= 214 && m != nil && m[2] != "." && m[2] != ".." &&
		(m[1] == "" || validPath(m[1]))
}

// NPMScopeOf returns the scope of a scoped name ("acme" for "@acme/tool"), or "".
func NPMScopeOf(name string) string {
	if m := npmNameRe.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return ""
}

// ValidNPMVersion reports whether v is a strict SemVer 2.0 version (no leading "v").
func ValidNPMVersion(v string) bool {
	return len(v) <= 255 && npmSemverRe.MatchString(v)
}

// ValidNPMTag reports whether tag can be a dist-tag: a short word that is not itself a
// version (npm would read it as one).
func ValidNPMTag(tag string) bool {
	return len(tag) <= 255 && npmTagRe.MatchString(tag) && !npmSemverRe.MatchString(strings.TrimPrefix(tag, "v"))
}

// NPMTarballName is the file name a version's tarball is stored under, as GitLab
// names it ("@scope/name-1.0.0.tgz").
func NPMTarballName(name, version string) string { return name + "-" + version + ".tgz" }

// NPMPackageJSON returns the stored manifest of an npm version; callers must not change it.
func NPMPackageJSON(v *ent.PackageVersion) map[string]any { return v.Metadata }

// NPMDeprecation returns the deprecation message of an npm version, or "".
func NPMDeprecation(v *ent.PackageVersion) string {
	if v.Status != packageversion.StatusDeprecated {
		return ""
	}
	msg, _ := v.Metadata[npmKeyDeprecated].(string)
	return msg
}

// Errors with GitLab's npm wording.
var (
	errNPMVersionExists = Errorf(ErrForbidden, "Package already exists.")
	errNPMNameTaken     = Errorf(ErrInvalid, "Package already exists in another project of this namespace.")
	errNPMNotFound      = errPackageNotFound
)

// NPMPublishInput is one `npm publish`: the version's manifest and its tarball,
// received through an Upload begun for the project.
type NPMPublishInput struct {
	Upload  *Upload
	Name    string
	Version string
	// PackageJSON is the version's manifest from the document (dist included).
	PackageJSON map[string]any
	Tarball     *Received
	// SHA1 and SHA512 (hex) are the digests the client declared in dist.
	SHA1, SHA512 string
	// DistTags are the tags the document sets; each must name Version.
	DistTags map[string]string
}

// NPMPublish stores a new version of an npm package and points its dist-tags at it.
// A version that exists already is refused (403, as GitLab), and so is a name that
// another project under the same root namespace already uses (400).
func (s *Service) NPMPublish(ctx context.Context, in NPMPublishInput) (*ent.PackageFile, error) {
	project := in.Upload.Project()
	if err := s.AuthorizeProject(ctx, project, CreatePackages); err != nil {
		return nil, err
	}
	if !ValidNPMName(in.Name) {
		return nil, Errorf(ErrInvalid, "Package name is invalid.")
	}
	if in.Version == "" {
		return nil, Errorf(ErrInvalid, "Version is empty.")
	}
	if !ValidNPMVersion(in.Version) {
		return nil, Errorf(ErrInvalid, "Version %q is not a valid SemVer 2.0 version.", in.Version)
	}
	for tag, v := range in.DistTags {
		if !ValidNPMTag(tag) {
			return nil, Errorf(ErrInvalid, "Tag %q is invalid.", tag)
		}
		if v != in.Version {
			return nil, Errorf(ErrInvalid, "Tag %q must point at the published version %s.", tag, in.Version)
		}
	}
	pj, err := npmStoredPackageJSON(in.PackageJSON)
	if err != nil {
		return nil, err
	}
	if err := s.npmCheckName(ctx, project, in.Name, in.Version); err != nil {
		return nil, err
	}
	files, err := in.Upload.Publish(ctx, UploadVersion{Name: in.Name, Version: in.Version, Metadata: pj},
		UploadFile{File: in.Tarball, FileName: NPMTarballName(in.Name, in.Version), Size: -1,
			Expect:     Digests{SHA1: in.SHA1, SHA512: in.SHA512},
			Duplicates: DuplicateFileRejected, DuplicateError: errNPMVersionExists})
	if err != nil {
		return nil, fmt.Errorf("publish %s@%s: %w", in.Name, in.Version, err)
	}
	f := files[0]
	if len(in.DistTags) > 0 {
		err = s.withTx(ctx, func(tx *ent.Tx) error {
			if err := s.npmLock(ctx, tx, project.ID, in.Name); err != nil {
				return err
			}
			for tag := range in.DistTags {
				if err := npmMoveTag(ctx, tx, f.PackageID, project.ID, in.Name, tag); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("publish %s@%s: tags: %w", in.Name, in.Version, err)
		}
	}
	s.log.InfoContext(ctx, "npm package published", "project_id", project.ID, "name", in.Name,
		"version", in.Version, "by", auth.FromContext(ctx).Username)
	return f, nil
}

// npmStoredPackageJSON drops what GitLab does not keep and enforces its size limit.
func npmStoredPackageJSON(pj map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(pj))
	for k, v := range pj {
		out[k] = v
	}
	for _, k := range npmDroppedPJ {
		delete(out, k)
	}
	delete(out, npmKeyDeprecated) // only `npm deprecate` sets it
	b, err := json.Marshal(out)
	if err != nil {
		return nil, Errorf(ErrInvalid, "package.json is invalid.")
	}
	if len(b) > NPMMaxPackageJSON {
		return nil, Errorf(ErrInvalid, "Package JSON file is too large (%d bytes, the limit is %d).", len(b), NPMMaxPackageJSON)
	}
	return out, nil
}

// npmCheckName refuses a version that already exists in the project, and a name that
// a project elsewhere under the same root namespace already publishes.
func (s *Service) npmCheckName(ctx context.Context, p *ent.Project, name, version string) error {
	n, err := s.client.PackageVersion.Query().Where(liveVersion(p.ID, packageversion.PackageTypeNpm, name, version)...).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errNPMVersionExists
	}
	root, _, _ := strings.Cut(p.FullPath, "/")
	n, err = s.client.PackageVersion.Query().Where(
		packageversion.PackageTypeEQ(packageversion.PackageTypeNpm), packageversion.NormalizedName(name),
		packageversion.ProjectIDNEQ(p.ID), packageversion.StatusNEQ(packageversion.StatusPendingDestruction),
		packageversion.HasProjectWith(project.FullPathHasPrefix(root+"/")),
	).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errNPMNameTaken
	}
	return nil
}

// npmLive selects the live versions of one npm package in one project.
func npmLive(projectID int, name string) []predicate.PackageVersion {
	return []predicate.PackageVersion{
		packageversion.ProjectID(projectID), packageversion.PackageTypeEQ(packageversion.PackageTypeNpm),
		packageversion.NormalizedName(name), packageversion.StatusNEQ(packageversion.StatusPendingDestruction),
	}
}

// npmLock serializes changes to one package's versions and tags: on Postgres it locks
// the package's live rows, in id order so that two writers cannot deadlock. SQLite
// transactions take the database's write lock when they begin (BEGIN IMMEDIATE).
func (s *Service) npmLock(ctx context.Context, tx *ent.Tx, projectID int, name string) error {
	if !s.db.Postgres() {
		return nil
	}
	_, err := tx.PackageVersion.Query().Where(npmLive(projectID, name)...).
		Order(ent.Asc(packageversion.FieldID)).ForUpdate().IDs(ctx)
	return err
}

// npmMoveTag points tag at the version with id target: it leaves every other version of
// the package, and both versions' revisions move so cached documents are rebuilt.
func npmMoveTag(ctx context.Context, tx *ent.Tx, target, projectID int, name, tag string) error {
	holders, err := tx.PackageTag.Query().Where(packagetag.Name(tag),
		packagetag.HasPackageWith(npmLive(projectID, name)...)).All(ctx)
	if err != nil {
		return err
	}
	has := false
	for _, h := range holders {
		if h.PackageID == target {
			has = true
			continue
		}
		if err := npmDropTag(ctx, tx, h); err != nil {
			return err
		}
	}
	if has {
		return nil
	}
	// A concurrent publish may have tagged the same version already.
	err = tx.PackageTag.Create().SetName(tag).SetPackageID(target).
		OnConflictColumns(packagetag.FieldPackageID, packagetag.FieldName).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return tx.PackageVersion.UpdateOneID(target).AddRevision(1).Exec(ctx)
}

// npmDropTag removes a tag row and bumps its version's revision. A row a concurrent
// transaction removed first is not an error.
func npmDropTag(ctx context.Context, tx *ent.Tx, t *ent.PackageTag) error {
	if _, err := tx.PackageTag.Delete().Where(packagetag.ID(t.ID)).Exec(ctx); err != nil {
		return err
	}
	return tx.PackageVersion.Update().Where(packageversion.ID(t.PackageID)).AddRevision(1).Exec(ctx)
}

// NPMTagInput names one dist-tag of a package read through a scope.
type NPMTagInput struct {
	Scope   Scope
	Name    string
	Tag     string
	Version string // for NPMSetTag
}

// NPMTags returns a package's dist-tags as `npm dist-tag ls` reads them.
func (s *Service) NPMTags(ctx context.Context, sc Scope, name string) (map[string]string, error) {
	pkg, err := s.npmLoad(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	return pkg.DistTags, nil
}

// NPMSetTag points a dist-tag at a version (create permission in the version's project).
func (s *Service) NPMSetTag(ctx context.Context, in NPMTagInput) error {
	if !ValidNPMTag(in.Tag) {
		return InvalidParam("tag")
	}
	if !ValidNPMVersion(in.Version) {
		return Errorf(ErrInvalid, "Version %q is not a valid SemVer 2.0 version.", in.Version)
	}
	v, err := s.npmOwner(ctx, in.Scope, in.Name, in.Version)
	if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, v.Edges.Project, CreatePackages); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.npmLock(ctx, tx, v.ProjectID, in.Name); err != nil {
			return err
		}
		return npmMoveTag(ctx, tx, v.ID, v.ProjectID, in.Name, in.Tag)
	})
}

// NPMRemoveTag removes a dist-tag (destroy permission in the package's project).
func (s *Service) NPMRemoveTag(ctx context.Context, in NPMTagInput) error {
	if !ValidNPMTag(in.Tag) {
		return InvalidParam("tag")
	}
	v, err := s.npmOwner(ctx, in.Scope, in.Name, "")
	if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, v.Edges.Project, DestroyPackages); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.npmLock(ctx, tx, v.ProjectID, in.Name); err != nil {
			return err
		}
		holders, err := tx.PackageTag.Query().Where(packagetag.Name(in.Tag),
			packagetag.HasPackageWith(npmLive(v.ProjectID, in.Name)...)).All(ctx)
		if err != nil {
			return err
		}
		if len(holders) == 0 {
			return Errorf(ErrNotFound, "404 Tag Not Found")
		}
		for _, h := range holders {
			if err := npmDropTag(ctx, tx, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// npmOwner finds the version a write through a scope applies to: the newest readable
// publication of name (of that version, when given), with its project. At group and
// instance level the package's project is the one that published it most recently.
func (s *Service) npmOwner(ctx context.Context, sc Scope, name, version string) (*ent.PackageVersion, error) {
	sel, err := npmSelect(sc, name)
	if err != nil {
		return nil, err
	}
	where := append(sel, packageversion.StatusIn(installableStatuses...))
	if version != "" {
		where = append(where, packageversion.Version(version))
	}
	rows, err := s.client.PackageVersion.Query().Where(where...).WithProject().
		Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID)).Limit(200).All(ctx)
	if err != nil {
		return nil, err
	}
	rows, err = s.npmReadable(ctx, sc, rows)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errNPMNotFound
	}
	return rows[0], nil
}

// NPMDeprecateInput sets or clears deprecation messages on versions of a package.
type NPMDeprecateInput struct {
	Project *ent.Project
	Name    string
	// Messages maps a version to its new message; "" undeprecates it.
	Messages map[string]string
}

// NPMDeprecate applies `npm deprecate`: versions with a message become deprecated,
// versions with an empty one return to default. It needs destroy permission.
func (s *Service) NPMDeprecate(ctx context.Context, in NPMDeprecateInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, DestroyPackages); err != nil {
		return err
	}
	if len(in.Messages) == 0 {
		return Errorf(ErrInvalid, "no versions to deprecate")
	}
	versions := make([]string, 0, len(in.Messages))
	for v := range in.Messages {
		versions = append(versions, v)
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.npmLock(ctx, tx, in.Project.ID, in.Name); err != nil {
			return err
		}
		rows, err := tx.PackageVersion.Query().Where(append(npmLive(in.Project.ID, in.Name),
			packageversion.StatusIn(packageversion.StatusDefault, packageversion.StatusDeprecated),
			packageversion.VersionIn(versions...))...).All(ctx)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return errNPMNotFound
		}
		for _, v := range rows {
			msg := in.Messages[v.Version]
			if msg == NPMDeprecation(v) {
				continue
			}
			md := make(map[string]any, len(v.Metadata)+1)
			for k, val := range v.Metadata {
				md[k] = val
			}
			status := packageversion.StatusDeprecated
			md[npmKeyDeprecated] = msg
			if msg == "" {
				status = packageversion.StatusDefault
				delete(md, npmKeyDeprecated)
			}
			if err := tx.PackageVersion.UpdateOneID(v.ID).SetStatus(status).SetMetadata(md).
				AddRevision(1).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// NPMUnpublishInput removes versions of a package from a project.
type NPMUnpublishInput struct {
	Project *ent.Project
	Name    string
	// Versions to remove; nil removes the whole package.
	Versions []string
	// Keep, when not nil, lists the versions to keep instead (the document `npm
	// unpublish name@version` sends back without the version it removes).
	Keep []string
	// DistTags, when not nil, are the package's dist-tags after the removal; tags that
	// point elsewhere than now are moved.
	DistTags map[string]string
}

// NPMUnpublish marks versions for destruction (destroy permission): they disappear at
// once and garbage collection removes their files.
func (s *Service) NPMUnpublish(ctx context.Context, in NPMUnpublishInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, DestroyPackages); err != nil {
		return err
	}
	removed := 0
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.npmLock(ctx, tx, in.Project.ID, in.Name); err != nil {
			return err
		}
		where := npmLive(in.Project.ID, in.Name)
		switch {
		case in.Keep != nil:
			where = append(where, packageversion.VersionNotIn(in.Keep...))
		case in.Versions != nil:
			where = append(where, packageversion.VersionIn(in.Versions...))
		}
		n, err := tx.PackageVersion.Update().Where(where...).
			SetStatus(packageversion.StatusPendingDestruction).AddRevision(1).Save(ctx)
		if err != nil {
			return err
		}
		removed = n
		if in.Keep == nil && n == 0 {
			return errNPMNotFound
		}
		if in.DistTags == nil {
			return nil
		}
		tags := make([]string, 0, len(in.DistTags))
		for t := range in.DistTags {
			tags = append(tags, t)
		}
		sort.Strings(tags)
		for _, tag := range tags {
			if !ValidNPMTag(tag) {
				continue
			}
			target, err := tx.PackageVersion.Query().Where(append(npmLive(in.Project.ID, in.Name),
				packageversion.Version(in.DistTags[tag]))...).Only(ctx)
			if ent.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if err := npmMoveTag(ctx, tx, target.ID, in.Project.ID, in.Name, tag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "npm versions unpublished", "project_id", in.Project.ID, "name", in.Name,
		"count", removed, "by", auth.FromContext(ctx).Username)
	return nil
}
