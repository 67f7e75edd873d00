// Package globalid holds the typed global IDs of GitLab's GraphQL API
// (app/graphql/types/global_id_type.rb): an argument declared PackagesPackageID takes
// only "gid://gitlab/Packages::Package/<id>", and anything else is refused while the
// arguments are read, with GitLab's texts, before a resolver runs.
package globalid

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// The model names GitLab's global IDs carry.
const (
	KindPackage     = "Packages::Package"
	KindPackageFile = "Packages::PackageFile"
)

// PackageID is a package's id, spelled as a PackagesPackageID.
type PackageID int

// PackageFileID is a package file's id, spelled as a PackagesPackageFileID.
type PackageFileID int

// UnmarshalGQL reads a PackagesPackageID.
func (id *PackageID) UnmarshalGQL(v any) error {
	n, err := parse(v, KindPackage)
	*id = PackageID(n)
	return err
}

// MarshalGQL writes a PackagesPackageID.
func (id PackageID) MarshalGQL(w io.Writer) { write(w, KindPackage, int(id)) }

// UnmarshalGQL reads a PackagesPackageFileID.
func (id *PackageFileID) UnmarshalGQL(v any) error {
	n, err := parse(v, KindPackageFile)
	*id = PackageFileID(n)
	return err
}

// MarshalGQL writes a PackagesPackageFileID.
func (id PackageFileID) MarshalGQL(w io.Writer) { write(w, KindPackageFile, int(id)) }

// Format is the global ID of a kind and a numeric id.
func Format(kind string, id int) string { return fmt.Sprintf("gid://gitlab/%s/%d", kind, id) }

func write(w io.Writer, kind string, id int) {
	_, _ = io.WriteString(w, strconv.Quote(Format(kind, id)))
}

// Split returns the model name and numeric id of a global ID.
func Split(s string) (string, int, error) {
	invalid := registry.Errorf(registry.ErrInvalid, "%q is not a valid Global ID", s)
	rest, ok := strings.CutPrefix(s, "gid://gitlab/")
	if !ok {
		return "", 0, invalid
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", 0, invalid
	}
	id, err := strconv.Atoi(rest[i+1:])
	if err != nil || id <= 0 {
		return "", 0, invalid
	}
	return rest[:i], id, nil
}

func parse(v any, want string) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, registry.Errorf(registry.ErrInvalid, "%v is not a valid Global ID", v)
	}
	kind, id, err := Split(s)
	if err != nil {
		return 0, err
	}
	if kind != want {
		return 0, registry.Errorf(registry.ErrInvalid, "%q does not represent an instance of %s", s, want)
	}
	return id, nil
}
