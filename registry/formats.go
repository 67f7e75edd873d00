package registry

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/pkgreg/registry/ent"
)

// Formats register what the core needs to know of them here, through FormatSpec:
// the core never imports a format, and calls back into one only through the spec it
// registered. A format that registers nothing gets the defaults (GitLab's size limit
// for its type, duplicates always allowed, no metadata type).

// FormatSpec is one format's registration.
type FormatSpec struct {
	Type PackageType
	// MaxFileSize is the default limit of one file (GitLab's plan limit); an
	// administrator's plan_limits override it.
	MaxFileSize int64
	// DuplicateSetting: a group setting (allowed or not, with an exception regex)
	// governs re-uploads of a file name into a version (DuplicatesBySetting
	// uploads); DuplicatesAllowedByDefault is its value when a group saved none.
	DuplicateSetting           bool
	DuplicatesAllowedByDefault bool
	// Metadata turns a version's stored metadata into the format's typed value,
	// which GraphQL shows as its member of the PackageMetadata union. Nil: none.
	Metadata func(v *ent.PackageVersion) (any, error)
	// Dependencies lists the dependency links a version's stored metadata names
	// (GraphQL's dependencyLinks). Nil: none.
	Dependencies func(v *ent.PackageVersion) ([]Dependency, error)
	// GroupFlags are the format's on/off group settings beyond duplicates, by
	// name, with their defaults (see GroupFlag).
	GroupFlags map[string]bool
}

// Dependency is one dependency link of a version.
type Dependency struct {
	Name           string
	VersionPattern string
	// Type is GitLab's dependency type: dependencies, devDependencies,
	// bundleDependencies or peerDependencies.
	Type string
	// Metadata is the format's typed link metadata (its member of GraphQL's
	// DependencyLinkMetadata union), or nil.
	Metadata any
}

// formats is the registry of specs, by type.
type formats struct {
	mu     sync.RWMutex
	byType map[PackageType]FormatSpec
}

// RegisterFormat records a format's spec; a format's constructor calls it.
func (s *Service) RegisterFormat(spec FormatSpec) {
	s.formats.mu.Lock()
	defer s.formats.mu.Unlock()
	if s.formats.byType == nil {
		s.formats.byType = map[PackageType]FormatSpec{}
	}
	s.formats.byType[spec.Type] = spec
}

func (s *Service) format(t PackageType) (FormatSpec, bool) {
	s.formats.mu.RLock()
	defer s.formats.mu.RUnlock()
	f, ok := s.formats.byType[t]
	return f, ok
}

// Formats lists the registered package types.
func (s *Service) Formats() []PackageType {
	s.formats.mu.RLock()
	defer s.formats.mu.RUnlock()
	out := make([]PackageType, 0, len(s.formats.byType))
	for _, t := range PackageTypeOrder {
		if _, ok := s.formats.byType[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// Metadata returns a version's metadata as its format's typed value (nil when the
// format has none).
func (s *Service) Metadata(v *ent.PackageVersion) (any, error) {
	f, ok := s.format(v.PackageType)
	if !ok || f.Metadata == nil {
		return nil, nil
	}
	return f.Metadata(v)
}

// Dependencies returns a version's dependency links (none when its format lists none).
func (s *Service) Dependencies(v *ent.PackageVersion) ([]Dependency, error) {
	f, ok := s.format(v.PackageType)
	if !ok || f.Dependencies == nil {
		return nil, nil
	}
	return f.Dependencies(v)
}

// EncodeMetadata encodes a format's typed metadata for storage.
func EncodeMetadata(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return b, nil
}

// DecodeMetadata decodes stored metadata into a format's typed struct; empty
// metadata gives the zero value.
func DecodeMetadata[T any](raw json.RawMessage) (T, error) {
	var v T
	if len(raw) == 0 || string(raw) == "null" {
		return v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("decode metadata: %w", err)
	}
	return v, nil
}

// FormatInfo is what the UI may know of a served format.
type FormatInfo struct {
	Type PackageType
	// DuplicateSetting: a group setting governs re-uploads (FormatSpec.DuplicateSetting).
	DuplicateSetting bool
}

// FormatInfos describes the registered formats, in PackageTypeOrder.
func (s *Service) FormatInfos() []FormatInfo {
	types := s.Formats()
	out := make([]FormatInfo, len(types))
	for i, t := range types {
		f, _ := s.format(t)
		out[i] = FormatInfo{Type: t, DuplicateSetting: f.DuplicateSetting}
	}
	return out
}
