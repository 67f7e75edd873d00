package registry

import (
	"sync"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
)

// Deep pages of a REST listing keep GitLab's page parameters, so page p is the rows
// after (p-1)*per_page others: an OFFSET, which walks every skipped index entry.
// Anchors let a page start from a row already seen instead: each page read remembers
// the id of its first row and of the first row after it, by position, and a later
// page seeks to the nearest anchor at or before its own start through the sort's
// index, then skips only what lies between. A client walking the pages one after
// another reads each page from its first row; a deep page asked again costs what the
// first page does. Anchors belong to the signal of package writes (hotcache.go):
// any publish or deletion, which can move every position, drops them all.

// maxAnchors bounds the anchors of one listing and order.
const maxAnchors = 512

// anchorSet maps positions of one listing in one order to the ids of their rows.
type anchorSet struct {
	mu sync.Mutex
	at map[int]int
}

func newAnchorSet() (*anchorSet, error) { return &anchorSet{at: map[int]int{}}, nil }

// nearest returns the anchor at the greatest position at or before pos.
func (a *anchorSet) nearest(pos int) (at, id int, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	at = -1
	for p, v := range a.at {
		if p <= pos && p > at {
			at, id, ok = p, v, true
		}
	}
	return at, id, ok
}

// remember records the rows read from position pos on: the first, and the one past
// the page (read to tell whether another page follows), where the next page starts.
func (a *anchorSet) remember(pos, perPage int, ids []int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range []int{0, perPage} {
		if p >= len(ids) {
			continue
		}
		if _, seen := a.at[pos+p]; seen || len(a.at) < maxAnchors {
			a.at[pos+p] = ids[p]
		}
	}
}

// fromAnchor selects the rows at or after the anchor row in the order (col, id),
// ascending or descending. col is a column of the version's own row that never
// changes once written (each sort but project_path's), and the sort's index holds
// it with the id. The anchor's values are read from its row in the same
// statement, so no value crosses the driver (a time read back and sent again does
// not compare equal to the stored one on every database).
func fromAnchor(col string, desc bool, anchor int) predicate.PackageVersion {
	return func(s *entsql.Selector) {
		op := " >= "
		if desc {
			op = " <= "
		}
		s.Where(entsql.P(func(b *entsql.Builder) {
			b.WriteByte('(').Ident(s.C(col)).Comma().Ident(s.C(packageversion.FieldID)).WriteString(")").
				WriteString(op).WriteString("(SELECT ").
				Ident("anchor").WriteByte('.').Ident(col).Comma().Ident("anchor").WriteByte('.').Ident(packageversion.FieldID).
				WriteString(" FROM ").Ident(packageversion.Table).WriteString(" AS ").Ident("anchor").
				WriteString(" WHERE ").Ident("anchor").WriteByte('.').Ident(packageversion.FieldID).WriteString(" = ").
				Arg(anchor).WriteByte(')')
		}))
	}
}
