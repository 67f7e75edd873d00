package nuget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// Symbol files: the portable PDBs inside a .snupkg, indexed by the key a debugger
// asks a symbol server for (SSQP: <file>/<signature>/<file>, with the file's
// checksum in the Symbolchecksum header), as GitLab indexes them.
// https://github.com/dotnet/symstore/blob/main/docs/specs/SSQP_Key_Conventions.md

// Bounds of the symbols of one package.
const (
	// maxSymbols is GitLab's limit of indexed entries per symbol package.
	maxSymbols = 100
	// maxSymbolFile and maxSymbolBytes bound the bytes decompressed to index them.
	maxSymbolFile  = 256 << 20
	maxSymbolBytes = 1 << 30
	// pdbIDLength: a portable PDB's id is a 16-byte GUID and a 4-byte stamp.
	pdbIDLength = 20
	// checksumChunk: the id is zeroed in the first chunk before hashing (the
	// Portable PDB checksum rule).
	checksumChunk = 16 << 10
)

// Symbol is one indexed symbol file of a symbol package.
type Symbol struct {
	// Path is the entry's name in the archive; File its base name, lowercased.
	Path      string `json:"path"`
	File      string `json:"file"`
	Signature string `json:"signature"` // lowercase hex, GUID then FFFFFFFF
	Checksum  string `json:"checksum"`  // SHA-256, lowercase hex
	Size      int64  `json:"size"`
}

// key is the lookup key of a symbol: file, signature and checksum.
func (s Symbol) key() string { return SymbolKey(s.File, s.Signature, s.Checksum) }

// SymbolKey is the property value a symbol is found by, all lowercase.
func SymbolKey(file, signature, checksum string) string {
	return strings.ToLower(file) + "/" + strings.ToLower(signature) + "/" + strings.ToLower(checksum)
}

// ReadSymbols indexes the .pdb entries of a stored symbol package. An entry without
// a portable PDB id is skipped, as GitLab skips it.
func ReadSymbols(r io.ReaderAt, size int64) ([]Symbol, error) {
	zr, err := openZip(r, size)
	if err != nil {
		return nil, err
	}
	var out []Symbol
	var budget int64 = maxSymbolBytes
	for _, f := range zr.File {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".pdb") {
			continue
		}
		if len(out) == maxSymbols {
			return nil, registry.Errorf(registry.ErrInvalid, "too many symbol entries: at most %d are indexed", maxSymbols)
		}
		if f.UncompressedSize64 > maxSymbolFile || int64(f.UncompressedSize64) > budget {
			return nil, registry.Errorf(registry.ErrInvalid, "symbol file %s is too large", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "symbol file %s can not be read: %v", f.Name, err)
		}
		sym, n, err := indexPDB(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "symbol file %s can not be read: %v", f.Name, err)
		}
		budget -= n
		if sym == nil {
			continue
		}
		sym.Path = f.Name
		sym.File = strings.ToLower(path.Base(strings.ReplaceAll(f.Name, `\`, "/")))
		out = append(out, *sym)
	}
	return out, nil
}

// indexPDB reads a PDB's signature from its id (the 20 bytes after the first
// "#Blob" stream header in the first 256 bytes) and its checksum (SHA-256 of the
// file with that id zeroed in the first chunk). It returns nil for a file that has
// no such id.
func indexPDB(r io.Reader) (*Symbol, int64, error) {
	head := make([]byte, checksumChunk)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, int64(n), err
	}
	head = head[:n]
	at := bytes.Index(head[:min(len(head), 256)], []byte("Blob"))
	if at < 0 || at+7+pdbIDLength > len(head) {
		return nil, int64(n), nil
	}
	id := bytes.Clone(head[at+7 : at+7+pdbIDLength])
	zeroed := bytes.Replace(head, id, make([]byte, pdbIDLength), 1)
	h := sha256.New()
	h.Write(zeroed)
	rest, err := io.Copy(h, r)
	if err != nil {
		return nil, int64(n) + rest, err
	}
	return &Symbol{Signature: pdbSignature(id), Checksum: hex.EncodeToString(h.Sum(nil)), Size: int64(n) + rest},
		int64(n) + rest, nil
}

// pdbSignature is the SSQP signature of a portable PDB id: the GUID as text (its
// first three fields are little-endian on disk) followed by FFFFFFFF.
func pdbSignature(id []byte) string {
	g := id[:16]
	return fmt.Sprintf("%02x%02x%02x%02x%02x%02x%02x%02x%sffffffff",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], hex.EncodeToString(g[8:16]))
}
