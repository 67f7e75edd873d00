package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Page sizes: GitLab's default of 20, and at most 100 per request.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// clamp bounds first/last: neither given means the first 20; more than 100 means 100.
func clamp(first, last *int) (*int, *int) {
	bound := func(n *int) *int {
		if n == nil {
			return nil
		}
		v := min(max(*n, 0), maxPageSize)
		return &v
	}
	first, last = bound(first), bound(last)
	if first == nil && last == nil {
		d := defaultPageSize
		first = &d
	}
	return first, last
}

// slicePage pages an already loaded, ordered list by id cursors, for the small edges
// of an object that were eager-loaded with it (files, tags, pipelines).
func slicePage[T any](all []T, id func(T) int, after, before *ent.Cursor, first, last *int) ([]T, ent.PageInfo) {
	first, last = clamp(first, last)
	start, end := 0, len(all)
	for i, n := range all {
		if after != nil && id(n) == after.ID {
			start = i + 1
		}
		if before != nil && id(n) == before.ID {
			end = i
		}
	}
	if start > end {
		start = end
	}
	page := all[start:end]
	var pi ent.PageInfo
	pi.HasPreviousPage, pi.HasNextPage = start > 0, end < len(all)
	if first != nil && len(page) > *first {
		page, pi.HasNextPage = page[:*first], true
	}
	if last != nil && len(page) > *last {
		page, pi.HasPreviousPage = page[len(page)-*last:], true
	}
	if len(page) > 0 {
		s, e := ent.Cursor{ID: id(page[0])}, ent.Cursor{ID: id(page[len(page)-1])}
		pi.StartCursor, pi.EndCursor = &s, &e
	}
	return page, pi
}

// detached gives ent's Paginate a field context of its own: Paginate decides from the
// selection whether to load nodes and to count, and it only knows Relay's `edges`, so
// GitLab's `nodes` shortcut would otherwise get no nodes. The stand-in selects `edges`
// (nodes with every column; edges that lists show are eager-loaded explicitly, as
// registry.WithPackageEdges does) and `totalCount` only when the query asks for its count:
// counting every row of a large listing is what a page must not cost.
type detached struct {
	context.Context
	fc *graphql.FieldContext
}

func detach(ctx context.Context) context.Context {
	sel := ast.SelectionSet{&ast.Field{Name: "edges", Alias: "edges"}}
	if wantsTotalCount(ctx) {
		sel = append(sel, &ast.Field{Name: "totalCount", Alias: "totalCount"})
	}
	return detached{Context: ctx, fc: &graphql.FieldContext{Field: graphql.CollectedField{
		Field: &ast.Field{SelectionSet: sel}, Selections: sel}}}
}

// wantsTotalCount reports whether the connection being resolved selects its count
// (GitLab's `count`, ent's TotalCount); outside a GraphQL request (no field context)
// the count is always made.
func wantsTotalCount(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "count" || f.Name == "totalCount" {
			return true
		}
	}
	return false
}

func (d detached) Value(key any) any {
	v := d.Context.Value(key)
	if _, ok := v.(*graphql.FieldContext); ok {
		return d.fc
	}
	return v
}

// cursors decodes a connection's after and before arguments. They are Strings, as in
// GitLab (graphql-ruby's connections), so clients declare `$after: String`; the value
// is the opaque endCursor or startCursor of an earlier page.
func cursors(after, before *string) (*ent.Cursor, *ent.Cursor, error) {
	decode := func(name string, s *string) (*ent.Cursor, error) {
		if s == nil {
			return nil, nil
		}
		var c ent.Cursor
		if err := c.UnmarshalGQL(*s); err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "%s is not a valid value", name)
		}
		return &c, nil
	}
	a, err := decode("after", after)
	if err != nil {
		return nil, nil, err
	}
	b, err := decode("before", before)
	return a, b, err
}
