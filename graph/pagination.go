package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

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

// detached hides the GraphQL field context from ent's Paginate. Paginate decides from
// the selection whether to load nodes and count, and it only knows Relay's `edges`;
// GitLab's `nodes` shortcut would otherwise get no nodes. Edges that lists show are
// eager-loaded explicitly instead (registry.WithPackageEdges).
type detached struct{ context.Context }

func (d detached) Value(key any) any {
	v := d.Context.Value(key)
	if _, ok := v.(*graphql.FieldContext); ok {
		return nil
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
