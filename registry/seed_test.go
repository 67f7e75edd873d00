package registry_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// seed adds n generic versions 1.0.0 ... of name to a project, each with one file
// "file.txt" (all sharing one blob), in bulk inserts that skip the upload path: for
// tests and benchmarks of lists and lookups at scale. Versions are a minute apart,
// oldest first.
func seed(t testing.TB, e *compattest.Env, projectPath, name string, n int) {
	t.Helper()
	ctx := e.Admin
	p := e.ProjectRow(projectPath)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte(projectPath+" "+name)))
	b, err := e.DB.Client.Blob.Create().SetSha256(sum).SetSize(1).Save(ctx)
	must(err)
	start := time.Now().Add(-time.Duration(n) * time.Minute).UTC()
	const batch = 500 // bound the placeholders of one statement
	for from := 0; from < n; from += batch {
		versions := make([]*ent.PackageVersionCreate, 0, batch)
		for i := from; i < min(n, from+batch); i++ {
			v := fmt.Sprintf("1.%d.%d", i/1000, i%1000)
			versions = append(versions, e.DB.Client.PackageVersion.Create().SetProjectID(p.ID).
				SetPackageType(registry.PackageTypeGeneric).SetTypeRank(registry.TypeRank(registry.PackageTypeGeneric)).
				SetName(name).SetNormalizedName(name).SetVersion(v).SetVersionSort(registry.VersionSortKey(v)).
				SetCreatedAt(start.Add(time.Duration(i)*time.Minute)))
		}
		rows, err := e.DB.Client.PackageVersion.CreateBulk(versions...).Save(ctx)
		must(err)
		files := make([]*ent.PackageFileCreate, len(rows))
		for i, v := range rows {
			files[i] = e.DB.Client.PackageFile.Create().SetPackageID(v.ID).SetBlobID(b.ID).SetFileName("file.txt").
				SetSize(1).SetMd5("").SetSha1("").SetSha256(sum).SetSha512("")
		}
		_, err = e.DB.Client.PackageFile.CreateBulk(files...).Save(ctx)
		must(err)
	}
	if e.DB.Postgres() {
		// What autovacuum would do soon after: statistics for the planner, and the
		// visibility map that lets an index-only scan skip the table.
		_, err = e.DB.SQL.ExecContext(ctx, "VACUUM ANALYZE package_versions, package_files")
		must(err)
	}
}
