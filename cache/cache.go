// Package cache holds the bounded in-memory map the hot path keeps its entries in:
// least recently used entries go first once it is full. It wraps a well-kept LRU
// so that the core depends on this small surface, not on the library.
package cache

import lru "github.com/hashicorp/golang-lru/v2"

// Bounded is a fixed-size LRU map, safe for concurrent use.
type Bounded[K comparable, V any] struct{ c *lru.Cache[K, V] }

// New returns a map of at most size entries (size ≥ 1).
func New[K comparable, V any](size int) *Bounded[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &Bounded[K, V]{c: c}
}

// Get returns the value under k and marks it recently used.
func (b *Bounded[K, V]) Get(k K) (V, bool) { return b.c.Get(k) }

// Add sets the value under k, evicting the least recently used entry when full.
func (b *Bounded[K, V]) Add(k K, v V) { b.c.Add(k, v) }

// Remove drops the value under k.
func (b *Bounded[K, V]) Remove(k K) { b.c.Remove(k) }
