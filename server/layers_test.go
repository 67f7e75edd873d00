package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayers checks that calls go one way, handler → format service → registry →
// ent/blob:
//
//   - compat/ (formats, the REST API, their tests) never imports an ent/<entity>
//     package, and uses the ent package only for its entity types (the rows the
//     registry hands out), never its client, transactions, queries or predicates;
//   - graph/ uses no ent client or transaction (it paginates the queries the
//     registry's authorized calls return);
//   - registry/ never imports compat/ or graph/.
func TestLayers(t *testing.T) {
	root := filepath.Join("..")
	entities := schemaTypes(t, filepath.Join(root, "ent", "schema"))
	const module = "github.com/pkgreg/registry/"
	check := func(dir string, rule func(file string, imp string, f *ast.File)) {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			full, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				rule(path, p, full)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("compat", func(file, imp string, f *ast.File) {
		if strings.HasPrefix(imp, module+"ent/") {
			t.Errorf("%s imports %s: formats take types and constants from registry", file, imp)
		}
		if imp == module+"ent" {
			for _, sel := range selectors(f, "ent") {
				if !entities[sel] {
					t.Errorf("%s uses ent.%s: formats use only the entity types the registry returns", file, sel)
				}
			}
		}
	})
	check("graph", func(file, imp string, f *ast.File) {
		if strings.Contains(file, "generated") {
			return
		}
		if imp == module+"ent" {
			for _, sel := range selectors(f, "ent") {
				if sel == "Client" || sel == "Tx" || sel == "NewClient" || sel == "TxFromContext" || sel == "FromContext" {
					t.Errorf("%s uses ent.%s: GraphQL reads through the registry's authorized queries", file, sel)
				}
			}
		}
	})
	check("registry", func(file, imp string, f *ast.File) {
		if strings.HasSuffix(f.Name.Name, "_test") {
			return // an external test package may start a whole server
		}
		if strings.HasPrefix(imp, module+"compat") || strings.HasPrefix(imp, module+"graph") || strings.HasPrefix(imp, module+"server") {
			t.Errorf("%s imports %s: the core calls formats only through what they register", file, imp)
		}
	})
}

// schemaTypes are the entity names the ent schema declares (ent.Project, ...).
func schemaTypes(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					out[s.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	return out
}

// selectors lists the names used as pkg.Name in f.
func selectors(f *ast.File, pkg string) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok && id.Name == pkg {
				out = append(out, s.Sel.Name)
			}
		}
		return true
	})
	return out
}
