package database

import "io/fs"

// MigrationsFrom is the database's versioned schema read from another directory, for
// tests that add a migration of their own.
func (d *DB) MigrationsFrom(fsys fs.FS) (*Migrations, error) {
	return newMigrations(d.SQL, d.Dialect, fsys)
}
