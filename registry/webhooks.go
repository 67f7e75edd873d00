package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/webhook"
	"github.com/pkgreg/registry/ent/webhookdelivery"
)

// Webhooks report package events of a project, or of every project under a group,
// to a URL (modelled on Gitea's and Artifactory's package webhooks, managed like
// GitLab's project and group hooks). An event is written as one WebhookDelivery row
// per hook inside the transaction that publishes or deletes, so a rolled-back
// change sends nothing; the delivery worker (deliveries.go) sends the rows.

// Webhook events.
const (
	EventPackagePublished = "package_published"
	EventPackageDeleted   = "package_deleted"
)

// WebhookInput creates or changes a webhook; nil fields keep their value (or, on
// creation, the default: both events subscribed, enabled, no secret).
type WebhookInput struct {
	URL *string
	// Token is the secret that signs deliveries (GitLab's name for it).
	Token            *string
	PackagePublished *bool
	PackageDeleted   *bool
	Enabled          *bool
}

var errWebhookNotFound = Errorf(ErrNotFound, "404 Not found")

// authorizeWebhooks checks ManageWebhooks on the scope's project or group.
func (s *Service) authorizeWebhooks(ctx context.Context, sc Scope) error {
	switch {
	case sc.Project != nil:
		return s.AuthorizeProject(ctx, sc.Project, ManageWebhooks)
	case sc.Group != nil:
		return s.AuthorizeGroup(ctx, sc.Group, ManageWebhooks)
	}
	return errForbidden
}

// ownedBy selects the hooks of the scope's project or group itself.
func ownedBy(sc Scope) predicate.Webhook {
	if sc.Project != nil {
		return webhook.ProjectID(sc.Project.ID)
	}
	return webhook.GroupID(sc.Group.ID)
}

// Webhooks lists the hooks of a project or group (Maintainer), oldest first.
func (s *Service) Webhooks(ctx context.Context, sc Scope) ([]*ent.Webhook, error) {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return nil, err
	}
	return s.client.Webhook.Query().Where(ownedBy(sc)).Order(ent.Asc(webhook.FieldID)).All(ctx)
}

// Webhook returns one hook of a project or group (Maintainer).
func (s *Service) Webhook(ctx context.Context, sc Scope, id int) (*ent.Webhook, error) {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return nil, err
	}
	return s.webhook(ctx, sc, id)
}

func (s *Service) webhook(ctx context.Context, sc Scope, id int) (*ent.Webhook, error) {
	h, err := s.client.Webhook.Query().Where(webhook.ID(id), ownedBy(sc)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errWebhookNotFound
	}
	return h, err
}

// CreateWebhook adds a hook to a project or group (Maintainer).
func (s *Service) CreateWebhook(ctx context.Context, sc Scope, in WebhookInput) (*ent.Webhook, error) {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return nil, err
	}
	if in.URL == nil {
		return nil, NotGiven("url")
	}
	events := webhookEvents([]string{EventPackagePublished, EventPackageDeleted}, in)
	if err := s.checkWebhookURL(ctx, *in.URL); err != nil {
		return nil, err
	}
	c := s.client.Webhook.Create().SetURL(*in.URL).SetEvents(events)
	if sc.Project != nil {
		c.SetProjectID(sc.Project.ID)
	} else {
		c.SetGroupID(sc.Group.ID)
	}
	if in.Token != nil {
		c.SetSecret(*in.Token)
	}
	if in.Enabled != nil {
		c.SetEnabled(*in.Enabled)
	}
	h, err := c.Save(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	s.log.InfoContext(ctx, "webhook created", "webhook_id", h.ID, "by", auth.FromContext(ctx).Username)
	return h, nil
}

// UpdateWebhook changes a hook of a project or group (Maintainer).
func (s *Service) UpdateWebhook(ctx context.Context, sc Scope, id int, in WebhookInput) (*ent.Webhook, error) {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return nil, err
	}
	h, err := s.webhook(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	events := webhookEvents(h.Events, in)
	u := h.Update().SetEvents(events)
	if in.URL != nil {
		if err := s.checkWebhookURL(ctx, *in.URL); err != nil {
			return nil, err
		}
		u.SetURL(*in.URL)
	}
	if in.Token != nil {
		u.SetSecret(*in.Token)
	}
	setBool(in.Enabled, u.SetEnabled)
	if h, err = u.Save(ctx); err != nil {
		return nil, dbError(err)
	}
	s.log.InfoContext(ctx, "webhook changed", "webhook_id", h.ID, "by", auth.FromContext(ctx).Username)
	return h, nil
}

// DeleteWebhook removes a hook of a project or group and its delivery log (Maintainer).
func (s *Service) DeleteWebhook(ctx context.Context, sc Scope, id int) error {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return err
	}
	n, err := s.client.Webhook.Delete().Where(webhook.ID(id), ownedBy(sc)).Exec(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errWebhookNotFound
	}
	s.log.InfoContext(ctx, "webhook deleted", "webhook_id", id, "by", auth.FromContext(ctx).Username)
	return nil
}

// WebhookDeliveries is a page of a hook's delivery log, newest first (Maintainer).
func (s *Service) WebhookDeliveries(ctx context.Context, sc Scope, id, page, perPage int) ([]*ent.WebhookDelivery, int, error) {
	if err := s.authorizeWebhooks(ctx, sc); err != nil {
		return nil, 0, err
	}
	if _, err := s.webhook(ctx, sc, id); err != nil {
		return nil, 0, err
	}
	q := s.client.WebhookDelivery.Query().Where(webhookdelivery.WebhookID(id))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.Order(ent.Desc(webhookdelivery.FieldID)).Offset((page - 1) * perPage).Limit(perPage).All(ctx)
	return rows, total, err
}

// webhookEvents applies the input's event switches to the current events (on
// creation, the defaults).
func webhookEvents(current []string, in WebhookInput) []string {
	on := map[string]bool{}
	for _, e := range current {
		on[e] = true
	}
	if in.PackagePublished != nil {
		on[EventPackagePublished] = *in.PackagePublished
	}
	if in.PackageDeleted != nil {
		on[EventPackageDeleted] = *in.PackageDeleted
	}
	out := []string{}
	for _, e := range []string{EventPackagePublished, EventPackageDeleted} {
		if on[e] {
			out = append(out, e)
		}
	}
	return out
}

// checkWebhookURL accepts absolute http and https URLs. Unless the instance allows
// local webhooks, a host that is a local address (or "localhost") is refused here;
// names that resolve to one are refused when a delivery connects (localDialer), which
// also covers a name whose address changes after the check.
func (s *Service) checkWebhookURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2048 {
		return Errorf(ErrInvalid, "url is blocked: Only allowed schemes are http, https")
	}
	st, err := s.instanceSettings(ctx)
	if err != nil {
		return err
	}
	if !st.AllowLocalWebhooks && localHost(u.Hostname()) {
		return Errorf(ErrInvalid, "url is blocked: Requests to the local network are not allowed")
	}
	return nil
}

// localHost reports whether host names the machine itself or a private network.
func localHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && localAddr(ip)
}

// localAddr reports whether ip is loopback, private, link-local or unspecified.
func localAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() || !ip.IsValid() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT
}

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	Event   string         `json:"event"`
	Time    time.Time      `json:"time"`
	Actor   webhookActor   `json:"actor"`
	Package webhookPackage `json:"package"`
	Project webhookProject `json:"project"`
	// Files are the file names a publish added (none for a delete).
	Files []string `json:"files,omitempty"`
}

type webhookActor struct {
	Username string `json:"username"`
}

type webhookPackage struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Type    string `json:"type"`
}

type webhookProject struct {
	ID                int    `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
}

// packageEvent is one event about one package version.
type packageEvent struct {
	event   string
	version *ent.PackageVersion
	files   []string
}

// publishedEvent is the event of one publish: the version the files went into.
func publishedEvent(ins []PublishFileInput, files []*ent.PackageFile) packageEvent {
	names := make([]string, len(ins))
	for i, in := range ins {
		names[i] = in.FileName
	}
	v := &ent.PackageVersion{ID: files[0].PackageID, Name: ins[0].Name, Version: ins[0].Version, PackageType: ins[0].Type}
	return packageEvent{event: EventPackagePublished, version: v, files: names}
}

// deletedEvents are the events of deleting versions.
func deletedEvents(versions []*ent.PackageVersion) []packageEvent {
	out := make([]packageEvent, len(versions))
	for i, v := range versions {
		out[i] = packageEvent{event: EventPackageDeleted, version: v}
	}
	return out
}

// enqueueWebhooks writes a delivery for every enabled hook of the events' project
// and of the groups above it, in tx: the deliveries commit or roll back with the
// change they report.
func (s *Service) enqueueWebhooks(ctx context.Context, tx *ent.Tx, p *ent.Project, events ...packageEvent) error {
	if len(events) == 0 {
		return nil
	}
	owners := []predicate.Webhook{webhook.ProjectID(p.ID)}
	if p.GroupID != nil {
		var groups []string
		for g := parentPath(p.FullPath); g != ""; g = parentPath(g) {
			groups = append(groups, g)
		}
		// The groups' ids first: "project or group" is then two index lookups.
		ids, err := tx.Group.Query().Where(group.FullPathIn(groups...)).IDs(ctx)
		if err != nil {
			return err
		}
		owners = append(owners, webhook.GroupIDIn(ids...))
	}
	hooks, err := tx.Webhook.Query().Where(webhook.Enabled(true), webhook.Or(owners...)).All(ctx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	now := s.now().UTC()
	var creates []*ent.WebhookDeliveryCreate
	for _, ev := range events {
		body, err := json.Marshal(WebhookPayload{
			Event: ev.event, Time: now, Actor: webhookActor{Username: auth.FromContext(ctx).Username},
			Package: webhookPackage{ID: ev.version.ID, Name: ev.version.Name, Version: ev.version.Version, Type: string(ev.version.PackageType)},
			Project: webhookProject{ID: p.ID, PathWithNamespace: p.FullPath},
			Files:   ev.files,
		})
		if err != nil {
			return fmt.Errorf("webhook payload: %w", err)
		}
		for _, h := range hooks {
			if slices.Contains(h.Events, ev.event) {
				creates = append(creates, tx.WebhookDelivery.Create().SetWebhookID(h.ID).
					SetEvent(webhookdelivery.Event(ev.event)).SetPayload(string(body)).SetNextAttemptAt(now))
			}
		}
	}
	if len(creates) == 0 {
		return nil
	}
	if err := tx.WebhookDelivery.CreateBulk(creates...).Exec(ctx); err != nil {
		return fmt.Errorf("enqueue webhooks: %w", err)
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				s.wakeWebhooks()
			}
			return err
		})
	})
	return nil
}

// dialAddr is the address a delivery connects to, for localDialer's check.
func dialAddr(address string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(host)
}

// DeleteWebhookByID removes a hook known by its id alone (GraphQL's global IDs),
// authorized on the project or group that owns it.
func (s *Service) DeleteWebhookByID(ctx context.Context, id int) error {
	h, err := s.client.Webhook.Query().Where(webhook.ID(id)).WithProject().WithGroup().Only(ctx)
	if ent.IsNotFound(err) {
		return denyMissing(auth.FromContext(ctx), errWebhookNotFound)
	} else if err != nil {
		return err
	}
	return s.DeleteWebhook(ctx, Scope{Project: h.Edges.Project, Group: h.Edges.Group}, id)
}

// WebhookScope resolves the project or group (numeric id or full path; exactly one)
// whose hooks a caller manages. It checks nothing: every webhook operation
// authorizes ManageWebhooks on the scope itself.
func (s *Service) WebhookScope(ctx context.Context, projectRef, groupRef string) (Scope, error) {
	switch {
	case (projectRef == "") == (groupRef == ""):
		return Scope{}, Errorf(ErrInvalid, "give exactly one of a project and a group")
	case projectRef != "":
		p, err := s.ProjectByRef(ctx, projectRef)
		return Scope{Project: p}, err
	}
	g, err := s.GroupByRef(ctx, groupRef)
	return Scope{Group: g}, err
}
