// Package frontend holds the web UI: a Vite + React + TypeScript app whose build
// (dist/app, not committed) is embedded in the binary. Without a build, a committed
// placeholder page says how to build it, so `go build` never needs Node.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the UI to serve: the real build when `npm run build` has written
// dist/app, else the placeholder page. built reports which one it is.
func Files() (files fs.FS, built bool) {
	if _, err := fs.Stat(dist, "dist/app/index.html"); err == nil {
		sub, _ := fs.Sub(dist, "dist/app")
		return sub, true
	}
	sub, _ := fs.Sub(dist, "dist/placeholder")
	return sub, false
}
