package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/pkgreg/registry/graph/generated"
	"github.com/pkgreg/registry/graph/model"
	"github.com/pkgreg/registry/registry"
)

// Limits against abusive queries.
const (
	MaxComplexity = 5000
	MaxDepth      = 12
	// MaxIntrospectionDepth bounds __schema and __type, which an explorer's schema
	// query nests about 15 levels deep (type references wrap ofType in ofType).
	// Introspection reads only the schema in memory, never the database.
	MaxIntrospectionDepth = 24
	// MaxBodyBytes bounds a POST body; a larger one is refused (413) before it is read.
	MaxBodyBytes = 2 << 20
)

// NewHandler serves GraphQL over GET and POST.
func NewHandler(svc *registry.Service, log *slog.Logger) http.Handler {
	return &bounded{next: newExecutor(svc, log), timeout: svc.SmallBodyTimeout()}
}

func newExecutor(svc *registry.Service, log *slog.Logger) http.Handler {
	cfg := generated.Config{Resolvers: NewResolver(svc)}
	setComplexity(&cfg.Complexity)
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(depthLimit{max: MaxDepth, introspection: MaxIntrospectionDepth})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withFieldCalls(ctx))
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, err, log)
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql panic", "panic", fmt.Sprint(v))
		return errors.New("internal error")
	})
	return srv
}

// bounded reads a POST body itself, within MaxBodyBytes and the small-body read
// deadline, and refuses what is not JSON without echoing it (gqlgen's own decoder
// would quote the body back in its error message).
type bounded struct {
	next    http.Handler
	timeout time.Duration
}

func (b *bounded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		b.next.ServeHTTP(w, r)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		writeGraphQLError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes))
		return
	}
	if b.timeout > 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(b.timeout))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeGraphQLError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes))
		return
	case err != nil:
		writeGraphQLError(w, http.StatusBadRequest, "the request body could not be read")
		return
	case !json.Valid(body):
		writeGraphQLError(w, http.StatusBadRequest, "the request body is not valid JSON")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.next.ServeHTTP(w, r)
}

func writeGraphQLError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg}}})
}

// presentError maps the service's error kinds to extensions.code. Internal errors are
// logged and shown as a generic message: SQL, paths and stack traces never leave.
func presentError(ctx context.Context, err error, log *slog.Logger) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		return invalidArgument(ctx, gqlErr) // parse and validation errors: already safe
	}
	var kind *registry.Error
	if gqlErr != nil && !errors.As(err, &kind) {
		// An argument that failed to decode (a cursor, a time): gqlgen puts the
		// argument on the error's path. The decoder's own message is not shown.
		arg := "an argument"
		if n := len(gqlErr.Path); n > 0 {
			arg = fmt.Sprint(gqlErr.Path[n-1])
		}
		return &gqlerror.Error{Message: fmt.Sprintf("%s is not a valid value", arg), Path: gqlErr.Path,
			Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	}
	e := graphql.DefaultErrorPresenter(ctx, err)
	code := errorCode(err)
	msg := registry.PublicMessage(err)
	if code == "" && registry.Unavailable(err) {
		log.WarnContext(ctx, "graphql: database unavailable", "err", err, "path", e.Path.String())
		code, msg = "SERVICE_UNAVAILABLE", "Service unavailable, try again"
	}
	if gqlErr != nil && msg != "" {
		msg = variableMessage(ctx, gqlErr.Path, msg)
	}
	if code == "" || msg == "" {
		log.ErrorContext(ctx, "graphql error", "err", err, "path", e.Path.String())
		code, msg = "INTERNAL_SERVER_ERROR", "Internal server error"
	}
	e.Message = msg
	e.Extensions = map[string]any{"code": code}
	return e
}

// variableMessage words an argument that did not decode as graphql-ruby does when the
// value came in a variable: "Variable $input of type T! was provided invalid value for
// ids.0 (why)". A literal argument keeps the reason alone, as in GitLab.
func variableMessage(ctx context.Context, path ast.Path, why string) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return why
	}
	for i, el := range path {
		name, ok := el.(ast.PathName)
		if !ok {
			continue
		}
		arg := fc.Field.Arguments.ForName(string(name))
		if arg == nil || arg.Value == nil || arg.Value.Kind != ast.Variable || arg.Value.VariableDefinition == nil {
			continue
		}
		var rest []string
		for _, p := range path[i+1:] {
			rest = append(rest, fmt.Sprint(p))
		}
		return fmt.Sprintf("Variable $%s of type %s was provided invalid value for %s (%s)",
			arg.Value.Raw, arg.Value.VariableDefinition.Type.String(), strings.Join(rest, "."), why)
	}
	return why
}

// invalidArgument words a literal enum argument of an unknown value as graphql-ruby
// does ("Argument 'sort' on Field 'packages' has an invalid value (WRONG_ORDER).
// Expected type 'PackageSort'."), which scripts written against GitLab look for; other
// parse and validation errors are returned as they are.
func invalidArgument(ctx context.Context, e *gqlerror.Error) *gqlerror.Error {
	m := unknownEnumValue.FindStringSubmatch(e.Message)
	if m == nil || len(e.Locations) == 0 || !graphql.HasOperationContext(ctx) {
		return e
	}
	// The document failed validation, so the operation context holds only its text.
	doc, err := parser.ParseQuery(&ast.Source{Input: graphql.GetOperationContext(ctx).RawQuery})
	if err != nil {
		return e
	}
	at := e.Locations[0]
	var field, arg string
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					if v := a.Value; field == "" && v != nil && v.Position != nil && v.Position.Line == at.Line && v.Position.Column == at.Column {
						field, arg = s.Name, a.Name
					}
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	if field == "" {
		return e
	}
	return &gqlerror.Error{Message: fmt.Sprintf("Argument '%s' on Field '%s' has an invalid value (%s). Expected type '%s'.", arg, field, m[1], m[2]),
		Locations: e.Locations, Extensions: e.Extensions, Rule: e.Rule}
}

// unknownEnumValue is gqlparser's message for an enum value the enum does not have.
var unknownEnumValue = regexp.MustCompile(`^Value "([^"]*)" does not exist in "([^"]*)" enum\.`)

// errorCodes maps every error kind to its extensions.code; an error of no kind is
// internal.
var errorCodes = []struct {
	kind error
	code string
}{
	{registry.ErrInvalid, "BAD_USER_INPUT"},
	{registry.ErrTooLarge, "PAYLOAD_TOO_LARGE"},
	// GitLab answers both as "does not exist or you don't have permission".
	{registry.ErrNotFound, "FORBIDDEN"},
	{registry.ErrForbidden, "FORBIDDEN"},
	{registry.ErrUnauthenticated, "UNAUTHENTICATED"},
	{registry.ErrConflict, "CONFLICT"},
	{registry.ErrThrottled, "RATE_LIMITED"},
}

func errorCode(err error) string {
	for _, c := range errorCodes {
		if errors.Is(err, c.kind) {
			return c.code
		}
	}
	return ""
}

// pageCost is what one connection page costs: its children times the page size.
func pageCost(child int, first, last *int) int {
	f, l := clamp(first, last)
	n := defaultPageSize
	if f != nil {
		n = *f
	} else if l != nil {
		n = *l
	}
	return 1 + child*max(n, 1)
}

type cursor = *string

func setComplexity(c *generated.ComplexityRoot) {
	c.Project.Packages = func(ch int, _ *model.PackageSort, _ *string, _ *model.PackageTypeEnum, _ *string, _ *model.PackageStatus, _ *bool, _ cursor, first *int, _ cursor, last *int) int {
		return pageCost(ch, first, last)
	}
	c.Group.Packages = func(ch int, _ *model.PackageGroupSort, _ *string, _ *model.PackageTypeEnum, _ *string, _ *model.PackageStatus, _ *bool, _ cursor, first *int, _ cursor, last *int) int {
		return pageCost(ch, first, last)
	}
	conn := func(ch int, _ cursor, first *int, _ cursor, last *int) int { return pageCost(ch, first, last) }
	// A package's files, tags and pipelines come with the package (eager-loaded in one
	// query per edge for the whole page), so they cost their fields, not a page each.
	loaded := func(ch int, _ cursor, _ *int, _ cursor, _ *int) int { return 1 + ch }
	c.Package.PackageFiles, c.Package.Tags, c.Package.Pipelines, c.Package.Versions = loaded, loaded, loaded, conn
	members := func(ch int, _ []model.MemberRelation, _ cursor, first *int, _ cursor, last *int) int {
		return pageCost(ch, first, last)
	}
	c.Group.DescendantGroups, c.Group.GroupMembers, c.Project.ProjectMembers = conn, members, members
	c.UserCore.PersonalAccessTokens = conn
	c.Group.Projects = func(ch int, _ *bool, _ *string, _ cursor, first *int, _ cursor, last *int) int {
		return pageCost(ch, first, last)
	}
	search := func(ch int, _ *string, _ cursor, first *int, _ cursor, last *int) int {
		return pageCost(ch, first, last)
	}
	c.Query.Users, c.Query.Groups, c.Query.Projects = search, search, search
	// nodes(ids:) resolves every id: it costs its fields once per id.
	c.Query.Nodes = func(ch int, ids []string) int { return 1 + ch*max(len(ids), 1) }
}

// depthLimit refuses operations nested deeper than max fields; the introspection
// fields __schema and __type count as one level there and have a limit of their own.
type depthLimit struct{ max, introspection int }

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0, true); depth > d.max {
		return gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.max)
	}
	if depth := introspectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); depth > d.introspection {
		return gqlerror.Errorf("introspection is nested %d levels deep; the limit is %d", depth, d.introspection)
	}
	return nil
}

func isIntrospection(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" }

// introspectionDepth is the depth of the deepest __schema or __type field among the
// operation's top-level fields (where the schema allows them).
func introspectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	deepest := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if isIntrospection(s) {
				deepest = max(deepest, 1+selectionDepth(s.SelectionSet, frags, seen+1, false))
			}
		case *ast.InlineFragment:
			deepest = max(deepest, introspectionDepth(s.SelectionSet, frags, seen+1))
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && seen < 64 {
				deepest = max(deepest, introspectionDepth(f.SelectionSet, frags, seen+1))
			}
		}
	}
	return deepest
}

// selectionDepth is the depth of a selection set in fields. top: the set is the
// operation's own (or a fragment spread there), where __schema and __type count as
// one level (introspectionDepth bounds them).
func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int, top bool) int {
	if seen > 64 { // fragment cycles are rejected by validation; this is a backstop
		return seen
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = 1
			if !top || !isIntrospection(s) {
				d += selectionDepth(s.SelectionSet, frags, seen+1, false)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, seen+1, top)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, frags, seen+1, top)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
