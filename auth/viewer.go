// Package auth holds who is calling (the Viewer) and the HTTP middleware that finds
// the caller's credential. It does not know how tokens are stored: a Resolver does.
package auth

import "context"

// Kind says how the viewer authenticated.
type Kind int

// Viewer kinds.
const (
	Anonymous Kind = iota
	PersonalToken
	DeployToken
	JobToken
	Session
)

// Viewer is the authenticated caller of one request.
type Viewer struct {
	Kind Kind
	// UserID and Username are set for every kind that acts as a user (all but
	// Anonymous and DeployToken).
	UserID   int
	Username string
	Admin    bool
	// Bot is set for the bot user behind a project or group access token.
	Bot bool
	// Scopes of the token (PAT or deploy token).
	Scopes []string
	// TokenID is the id of the personal access token, deploy token or CI job.
	TokenID int
	// DeployProjectID / DeployGroupID: what a deploy token reaches (and the full
	// path of its project, whose groups it sees).
	DeployProjectID   int
	DeployProjectPath string
	DeployGroupID     int
	DeployGroupPath   string
	// JobProjectID, JobProjectPath and PipelineID: the project and pipeline of a CI job token.
	JobProjectID   int
	JobProjectPath string
	PipelineID     int
}

// IsUser reports whether the viewer acts as a user account.
func (v *Viewer) IsUser() bool {
	return v != nil && v.UserID != 0 && v.Kind != DeployToken
}

// HasScope reports whether the token carries scope s.
func (v *Viewer) HasScope(s string) bool {
	for _, have := range v.Scopes {
		if have == s {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer in ctx, or an anonymous one.
func FromContext(ctx context.Context) *Viewer {
	if v, ok := ctx.Value(ctxKey{}).(*Viewer); ok && v != nil {
		return v
	}
	return &Viewer{Kind: Anonymous}
}
