package nuget_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/nuget"
	"github.com/pkgreg/registry/registry"
)

// Fuzz targets for what NuGet reads from a client: the .nupkg archive, its nuspec,
// the symbol files of a .snupkg, versions and search parameters. The seeds in
// testdata/fuzz run in every go test; make fuzz goes on.

// invalidOnly fails unless err is ErrInvalid: anything else from a parser of an
// upload would be answered with a 500.
func invalidOnly(t *testing.T, err error) {
	t.Helper()
	var re *registry.Error
	if !errors.As(err, &re) || !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("error %T %q is not a client error", err, err)
	}
}

// checkNuspec holds for every manifest the parser accepts.
func checkNuspec(t *testing.T, n *nuget.Nuspec) {
	t.Helper()
	if !nuget.ValidName(n.ID) || !nuget.ValidVersion(n.Version) {
		t.Fatalf("accepted id %q version %q", n.ID, n.Version)
	}
	norm := n.Info.NormalizedVersion
	if norm != nuget.NormalizeVersion(norm) || !nuget.ValidVersion(norm) {
		t.Fatalf("version %q normalizes to %q, which is not normal or not valid", n.Version, norm)
	}
	if len(n.Info.Authors) > 255 || len(n.Info.Description) > 4000 || len(n.Info.Tags) > 100 {
		t.Fatalf("unbounded metadata: %d, %d, %d", len(n.Info.Authors), len(n.Info.Description), len(n.Info.Tags))
	}
	deps := 0
	for _, g := range n.Info.DependencyGroups {
		for _, d := range g.Dependencies {
			if !nuget.ValidName(d.ID) {
				t.Fatalf("dependency %q", d.ID)
			}
			deps++
		}
	}
	if deps > 1000 {
		t.Fatalf("%d dependencies", deps)
	}
}

func FuzzParseNuspec(f *testing.F) {
	f.Add([]byte(nuspec("Acme.Hello", "1.0.0")))
	f.Add([]byte("\ufeff" + nuspec("Acme.Hello", "01.002.0003.0-RC.01+build", `<projectUrl>https://example.com</projectUrl><tags>a b</tags>`,
		`<dependencies><dependency id="Dep" version="[1.0,2.0)"/><group targetFramework="net6.0"><dependency id="X" version="1"/></group></dependencies>`)))
	f.Add([]byte(symbolNuspec("Acme.Hello", "1.0.0")))
	f.Add([]byte(nuspec("..", "1.0.0")))
	f.Add([]byte(nuspec("a/b", "1.0.0\x00")))
	f.Add([]byte(nuspec("Acme", "1.0.0", `<projectUrl>javascript:alert(1)</projectUrl>`)))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><package><metadata><id>&b;</id></metadata></package>`))
	f.Add([]byte(`<package><metadata><id>A</id><version>1.0`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := nuget.ParseNuspec(b)
		if err != nil {
			invalidOnly(t, err)
			if n != nil {
				t.Fatal("error with a half-parsed manifest")
			}
			return
		}
		checkNuspec(t, n)
	})
}

// deflated is an archive whose entries are compressed, as NuGet packs them.
func deflated(t testing.TB, files map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// portablePDB is the start of a portable PDB: a "#Blob" stream header and the id.
func portablePDB() []byte {
	return append([]byte("BSJB\x01\x00\x01\x00\x00\x00\x00\x00#Pdb\x00\x00\x00\x00#Blob\x00\x00"), bytes.Repeat([]byte{0xab}, 40)...)
}

func FuzzReadNupkg(f *testing.F) {
	f.Add(nupkg(f, "Acme.Hello", nuspec("Acme.Hello", "1.0.0"), []byte("data")), "package.nupkg")
	f.Add(deflated(f, map[string][]byte{"Acme.Hello.nuspec": []byte(symbolNuspec("Acme.Hello", "1.0.0")),
		"lib/net6.0/Acme.Hello.pdb": portablePDB(), "lib/net6.0/other.pdb": []byte("not a pdb")}), "Acme.Hello.1.0.0.snupkg")
	// Bombs: 128 kB of zeros in a few hundred bytes, as the nuspec and as a symbol
	// file (testdata holds one over the nuspec bound; bigger ones slow the fuzzer).
	zeros := make([]byte, 128<<10)
	f.Add(deflated(f, map[string][]byte{"a.nuspec": zeros}), "a.nupkg")
	f.Add(deflated(f, map[string][]byte{"a.nuspec": []byte(symbolNuspec("A", "1.0.0")), "a.pdb": append(portablePDB(), zeros...)}), "a.snupkg")
	f.Add(nupkg(f, "Acme.Hello", nuspec("Acme.Hello", "1.0.0"), nil), `..\..\Other.2.0.0.nupkg`)
	f.Add([]byte("PK\x05\x06"+strings.Repeat("\x00", 6)+"\xff\xff"+strings.Repeat("\xff", 4)+strings.Repeat("\x00", 6)), "zip64.nupkg")
	f.Add([]byte("not a zip"), "package.nupkg")
	f.Fuzz(func(t *testing.T, archive []byte, fileName string) {
		r := bytes.NewReader(archive)
		n, err := nuget.ReadNupkg(r, r.Size())
		if err != nil {
			invalidOnly(t, err)
			return
		}
		checkNuspec(t, n)
		if err := nuget.CheckUploadName(fileName, n); err != nil {
			invalidOnly(t, err)
		}
		symbols, err := nuget.ReadSymbols(r, r.Size())
		if err != nil {
			invalidOnly(t, err)
			return
		}
		if len(symbols) > 100 {
			t.Fatalf("%d symbols", len(symbols))
		}
		for _, s := range symbols {
			if len(s.Signature) != 40 || len(s.Checksum) != 64 || s.File == "" || strings.ContainsAny(s.File, "/\\") {
				t.Fatalf("symbol %+v", s)
			}
		}
	})
}

// FuzzVersions checks NuGet's version rules against each other: the order is an
// order, a normalized version is normal and valid, and versions that compare equal
// without build metadata are the same version (equal normalized forms).
func FuzzVersions(f *testing.F) {
	for _, v := range [][3]string{{"1.0", "1.0.0", "1.0.0.0"}, {"01.2.3-RC.1", "1.2.3-rc.1", "1.2.3"}, {"1.0.0-01a", "1.0.0-1a", "1.0.0-1b"},
		{"1.0.0+build.1", "1.0.0+BUILD.2", "1.0.0"}, {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta"},
		{"18446744073709551616.0", "18446744073709551617.0", "99999999999999999999.0"}, {"1.0.0.", "1.0.0", "1.0.0.1"}} {
		f.Add(v[0], v[1], v[2])
	}
	noBuild := func(v string) string { return strings.SplitN(v, "+", 2)[0] }
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, ba := nuget.CompareVersions(a, b), nuget.CompareVersions(b, a)
		if ab != -ba || nuget.CompareVersions(a, a) != 0 {
			t.Fatalf("compare(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		bc, ac := nuget.CompareVersions(b, c), nuget.CompareVersions(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("not transitive: %q, %q, %q: %d %d %d", a, b, c, ab, bc, ac)
		}
		if !nuget.ValidVersion(a) || !nuget.ValidVersion(b) {
			return
		}
		na, nb := nuget.NormalizeVersion(a), nuget.NormalizeVersion(b)
		if na != nuget.NormalizeVersion(na) || !nuget.ValidVersion(na) {
			t.Fatalf("%q normalizes to %q", a, na)
		}
		// GitLab's normalization keeps an empty fourth part ("1.0.0."), which NuGet's
		// order reads as zero; no NuGet client writes one.
		emptyFourth := func(v string) bool { core, _, _ := strings.Cut(noBuild(v), "-"); return strings.HasSuffix(core, ".") }
		if emptyFourth(a) || emptyFourth(b) {
			return
		}
		if nuget.CompareVersions(noBuild(a), noBuild(b)) == 0 && na != nb {
			t.Fatalf("%q and %q compare equal but normalize to %q and %q", a, b, na, nb)
		}
	})
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"q=hello&skip=0&take=20&prerelease=false", "skip=-1", "take=0", "take=9999999999", "prerelease=maybe", "q=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		in, err := nuget.ParseSearch(q)
		if err != nil {
			invalidOnly(t, err)
			return
		}
		if in.Skip < 0 || in.Take < 1 || in.Take > 999999999 || in.Skip > 999999999 {
			t.Fatalf("ParseSearch(%q) = %+v", query, in)
		}
	})
}
