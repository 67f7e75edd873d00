package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/pkgreg/registry/registry"
)

// fieldCalls records, for one request, which once-per-request fields have run.
// GitLab limits some expensive fields to one call per request (FieldCallCount limit 1
// on Query.package, Group.packages and Mutation.destroyPackages); a second call is
// null with lib/gitlab/graphql/limit/field_call_count.rb's error.
type fieldCalls struct {
	mu   sync.Mutex
	done map[string]bool
}

type fieldCallsKey struct{}

// withFieldCalls starts the once-per-request record of an operation.
func withFieldCalls(ctx context.Context) context.Context {
	return context.WithValue(ctx, fieldCallsKey{}, &fieldCalls{done: map[string]bool{}})
}

// callOnce refuses the current field unless it is the first call of its field in the
// request. The first in document order wins: top-level query fields run concurrently,
// so the order they happen to run in would pick a different one each time.
func (r *Resolver) callOnce(ctx context.Context) error {
	fc := graphql.GetFieldContext(ctx)
	calls, _ := ctx.Value(fieldCallsKey{}).(*fieldCalls)
	if fc == nil || calls == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	refused := registry.Errorf(registry.ErrInvalid, "%q field can be requested only for 1 %s(s) at a time.", fc.Field.Name, fc.Object)
	if oc.Operation == nil || firstField(oc.Operation.SelectionSet, oc.Doc.Fragments, fc.Object, fc.Field.Name, 0) != fc.Field.Field {
		return refused
	}
	key := fc.Object + "." + fc.Field.Name
	calls.mu.Lock()
	defer calls.mu.Unlock()
	if calls.done[key] {
		return refused // the same field again, for another object of a list
	}
	calls.done[key] = true
	return nil
}

// firstField is the first field of a type and name in a selection set, in document
// order, looking into fragments.
func firstField(set ast.SelectionSet, frags ast.FragmentDefinitionList, object, name string, depth int) *ast.Field {
	if depth > 64 { // fragment cycles are refused by validation; this is a backstop
		return nil
	}
	for _, sel := range set {
		var f *ast.Field
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name && s.ObjectDefinition != nil && s.ObjectDefinition.Name == object {
				return s
			}
			f = firstField(s.SelectionSet, frags, object, name, depth+1)
		case *ast.InlineFragment:
			f = firstField(s.SelectionSet, frags, object, name, depth+1)
		case *ast.FragmentSpread:
			if d := frags.ForName(s.Name); d != nil {
				f = firstField(d.SelectionSet, frags, object, name, depth+1)
			}
		}
		if f != nil {
			return f
		}
	}
	return nil
}
