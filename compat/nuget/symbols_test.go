package nuget_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/nuget"
	"github.com/pkgreg/registry/registry"
)

// fakePDB is a portable PDB's header as far as a symbol server reads it: the
// "#Blob" stream header followed by the 20-byte id (GUID
// 12345678-9abc-def0-1122-334455667788, little-endian fields, and a stamp).
func fakePDB() []byte {
	id := []byte{0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 1, 2, 3, 4}
	b := []byte("BSJB\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00#Pdb\x00\x00\x00\x00#~\x00\x00#Blob\x00\x00\x00")
	b = append(b, id...)
	return append(b, bytes.Repeat([]byte("fake pdb body\n"), 4)...)
}

// The signature and checksum of fakePDB, as GitLab's
// Packages::Nuget::Symbols::ExtractSignatureAndChecksumService computes them
// (computed independently, with Python, from the same bytes).
const (
	fakeSignature = "123456789abcdef01122334455667788ffffffff"
	fakeChecksum  = "27a1f7e92ade26dc31eb82d27080badd03cc62605f5ab8603fca19848badd225"
)

func TestReadSymbols(t *testing.T) {
	pkg := zipOf(t, map[string][]byte{
		"A.nuspec":                  []byte(symbolNuspec("A", "1.0.0")),
		"lib/net6.0/Acme.Hello.pdb": fakePDB(),
		"lib/net6.0/notes.pdb":      []byte("no portable PDB id here"),
	})
	syms, err := nuget.ReadSymbols(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 1 {
		t.Fatalf("want the one portable PDB, got %+v", syms)
	}
	s := syms[0]
	if s.Path != "lib/net6.0/Acme.Hello.pdb" || s.File != "acme.hello.pdb" || s.Signature != fakeSignature ||
		s.Checksum != fakeChecksum || s.Size != int64(len(fakePDB())) {
		t.Fatalf("%+v", s)
	}
	many := map[string][]byte{"A.nuspec": []byte(symbolNuspec("A", "1.0.0"))}
	for i := 0; i < 101; i++ {
		many["lib/"+strings.Repeat("x", i+1)+".pdb"] = fakePDB()
	}
	pkg = zipOf(t, many)
	if _, err := nuget.ReadSymbols(bytes.NewReader(pkg), int64(len(pkg))); !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("101 symbol files: %v", err)
	}
}
