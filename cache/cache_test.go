package cache

import "testing"

// The least recently used entry goes first; Get counts as a use.
func TestBoundedEvictsLeastRecentlyUsed(t *testing.T) {
	b := New[string, int](2)
	b.Add("a", 1)
	b.Add("b", 2)
	b.Get("a")
	b.Add("c", 3)
	for _, c := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		if _, ok := b.Get(c.key); ok != c.want {
			t.Errorf("%s cached: %v, want %v", c.key, ok, c.want)
		}
	}
	b.Remove("a")
	if _, ok := b.Get("a"); ok {
		t.Error("a still cached after Remove")
	}
}
