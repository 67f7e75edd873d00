package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/frontend"
)

// uiHandler serves the embedded web UI: files of the build as they are, hashed
// assets with a year-long cache, and index.html for every other page path so the
// app's own router can show it. Paths under /api and /-/ that reach it are not pages:
// they answer the JSON 404 of the API.
type uiHandler struct {
	files fs.FS
	index []byte
}

func newUI() *uiHandler {
	files, _ := frontend.Files()
	index, _ := fs.ReadFile(files, "index.html")
	return &uiHandler{files: files, index: index}
}

// uiPages are the app's own pages under /-/; every other /-/ path is the API's.
var uiPages = []string{"/-/sign_in", "/-/user_settings/", "/-/admin/", "/-/new/", "/-/graphql-explorer"}

func (h *uiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || p == "/api" || strings.HasPrefix(p, "/api/") ||
		(strings.HasPrefix(p, "/-/") && !isUIPage(p)) {
		compat.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name != "" && name != "index.html" && !strings.Contains(p, "/-/") {
		if st, err := fs.Stat(h.files, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") { // file names carry a content hash
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			http.ServeFileFS(w, r, h.files, name)
			return
		}
		if strings.HasPrefix(name, "assets/") { // an old build's asset: not a page
			http.NotFound(w, r)
			return
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}

func isUIPage(p string) bool {
	for _, prefix := range uiPages {
		if p == prefix || strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
