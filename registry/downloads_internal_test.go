package registry

import (
	"testing"
	"time"
)

// A tally whose flush failed goes back into the buffer, merged with what came in
// meanwhile, but never past the buffer's bound of files.
func TestGiveBackIsMergedAndBounded(t *testing.T) {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	t1, t2 := day.Add(time.Hour), day.Add(2*time.Hour)
	var b downloadBuffer
	b.pending = map[downloadKey]*downloadTally{{1, day}: {version: 10, count: 2, latest: t1}}
	b.files = map[int]int{1: 1}
	failed := map[downloadKey]*downloadTally{
		{1, day}:                  {version: 10, count: 3, latest: t2}, // merged
		{1, day.AddDate(0, 0, 1)}: {version: 10, count: 1, latest: t2}, // a file the buffer names: kept
		{2, day}:                  {version: 11, count: 1, latest: t1}, // a second file: room for it
		{3, day}:                  {version: 12, count: 1, latest: t1}, // a third: past the bound
	}
	// Map order decides which of files 2 and 3 gets the last place; one of them must go.
	if dropped := b.giveBack(failed, 2); !dropped {
		t.Fatal("nothing dropped past the bound")
	}
	if got := b.pending[downloadKey{1, day}]; got.count != 5 || !got.latest.Equal(t2) {
		t.Fatalf("merged tally %+v", got)
	}
	if got := b.pending[downloadKey{1, day.AddDate(0, 0, 1)}]; got == nil || got.count != 1 {
		t.Fatalf("the next day of a named file was dropped: %+v", b.pending)
	}
	if len(b.files) != 2 || len(b.pending) != 3 {
		t.Fatalf("buffer holds files %v, tallies %d", b.files, len(b.pending))
	}
	if got := b.take(); len(got) != 3 || b.pending != nil {
		t.Fatalf("take: %d, left %v", len(got), b.pending)
	}
}
