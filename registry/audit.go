package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/auditevent"
	"github.com/pkgreg/registry/ent/group"
)

// AuditRetention is how long audit events are kept: garbage collection deletes
// older ones. A constant rather than an instance setting: one year answers the usual
// "who did this last quarter" without the table growing without bound.
const AuditRetention = 365 * 24 * time.Hour

// Audit actions, as target.verb. They are the values of AuditEvent.action and of the
// action filter of the listings.
const (
	AuditPublish           = "package.publish"
	AuditPackageDelete     = "package.delete"
	AuditFileDelete        = "package_file.delete"
	AuditPATCreate         = "personal_access_token.create"
	AuditPATRevoke         = "personal_access_token.revoke"
	AuditPATRotate         = "personal_access_token.rotate"
	AuditAccessTokenCreate = "access_token.create"
	AuditAccessTokenRevoke = "access_token.revoke"
	AuditDeployTokenCreate = "deploy_token.create"
	AuditDeployTokenRevoke = "deploy_token.revoke"
	AuditMemberAdd         = "member.add"
	AuditMemberUpdate      = "member.update"
	AuditMemberRemove      = "member.remove"
	AuditInstanceSettings  = "instance_settings.update"
	AuditPackageSettings   = "package_settings.update"
	AuditGroupFlags        = "group_flags.update"
	AuditProjectSettings   = "project_settings.update"
	AuditPlanLimit         = "plan_limit.update"
	AuditCleanupPolicy     = "cleanup_policy.update"
)

// Target types and author kinds (AuditEvent.target_type, author_kind).
const (
	auditTargetPackage     = "package"
	auditTargetFile        = "package_file"
	auditTargetPAT         = "personal_access_token"
	auditTargetDeployToken = "deploy_token"
	auditTargetMembership  = "membership"
	auditTargetProject     = "project"
	auditTargetGroup       = "group"
	auditTargetInstance    = "instance"
	auditTargetPlanLimit   = "plan_limit"
	auditAuthorSystem      = "system"
	auditAuthorAccessToken = "access_token"
	auditAuthorDeployToken = "deploy_token"
	auditAuthorJobToken    = "job_token"
	auditAuthorSession     = "session"
	auditAuthorPersonalTok = "personal_token"
)

// auditEvent is what a change says about itself; the author comes from the context.
type auditEvent struct {
	Action     string
	TargetType string
	TargetID   int
	TargetPath string
	// ProjectID and GroupID place the event in a project or group for its owners'
	// view (a project's event also carries the project's own group).
	ProjectID, GroupID *int
	Details            map[string]any
}

// inProject places an event in project p (and p's group).
func (e auditEvent) inProject(p *ent.Project) auditEvent {
	e.ProjectID, e.GroupID = &p.ID, p.GroupID
	return e
}

// audit records e in tx, the transaction of the change it describes, so that the
// event commits or rolls back with the change.
func (s *Service) audit(ctx context.Context, tx *ent.Tx, e auditEvent) error {
	v := auth.FromContext(ctx)
	c := tx.AuditEvent.Create().SetCreatedAt(s.now()).SetAction(e.Action).SetTargetType(e.TargetType).
		SetTargetPath(e.TargetPath).SetNillableProjectID(e.ProjectID).SetNillableGroupID(e.GroupID).
		SetAuthorKind(auditAuthorKind(v)).SetAuthorName(v.Username)
	if v.IsUser() {
		c.SetAuthorID(v.UserID)
	}
	if e.TargetID != 0 {
		c.SetTargetID(e.TargetID)
	}
	if len(e.Details) > 0 {
		c.SetDetails(e.Details)
	}
	if err := c.Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func auditAuthorKind(v *auth.Viewer) string {
	switch {
	case v.Kind == auth.DeployToken:
		return auditAuthorDeployToken
	case v.Kind == auth.JobToken:
		return auditAuthorJobToken
	case v.Bot:
		return auditAuthorAccessToken
	case v.Kind == auth.PersonalToken:
		return auditAuthorPersonalTok
	case v.Kind == auth.Session:
		return auditAuthorSession
	}
	return auditAuthorSystem
}

// packagePath is the human name of a package version: group/project name@version.
func packagePath(projectPath, name, version string) string {
	return projectPath + " " + name + "@" + version
}

// AuditFilter narrows an audit event listing; zero fields do not filter.
type AuditFilter struct {
	Action, TargetType, AuthorUsername string
	Since                              *time.Time
}

func (f AuditFilter) apply(q *ent.AuditEventQuery) *ent.AuditEventQuery {
	if f.Action != "" {
		q.Where(auditevent.Action(f.Action))
	}
	if f.TargetType != "" {
		q.Where(auditevent.TargetType(f.TargetType))
	}
	if f.AuthorUsername != "" {
		q.Where(auditevent.AuthorName(f.AuthorUsername))
	}
	if f.Since != nil {
		q.Where(auditevent.CreatedAtGTE(*f.Since))
	}
	return q
}

// AuditEventsQuery lists every audit event (administrators).
func (s *Service) AuditEventsQuery(ctx context.Context, f AuditFilter) (*ent.AuditEventQuery, error) {
	if err := s.requireAdminRead(ctx); err != nil {
		return nil, err
	}
	return f.apply(s.client.AuditEvent.Query()), nil
}

// EachAuditEvent calls fn with every event that f selects, oldest first, reading
// them in batches so that a year of events is never held at once (administrators).
func (s *Service) EachAuditEvent(ctx context.Context, f AuditFilter, fn func(*ent.AuditEvent) error) error {
	if err := s.requireAdminRead(ctx); err != nil {
		return err
	}
	const batch = 500
	for last := 0; ; {
		evs, err := f.apply(s.client.AuditEvent.Query()).Where(auditevent.IDGT(last)).
			Order(ent.Asc(auditevent.FieldID)).Limit(batch).All(ctx)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(evs) < batch {
			return nil
		}
		last = evs[len(evs)-1].ID
	}
}

// ProjectAuditEventsQuery lists the events of one project (its Maintainers, who
// manage its members and tokens, and administrators).
func (s *Service) ProjectAuditEventsQuery(ctx context.Context, p *ent.Project, f AuditFilter) (*ent.AuditEventQuery, error) {
	if err := s.AuthorizeProject(ctx, p, ManageMembers); err != nil {
		return nil, err
	}
	return f.apply(s.client.AuditEvent.Query().Where(auditevent.ProjectID(p.ID))), nil
}

// GroupAuditEventsQuery lists the events of a group, its subgroups and their
// projects (the group's Owners and administrators).
func (s *Service) GroupAuditEventsQuery(ctx context.Context, g *ent.Group, f AuditFilter) (*ent.AuditEventQuery, error) {
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	ids, err := s.client.Group.Query().Where(group.Or(group.ID(g.ID), group.FullPathHasPrefix(g.FullPath+"/"))).IDs(ctx)
	if err != nil {
		return nil, err
	}
	return f.apply(s.client.AuditEvent.Query().Where(auditevent.GroupIDIn(ids...))), nil
}

// collectAuditEvents deletes events older than the retention.
func (s *Service) collectAuditEvents(ctx context.Context, _ time.Time, st *GCStats) error {
	n, err := s.client.AuditEvent.Delete().Where(auditevent.CreatedAtLT(s.now().Add(-AuditRetention))).Exec(ctx)
	if err != nil {
		return fmt.Errorf("gc audit events: %w", err)
	}
	st.AuditEvents += n
	return nil
}
