package graph

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"

	"github.com/pkgreg/registry/registry"
)

// Fuzz targets for the identifiers GraphQL clients send back: global IDs and
// connection cursors. The seeds in testdata/fuzz run in every go test; make fuzz
// goes on.

func FuzzParseGID(f *testing.F) {
	for _, s := range []string{"gid://gitlab/Packages::Package/7", "gid://gitlab/Project/1", "7", "0", "-1", "+7",
		"gid://gitlab/Packages::Package/0", "gid://gitlab/Packages::Package/007", "gid://gitlab/Packages::Package/99999999999999999999",
		"gid://gitlab/Packages::Package/7/", "gid://gitlab//7", "gid://gitlab/Packages::Package/../Project/7", "gid://gitlab/Packages::Package/7\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseGID(s, kindPackage)
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) || id != 0 {
				t.Fatalf("parseGID(%q) = %d, %v", s, id, err)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("parseGID(%q) = %d", s, id)
		}
		// A numeric id or a global ID of the wanted kind: the ID GitLab would write
		// for it parses back to it, and s names that id.
		if again, err := parseGID(gid(kindPackage, id), kindPackage); err != nil || again != id {
			t.Fatalf("gid of %d parses to %d, %v", id, again, err)
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(s, "gid://gitlab/"+kindPackage+"/")); err != nil || n != id {
			t.Fatalf("parseGID(%q) = %d", s, id)
		}
		if _, err := parseGID(s, kindProject); err == nil && strings.HasPrefix(s, "gid:") {
			t.Fatalf("%q is both a package and a project ID", s)
		}
	})
}

// FuzzCursor decodes an after/before argument as gqlgen does: an error (which the
// error presenter answers as BAD_USER_INPUT) or a cursor that encodes and decodes
// back to the same id. Its value may come back as nil once: entgql omits a zero
// value when it encodes (msgpack omitempty), so the second round trip is exact.
func FuzzCursor(f *testing.F) {
	for _, c := range []entgql.Cursor[int]{{ID: 1}, {ID: 1 << 40}, {ID: -5}, {ID: 3, Value: "2024-01-01T00:00:00Z"}, {ID: 4, Value: 12.5}} {
		f.Add(encodeCursor(c))
	}
	for _, s := range []string{"", "gqFp", "not base64!", "kaFpzwAAAAAAAAAB", "3AAAAA", "3f////8=", "xf////8", strings.Repeat("kQ", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c entgql.Cursor[int]
		if err := c.UnmarshalGQL(s); err != nil {
			return
		}
		var once, twice entgql.Cursor[int]
		if err := once.UnmarshalGQL(encodeCursor(c)); err != nil || once.ID != c.ID {
			t.Fatalf("cursor %#v from %q decodes again as %#v, %v", c, s, once, err)
		}
		if err := twice.UnmarshalGQL(encodeCursor(once)); err != nil || fmt.Sprintf("%#v", twice) != fmt.Sprintf("%#v", once) {
			t.Fatalf("cursor %#v from %q re-encodes as %#v, then %#v, %v", c, s, once, twice, err)
		}
	})
}

// encodeCursor is a cursor as a connection writes it (without the JSON quotes).
func encodeCursor(c entgql.Cursor[int]) string {
	var b bytes.Buffer
	c.MarshalGQL(&b)
	return strings.Trim(b.String(), `"`)
}
