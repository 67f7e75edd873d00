// Package graph implements the GraphQL API: thin resolvers over the registry service.
// Every read goes through a service function that authorizes it; edges of an object
// are only shown once the object itself was authorized.
package graph

import (
	"github.com/pkgreg/registry/registry"
)

// Resolver is the root resolver; it holds the service and nothing else.
type Resolver struct {
	svc *registry.Service
}

// NewResolver returns the root resolver.
func NewResolver(svc *registry.Service) *Resolver { return &Resolver{svc: svc} }
