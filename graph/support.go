package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/graph/model"
	"github.com/pkgreg/registry/registry"
)

func tokenActive(revoked, expires *time.Time) bool {
	return revoked == nil && (expires == nil || time.Now().Before(*expires))
}

// nodes lists the nodes of a connection's edges (GitLab's `nodes` shortcut).
func nodes[E any, N any](edges []E, node func(E) N) []N {
	out := make([]N, len(edges))
	for i, e := range edges {
		out[i] = node(e)
	}
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func packageFilter(name *string, typ *model.PackageTypeEnum, version *string, status *model.PackageStatus, versionless *bool) registry.PackageFilter {
	return registry.PackageFilter{Name: str(name), Type: lower(typ), Version: str(version), Status: lower(status),
		IncludeVersionless: versionless != nil && *versionless}
}

// packages lists a project's or group's packages as a connection, with each package's
// files, tags and pipelines loaded in a fixed number of queries when the page shows
// any of them.
func (r *Resolver) packages(ctx context.Context, scope registry.Scope, sort string, f registry.PackageFilter,
	after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*ent.PackageConnection, error) {
	q, err := r.svc.PackagesQuery(ctx, scope, f)
	if err != nil {
		return nil, err
	}
	if !columnsOnly(ctx) {
		q = registry.WithPackageEdges(q)
	}
	first, last = clamp(first, last)
	return q.Paginate(detach(ctx), after, first, before, last, ent.WithPackageOrder(packageOrder(sort)))
}

// packageColumns are the fields of Package read from its own row alone.
var packageColumns = map[string]bool{"__typename": true, "id": true, "name": true, "version": true,
	"packageType": true, "status": true, "statusMessage": true, "createdAt": true, "updatedAt": true,
	"lastDownloadedAt": true, "downloadsCount": true}

// columnsOnly reports whether the connection being resolved selects, on its nodes
// (`nodes` or `edges { node }`), only fields of the package's own row: then its page
// needs none of the edges a list eager-loads (eight more queries), and a field that
// does read one would load it for its node alone (LoadPackageEdges).
func columnsOnly(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	var nodes []graphql.CollectedField
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "nodes":
			nodes = append(nodes, f)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
				if e.Name == "node" {
					nodes = append(nodes, e)
				}
			}
		}
	}
	for _, n := range nodes {
		for _, f := range graphql.CollectFields(oc, n.Selections, []string{"Package", "Node"}) {
			if !packageColumns[f.Name] {
				return false
			}
		}
	}
	return true
}

// tokenPayload fills a token mutation's payload from a created token.
func (r *mutationResolver) tokenPayload(ctx context.Context, out *model.PersonalAccessTokenCreatePayload, create func() (*registry.NewToken, error)) error {
	t, err := create()
	if err != nil {
		return err
	}
	out.Token = &t.Token
	out.PersonalAccessToken = &ent.PersonalAccessToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt}
	return nil
}

func (r *mutationResolver) accessToken(ctx context.Context, input model.AccessTokenCreateInput, in registry.AccessTokenInput) (*model.AccessTokenCreatePayload, error) {
	out := &model.AccessTokenCreatePayload{ClientMutationID: input.ClientMutationID}
	in.Name, in.Scopes, in.ExpiresAt = input.Name, input.Scopes, input.ExpiresAt
	in.Role = lower(input.AccessLevel)
	t, err := r.svc.CreateAccessToken(ctx, in)
	if err == nil {
		out.Token = &t.Token
		out.User, err = r.svc.UserByUsername(ctx, t.Username)
	}
	out.Errors, err = payloadErrors(err)
	return out, err
}

func (r *mutationResolver) jobTokenScope(ctx context.Context, mid *string, in registry.JobTokenScopeInput, allow bool) (*model.CiJobTokenScopePayload, error) {
	out := &model.CiJobTokenScopePayload{ClientMutationID: mid}
	err := r.svc.SetJobTokenScope(ctx, in, allow)
	if err == nil {
		var p *ent.Project
		if p, err = r.svc.VisibleProject(ctx, in.ProjectPath); err == nil {
			out.CiJobTokenScope, err = (&projectResolver{r.Resolver}).CiJobTokenScope(ctx, p)
		}
	}
	out.Errors, err = payloadErrors(err)
	return out, err
}

// projectURL is the project-level URL of a package manager's endpoint. GitLab sets the
// npm, Maven, NuGet and PyPI URLs of every package whatever its format
// (app/graphql/types/packages/package_details_type.rb), so a page can show any of them.
func (r *packageResolver) projectURL(obj *ent.PackageVersion, suffix string) *string {
	u := r.svc.ExternalURL() + "/api/v4/projects/" + strconv.Itoa(obj.ProjectID) + "/packages" + suffix
	return &u
}

// pypiTokenPlaceholder is what GitLab writes into the pypiUrl of a project that is not
// public, where pip needs credentials in the index URL.
const pypiTokenPlaceholder = "__token__:<your_personal_token>@"

// pypiURL is the project's PyPI simple index, with GitLab's token placeholder after the
// scheme unless the project is public.
func (r *packageResolver) pypiURL(ctx context.Context, obj *ent.PackageVersion) (*string, error) {
	p, err := r.Project(ctx, obj)
	if err != nil {
		return nil, err
	}
	u := *r.projectURL(obj, "/pypi/simple")
	if p.Visibility.String() != "public" {
		if scheme, rest, ok := strings.Cut(u, "://"); ok {
			u = scheme + "://" + pypiTokenPlaceholder + rest
		}
	}
	return &u, nil
}

// node loads any object by global ID, through the same authorization as its own query.
func (r *queryResolver) node(ctx context.Context, id string) (ent.Noder, error) {
	kind, n, err := splitGID(id)
	if err != nil {
		return nil, err
	}
	ref := strconv.Itoa(n)
	var v ent.Noder
	switch kind {
	case kindPackage:
		v, err = nilIfDenied(r.svc.PackageByID(ctx, n))
	case kindPackageFile:
		v, err = nilIfDenied(r.svc.PackageFileByID(ctx, n))
	case kindProject:
		v, err = nilIfDenied(r.svc.VisibleProject(ctx, ref))
	case kindGroup:
		v, err = nilIfDenied(r.svc.VisibleGroup(ctx, ref))
	default:
		return nil, registry.Errorf(registry.ErrInvalid, "node(id) does not look up %s", kind)
	}
	return v, err
}

// nilIfDenied returns a nil interface (not a typed nil) for what the viewer may not see.
func nilIfDenied[T ent.Noder](v T, err error) (ent.Noder, error) {
	if err != nil {
		if registry.IsDenied(err) {
			return nil, nil
		}
		return nil, err
	}
	return v, nil
}

// packageMetadata is the version's metadata as its format's member of the
// PackageMetadata union (formats register how they decode it), or nil.
func (r *packageResolver) packageMetadata(p *ent.PackageVersion) (model.PackageMetadata, error) {
	m, err := r.svc.Metadata(p)
	if err != nil || m == nil {
		return nil, err
	}
	u, ok := m.(model.PackageMetadata)
	if !ok {
		return nil, fmt.Errorf("%s metadata %T is not a PackageMetadata member", p.PackageType, m)
	}
	return u, nil
}

// maxDependencyLinks bounds the dependency links one version shows.
const maxDependencyLinks = 1000

// dependencyLinks renders the dependencies a version's format lists, with the
// format's link metadata; first bounds them (default and most: 1000).
func (r *packageResolver) dependencyLinks(p *ent.PackageVersion, first *int) (*model.PackageDependencyLinkConnection, error) {
	deps, err := r.svc.Dependencies(p)
	if err != nil {
		return nil, err
	}
	n := maxDependencyLinks
	if first != nil {
		if *first < 0 {
			return nil, registry.InvalidParam("first")
		}
		n = min(*first, n)
	}
	out := &model.PackageDependencyLinkConnection{Count: len(deps), Nodes: []*model.PackageDependencyLink{}}
	for i, d := range deps[:min(n, len(deps))] {
		link := &model.PackageDependencyLink{ID: fmt.Sprintf("gid://gitlab/Packages::DependencyLink/%d-%d", p.ID, i),
			DependencyType: upper[model.PackageDependencyType](dependencyType(d.Type)),
			Dependency: &model.PackageDependency{ID: fmt.Sprintf("gid://gitlab/Packages::Dependency/%d-%d", p.ID, i),
				Name: d.Name, VersionPattern: d.VersionPattern}}
		if d.Metadata != nil {
			m, ok := d.Metadata.(model.DependencyLinkMetadata)
			if !ok {
				return nil, fmt.Errorf("%s dependency metadata %T is not a DependencyLinkMetadata member", p.PackageType, d.Metadata)
			}
			link.Metadata = m
		}
		out.Nodes = append(out.Nodes, link)
	}
	return out, nil
}

// dependencyType spells a registry dependency type as GitLab's enum value
// (devDependencies is DEV_DEPENDENCIES).
func dependencyType(t string) string {
	var b strings.Builder
	for _, c := range t {
		if c >= 'A' && c <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// accessTokens renders a project's or group's access tokens; a viewer who may not
// manage them gets null.
func accessTokens(ts []registry.AccessToken, err error) ([]*model.AccessToken, error) {
	if err != nil {
		if registry.IsDenied(err) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]*model.AccessToken, 0, len(ts))
	for _, t := range ts {
		out = append(out, &model.AccessToken{ID: gid(kindPAT, t.Token.ID), Name: t.Token.Name, Scopes: t.Token.Scopes,
			AccessLevel: upper[model.AccessLevelEnum](t.Role.String()), User: t.Bot,
			Revoked: t.Token.RevokedAt != nil, Active: tokenActive(t.Token.RevokedAt, t.Token.ExpiresAt),
			CreatedAt: t.Token.CreatedAt, ExpiresAt: t.Token.ExpiresAt, LastUsedAt: t.Token.LastUsedAt})
	}
	return out, nil
}

// GitLab's defaults of the duplicate settings for formats this server does not
// register (the registry reports the registered ones).
var duplicateDefaults = map[registry.PackageType]bool{
	registry.PackageTypeGeneric: true, registry.PackageTypeMaven: true,
	registry.PackageTypeNuGet: true, registry.PackageTypeTerraformModule: false,
}

// packageSettings renders a group's duplicate policies in GitLab's PackageSettings shape.
func (r *Resolver) packageSettings(ctx context.Context, g *ent.Group, ps map[registry.PackageType]registry.DuplicatePolicy, err error) (*model.PackageSettings, error) {
	if err != nil {
		return nil, err
	}
	flags, err := r.svc.GroupFlags(ctx, g)
	if err != nil {
		return nil, err
	}
	get := func(t registry.PackageType) (bool, *string) {
		p, ok := ps[t]
		if !ok {
			p = registry.DuplicatePolicy{Allowed: duplicateDefaults[t]}
		}
		return p.Allowed, &p.ExceptionRegex
	}
	out := &model.PackageSettings{}
	out.GenericDuplicatesAllowed, out.GenericDuplicateExceptionRegex = get(registry.PackageTypeGeneric)
	out.MavenDuplicatesAllowed, out.MavenDuplicateExceptionRegex = get(registry.PackageTypeMaven)
	out.NugetDuplicatesAllowed, out.NugetDuplicateExceptionRegex = get(registry.PackageTypeNuGet)
	out.NugetSymbolServerEnabled = flags[registry.PackageTypeNuGet]["symbol_server_enabled"]
	out.TerraformModuleDuplicatesAllowed, out.TerraformModuleDuplicateExceptionRegex = get(registry.PackageTypeTerraformModule)
	return out, nil
}

// intOr is *p, or def when the argument was not given.
func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// storageDays renders a storage history; a denied read is null, as the statistics are.
func storageDays(days []registry.StorageDay, err error) ([]*model.StorageDay, error) {
	if err != nil {
		if registry.IsDenied(err) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]*model.StorageDay, len(days))
	for i, d := range days {
		out[i] = &model.StorageDay{Day: d.Day, PackagesSize: float64(d.PackagesSize)}
	}
	return out, nil
}

// packageStorage renders the largest packages; a denied read is null.
func packageStorage(list []registry.PackageStorage, err error) ([]*model.PackageStorage, error) {
	if err != nil {
		if registry.IsDenied(err) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]*model.PackageStorage, len(list))
	for i, p := range list {
		out[i] = &model.PackageStorage{Package: p.Version, Size: float64(p.Size)}
	}
	return out, nil
}
