package rest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Project and group webhooks, in the shape of GitLab's hooks API
// (https://docs.gitlab.com/api/project_webhooks/, https://docs.gitlab.com/api/group_webhooks/):
// one <event>_events flag per package event (package_events sets both), the secret
// sent as token and never returned.

// hookJSON is a hook as GitLab's API answers it.
type hookJSON struct {
	ID                     int       `json:"id"`
	URL                    string    `json:"url"`
	ProjectID              *int      `json:"project_id,omitempty"`
	GroupID                *int      `json:"group_id,omitempty"`
	PackagePublishedEvents bool      `json:"package_published_events"`
	PackageDeletedEvents   bool      `json:"package_deleted_events"`
	Enabled                bool      `json:"enabled"`
	TokenSet               bool      `json:"token_set"` // whether deliveries are signed; the token itself is never shown
	CreatedAt              time.Time `json:"created_at"`
}

func hookEntity(h *ent.Webhook) hookJSON {
	return hookJSON{
		ID: h.ID, URL: h.URL, ProjectID: h.ProjectID, GroupID: h.GroupID,
		PackagePublishedEvents: slices.Contains(h.Events, registry.EventPackagePublished),
		PackageDeletedEvents:   slices.Contains(h.Events, registry.EventPackageDeleted),
		Enabled:                h.Enabled, TokenSet: h.Secret != "", CreatedAt: h.CreatedAt,
	}
}

// deliveryJSON is one entry of a hook's delivery log.
type deliveryJSON struct {
	ID            int             `json:"id"`
	Event         string          `json:"event"`
	Status        string          `json:"status"`
	Attempts      int             `json:"attempts"`
	ResponseCode  *int            `json:"response_code"`
	LastError     string          `json:"last_error,omitempty"`
	NextAttemptAt *time.Time      `json:"next_attempt_at"`
	DeliveredAt   *time.Time      `json:"delivered_at"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Payload       json.RawMessage `json:"payload"`
}

func deliveryEntity(d *ent.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, Event: string(d.Event), Status: string(d.Status), Attempts: d.Attempts,
		ResponseCode: d.ResponseCode, LastError: d.LastError, DeliveredAt: d.DeliveredAt,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Payload: json.RawMessage(d.Payload)}
	if d.Status == "pending" {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	return out
}

// hookScope resolves {id} as a project (level ProjectLevel) or a group.
func (h *handler) hookScope(r *http.Request, level compat.Level) (registry.Scope, error) {
	ref, err := compat.Param(r, "id")
	if err != nil {
		return registry.Scope{}, err
	}
	if level == compat.ProjectLevel {
		return h.svc.WebhookScope(r.Context(), ref, "")
	}
	return h.svc.WebhookScope(r.Context(), "", ref)
}

// hookID resolves {id} and {hook_id}.
func (h *handler) hookID(r *http.Request, level compat.Level) (registry.Scope, int, error) {
	id, err := strconv.Atoi(chi.URLParam(r, "hook_id"))
	if err != nil {
		return registry.Scope{}, 0, registry.InvalidParam("hook_id")
	}
	sc, err := h.hookScope(r, level)
	return sc, id, err
}

// hookParams reads a hook's attributes from a JSON body or from query and form
// parameters, as GitLab's API takes either.
func (h *handler) hookParams(w http.ResponseWriter, r *http.Request) (registry.WebhookInput, error) {
	compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), 64<<10)
	values := map[string]string{}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return registry.WebhookInput{}, registry.BadRequest("invalid JSON body")
		}
		for k, v := range body {
			if v != nil { // null is as absent
				values[k] = fmt.Sprint(v)
			}
		}
	} else if err := r.ParseForm(); err != nil {
		return registry.WebhookInput{}, registry.BadRequest("invalid form body")
	} else {
		for k := range r.Form {
			values[k] = r.Form.Get(k)
		}
	}
	var in registry.WebhookInput
	if v, ok := values["url"]; ok {
		in.URL = &v
	}
	if v, ok := values["token"]; ok {
		in.Token = &v
	}
	flags := []struct {
		name string
		dst  **bool
	}{
		{"package_events", &in.PackagePublished}, {"package_events", &in.PackageDeleted},
		{"package_published_events", &in.PackagePublished}, {"package_deleted_events", &in.PackageDeleted},
		{"enabled", &in.Enabled},
	}
	for _, f := range flags {
		v, ok := values[f.name]
		if !ok {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return in, registry.InvalidParam(f.name)
		}
		*f.dst = &b
	}
	return in, nil
}

func (h *handler) listHooks(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := h.hookScope(r, level)
		var hooks []*ent.Webhook
		if err == nil {
			hooks, err = h.svc.Webhooks(r.Context(), sc)
		}
		if err != nil {
			style.WriteError(w, r, err)
			return
		}
		out := make([]hookJSON, len(hooks))
		for i, hk := range hooks {
			out[i] = hookEntity(hk)
		}
		compat.WriteJSON(w, http.StatusOK, out)
	}
}

func (h *handler) getHook(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, id, err := h.hookID(r, level)
		var hook *ent.Webhook
		if err == nil {
			hook, err = h.svc.Webhook(r.Context(), sc, id)
		}
		writeHook(w, r, http.StatusOK, hook, err)
	}
}

func (h *handler) createHook(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := h.hookScope(r, level)
		var in registry.WebhookInput
		if err == nil {
			in, err = h.hookParams(w, r)
		}
		var hook *ent.Webhook
		if err == nil {
			hook, err = h.svc.CreateWebhook(r.Context(), sc, in)
		}
		writeHook(w, r, http.StatusCreated, hook, err)
	}
}

func (h *handler) updateHook(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, id, err := h.hookID(r, level)
		var in registry.WebhookInput
		if err == nil {
			in, err = h.hookParams(w, r)
		}
		var hook *ent.Webhook
		if err == nil {
			hook, err = h.svc.UpdateWebhook(r.Context(), sc, id, in)
		}
		writeHook(w, r, http.StatusOK, hook, err)
	}
}

func writeHook(w http.ResponseWriter, r *http.Request, status int, hook *ent.Webhook, err error) {
	if err != nil {
		style.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, status, hookEntity(hook))
}

func (h *handler) deleteHook(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, id, err := h.hookID(r, level)
		if err == nil {
			err = h.svc.DeleteWebhook(r.Context(), sc, id)
		}
		if err != nil {
			style.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *handler) listHookDeliveries(level compat.Level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, id, err := h.hookID(r, level)
		var page compat.Page
		if err == nil {
			page, err = compat.Pagination(r)
		}
		var rows []*ent.WebhookDelivery
		var total int
		if err == nil {
			rows, total, err = h.svc.WebhookDeliveries(r.Context(), sc, id, page.Number, page.Size)
		}
		if err != nil {
			style.WriteError(w, r, err)
			return
		}
		out := make([]deliveryJSON, len(rows))
		for i, d := range rows {
			out[i] = deliveryEntity(d)
		}
		compat.SetPageHeaders(w, r, h.svc.ExternalURL(), page, total)
		compat.WriteJSON(w, http.StatusOK, out)
	}
}
