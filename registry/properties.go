package registry

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageproperty"
)

// Properties are indexed name/value pairs on versions (schema.PackageProperty): what a
// format looks versions up by, beyond the name and version, goes here rather than into
// its metadata JSON. A VersionQuery selects by one (VersionQuery.Property), and
// Edges.Properties loads them.

// maxPropertyValue bounds one value (the column's limit).
const maxPropertyValue = 4096

// addProperties records properties on a version; a pair it already has is kept once.
func addProperties(ctx context.Context, tx *ent.Tx, packageID int, props []Property) error {
	for _, p := range props {
		if p.Name == "" || len(p.Name) > 255 || len(p.Value) > maxPropertyValue {
			return Errorf(ErrInvalid, "property %q is invalid or too long", p.Name)
		}
		err := tx.PackageProperty.Create().SetPackageID(packageID).SetName(p.Name).SetValue(p.Value).
			OnConflictColumns(packageproperty.FieldPackageID, packageproperty.FieldName, packageproperty.FieldValue).
			DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// PropertyValues returns the values of one property of a version loaded with
// Edges.Properties.
func PropertyValues(v *ent.PackageVersion, name string) []string {
	var out []string
	for _, p := range v.Edges.Properties {
		if p.Name == name {
			out = append(out, p.Value)
		}
	}
	return out
}
