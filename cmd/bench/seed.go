package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/registry"
)

// Seeding: a format's own publish (over HTTP) writes one version, the template;
// clone then copies its rows (version, files, properties) in bulk inserts through
// the registry's database package, with the template's name and version replaced
// in every string, as many times as the workload needs. The clones share the
// template's blob, so a thousand or a hundred thousand versions take seconds
// instead of as many publishes. The instance is stopped meanwhile, and a real
// publish after it restarts goes through the whole write path, so whatever the
// registry keeps per package (revisions, cached documents) knows of the clones.

// clone names one copy: the package it goes into ("": the template's) and its version.
type clone struct{ name, version string }

// seedBatch is how many versions go in one transaction (and one multi-row INSERT).
const seedBatch = 500

// cloneVersions copies the one version tmplVersion of type typ in project projectID
// (of the package tmplName, or of the only package of that type when "") into each
// of clones.
func cloneVersions(ctx context.Context, dbURL string, projectID int64, typ, tmplName, tmplVersion string, clones []clone) error {
	db, err := database.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer db.Close()
	q := db.Client.PackageVersion.Query().
		Where(packageversion.ProjectID(int(projectID)), packageversion.PackageTypeEQ(packageversion.PackageType(typ)),
			packageversion.Version(tmplVersion))
	if tmplName != "" {
		q.Where(packageversion.Name(tmplName))
	}
	tv, err := q.WithFiles().WithProperties().Only(ctx)
	if err != nil {
		return fmt.Errorf("seed: template %s %s: %w", typ, tmplVersion, err)
	}
	tmplName = tv.Name
	start := time.Now()
	for lo := 0; lo < len(clones); lo += seedBatch {
		batch := clones[lo:min(lo+seedBatch, len(clones))]
		if err := cloneBatch(ctx, db.Client, tv, tmplName, tmplVersion, batch); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	// Postgres plans from statistics that autovacuum gathers a while after a table
	// grows; versions published over time would have had them long before. Without
	// them, right after a bulk copy, the planner takes 100,000 rows for none and
	// scans package_files whole for each page's files.
	if db.Postgres() {
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("seed: analyze: %w", err)
		}
	}
	logf("seed: %d copies of %s@%s in %v", len(clones), tmplName, tmplVersion, time.Since(start).Round(time.Millisecond))
	return nil
}

func cloneBatch(ctx context.Context, c *ent.Client, tv *ent.PackageVersion, tmplName, tmplVersion string, batch []clone) error {
	tx, err := c.Tx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Version first: file names hold it next to the name ("pkg-1.0.0.tgz").
	repl := make([]func(string) string, len(batch))
	vs := make([]*ent.PackageVersionCreate, len(batch))
	for i, cl := range batch {
		if cl.name == "" {
			cl.name = tmplName
		}
		r := strings.NewReplacer(tmplVersion, cl.version)
		n := strings.NewReplacer(tmplName, cl.name)
		repl[i] = func(s string) string { return n.Replace(r.Replace(s)) }
		norm := tv.NormalizedName
		if cl.name != tmplName {
			norm = strings.ToLower(cl.name)
		}
		vs[i] = tx.PackageVersion.Create().SetProjectID(tv.ProjectID).SetPackageType(tv.PackageType).
			SetName(cl.name).SetNormalizedName(norm).SetVersion(cl.version).
			SetVersionSort(registry.VersionSortKey(cl.version)).SetTypeRank(tv.TypeRank).SetStatus(tv.Status).
			SetMetadata(replaceJSON(tv.Metadata, repl[i])).SetNillableCreatorID(tv.CreatorID)
	}
	created, err := tx.PackageVersion.CreateBulk(vs...).Save(ctx)
	if err != nil {
		return err
	}
	var files []*ent.PackageFileCreate
	var props []*ent.PackagePropertyCreate
	for i, v := range created {
		for _, f := range tv.Edges.Files {
			files = append(files, tx.PackageFile.Create().SetPackageID(v.ID).SetFileName(repl[i](f.FileName)).
				SetSize(f.Size).SetMd5(f.Md5).SetSha1(f.Sha1).SetSha256(f.Sha256).SetSha512(f.Sha512).
				SetStatus(f.Status).SetMetadata(replaceJSON(f.Metadata, repl[i])).SetBlobID(f.BlobID).SetBlobKey(f.BlobKey))
		}
		for _, p := range tv.Edges.Properties {
			props = append(props, tx.PackageProperty.Create().SetPackageID(v.ID).SetName(p.Name).SetValue(repl[i](p.Value)))
		}
	}
	if err := tx.PackageFile.CreateBulk(files...).Exec(ctx); err != nil {
		return err
	}
	if len(props) > 0 {
		if err := tx.PackageProperty.CreateBulk(props...).Exec(ctx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// replaceJSON applies r to the JSON text (names and versions hold no character
// JSON escapes).
func replaceJSON(m json.RawMessage, r func(string) string) json.RawMessage {
	if len(m) == 0 {
		return m
	}
	return json.RawMessage(r(string(m)))
}
