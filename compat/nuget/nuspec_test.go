package nuget_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/nuget"
	"github.com/pkgreg/registry/registry"
)

func TestParseNuspec(t *testing.T) {
	n, err := nuget.ParseNuspec([]byte("\ufeff" + nuspec("Acme.Hello", "1.0.0+sha.1",
		`<projectUrl>https://example.com/hello</projectUrl>`,
		`<licenseUrl>https://example.com/license</licenseUrl>`,
		`<tags>json  http </tags>`,
		`<dependencies>
		   <group targetFramework=".NETStandard2.0"><dependency id="Newtonsoft.Json" version="12.0.3" /></group>
		   <group targetFramework="net6.0" />
		 </dependencies>`)))
	if err != nil {
		t.Fatal(err)
	}
	i := n.Info
	if n.ID != "Acme.Hello" || n.Version != "1.0.0+sha.1" || i.NormalizedVersion != "1.0.0" || n.Symbols {
		t.Fatalf("identity: %+v", n)
	}
	if i.Authors != "Acme" || i.ProjectURL != "https://example.com/hello" || i.LicenseURL != "https://example.com/license" ||
		strings.Join(i.Tags, ",") != "json,http" {
		t.Fatalf("metadata: %+v", i)
	}
	if len(i.DependencyGroups) != 2 || i.DependencyGroups[0].TargetFramework != ".NETStandard2.0" ||
		i.DependencyGroups[0].Dependencies[0] != (nuget.Dependency{ID: "Newtonsoft.Json", Range: "12.0.3"}) ||
		i.DependencyGroups[1].TargetFramework != "net6.0" || len(i.DependencyGroups[1].Dependencies) != 0 {
		t.Fatalf("dependency groups: %+v", i.DependencyGroups)
	}
	flat, err := nuget.ParseNuspec([]byte(nuspec("A", "1.0", `<dependencies><dependency id="B" version="[1.0,2.0)"/></dependencies>`)))
	if err != nil || len(flat.Info.DependencyGroups) != 1 || flat.Info.DependencyGroups[0].TargetFramework != "" ||
		flat.Info.DependencyGroups[0].Dependencies[0].Range != "[1.0,2.0)" {
		t.Fatalf("ungrouped dependencies: %+v %v", flat, err)
	}
	sym, err := nuget.ParseNuspec([]byte(symbolNuspec("A", "1.0.0")))
	if err != nil || !sym.Symbols {
		t.Fatalf("symbol package: %+v %v", sym, err)
	}
}

// Every refusal is a 400 naming the problem.
func TestParseNuspecRefuses(t *testing.T) {
	long := strings.Repeat("x", 4001)
	for _, c := range []struct{ name, doc, want string }{
		{"invalid XML", "<package><metadata><id>A</id>", "not valid XML"},
		{"not XML", "hello", "not valid XML"},
		{"no id", nuspec("", "1.0.0"), "Name can't be blank"},
		{"bad id", nuspec("a/b", "1.0.0"), "Name is invalid"},
		{"no version", nuspec("A", ""), "Version can't be blank"},
		{"bad version", nuspec("A", "1.0.0.0.0"), "Version is invalid"},
		{"long description", strings.Replace(nuspec("A", "1.0"), "A package for tests.", long, 1), "Description is too long"},
		{"no authors", strings.Replace(nuspec("A", "1.0"), "<authors>Acme</authors>", "", 1), "Authors can't be blank"},
		{"bad URL", nuspec("A", "1.0", "<projectUrl>javascript:alert(1)</projectUrl>"), "Project url is an invalid URL"},
		{"long URL", nuspec("A", "1.0", "<iconUrl>https://x.example/"+strings.Repeat("a", 300)+"</iconUrl>"), "Icon url is too long"},
		{"bad dependency", nuspec("A", "1.0", `<dependencies><dependency id="../x"/></dependencies>`), "dependency id"},
		{"many tags", nuspec("A", "1.0", "<tags>"+strings.Repeat("t ", 101)+"</tags>"), "at most 100 tags"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := nuget.ParseNuspec([]byte(c.doc))
			if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid error containing %q", err, c.want)
			}
		})
	}
}

func TestReadNupkg(t *testing.T) {
	// A deflated nuspec of 5 MiB of spaces: a few KiB in the archive.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("Bomb.nuspec")
	w.Write([]byte(nuspec("Bomb", "1.0.0") + strings.Repeat(" ", 5<<20))) //nolint:errcheck
	zw.Close()
	// The same, lying about its size in the directory.
	liar := bytes.Clone(bomb.Bytes())
	if i := bytes.LastIndex(liar, []byte("PK\x01\x02")); i >= 0 {
		copy(liar[i+24:], []byte{0x10, 0, 0, 0}) // uncompressed size: 16 bytes
	}
	for _, c := range []struct {
		name string
		pkg  []byte
		want string
	}{
		{"no zip", []byte("plain text, not an archive"), "nuspec file not found"},
		{"empty", nil, "nuspec file not found"},
		{"no nuspec", zipOf(t, map[string][]byte{"lib/a.dll": []byte("x")}), "nuspec file not found"},
		{"zip bomb", bomb.Bytes(), "nuspec file too big"},
		{"lying size", liar, "wrong entry size"},
		{"bad nuspec", zipOf(t, map[string][]byte{"a.nuspec": []byte("<package>")}), "not valid XML"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := nuget.ReadNupkg(bytes.NewReader(c.pkg), int64(len(c.pkg)))
			if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid error containing %q", err, c.want)
			}
		})
	}
	// The first nuspec entry is the manifest, in any folder.
	pkg := zipOf(t, map[string][]byte{"a/Acme.Hello.nuspec": []byte(nuspec("Acme.Hello", "2.0.0")), "b.txt": nil})
	n, err := nuget.ReadNupkg(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil || n.ID != "Acme.Hello" || n.Version != "2.0.0" {
		t.Fatalf("%+v %v", n, err)
	}
}

// An archive whose directory is too large to load is refused before archive/zip
// reads it.
func TestReadNupkgBoundsTheDirectory(t *testing.T) {
	files := map[string][]byte{"a.nuspec": []byte(nuspec("A", "1.0.0"))}
	for i := 0; i < 120_000; i++ {
		files[strings.Repeat("d", 40)+"/"+strconv.Itoa(i)] = nil
	}
	pkg := zipOf(t, files)
	_, err := nuget.ReadNupkg(bytes.NewReader(pkg), int64(len(pkg)))
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "too many files") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckUploadName(t *testing.T) {
	n := &nuget.Nuspec{ID: "Acme.Hello", Version: "1.0"}
	for name, ok := range map[string]bool{
		"package.nupkg": true, "": true, "upload.bin": true, "Acme.Hello.1.0.nupkg": true, "acme.hello.1.0.0.nupkg": true,
		"Acme.Hello.1.0.symbols.nupkg": true, `C:\pkgs\acme.hello.1.0.nupkg`: true,
		"Acme.Other.1.0.nupkg": false, "Acme.Hello.2.0.nupkg": false, "Acme.Hello.nupkg": false,
	} {
		err := nuget.CheckUploadName(name, n)
		if (err == nil) != ok {
			t.Errorf("CheckUploadName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
