package registry

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// The digests of a copy are those of the whole body, whatever its size against the
// buffers and however the reader splits it, and the copy holds every byte.
func TestCopyDigesting(t *testing.T) {
	sizes := []int{0, 1, digestChunk - 1, digestChunk, digestChunk + 1,
		digestChunks * digestChunk, digestChunks*digestChunk + 1, 3*digestChunks*digestChunk + 12345}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"half", iotest.HalfReader},
		{"data with EOF", iotest.DataErrReader},
		{"odd pieces", func(r io.Reader) io.Reader { return &pieces{r: r, n: 7919} }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range sizes {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		want := Digests{Size: int64(size), MD5: hexOf(md5.New(), body), SHA1: hexOf(sha1.New(), body),
			SHA256: hexOf(sha256.New(), body), SHA512: hexOf(sha512.New(), body)}
		for _, rd := range readers {
			var out bytes.Buffer
			got, err := copyDigesting(&out, rd.wrap(bytes.NewReader(body)))
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", size, rd.name, err)
			}
			if got != want {
				t.Errorf("%d bytes, %s: digests %+v, want %+v", size, rd.name, got, want)
			}
			if !bytes.Equal(out.Bytes(), body) {
				t.Errorf("%d bytes, %s: copied %d bytes that differ from the body", size, rd.name, out.Len())
			}
		}
	}
}

// A body cut short (io.ErrUnexpectedEOF from the request, as net/http reports a
// client gone before its Content-Length) or a failing write is an error, never a
// shorter file with digests, before, at and after the first buffer.
func TestCopyDigestingFails(t *testing.T) {
	errWrite := errors.New("disk full")
	for _, at := range []int{0, 10, digestChunk, 2*digestChunk + 5, 9 * digestChunk} {
		body := bytes.Repeat([]byte{'x'}, at)
		cut := io.MultiReader(bytes.NewReader(body), iotest.ErrReader(io.ErrUnexpectedEOF))
		if _, err := copyDigesting(io.Discard, cut); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("body cut after %d bytes: err %v, want io.ErrUnexpectedEOF", at, err)
		}
		long := bytes.NewReader(make([]byte, at+10*digestChunk))
		if _, err := copyDigesting(&failingWriter{after: at, err: errWrite}, long); !errors.Is(err, errWrite) {
			t.Errorf("write failing after %d bytes: err %v, want %v", at, err, errWrite)
		}
	}
}

// pieces reads at most n bytes at a time.
type pieces struct {
	r io.Reader
	n int
}

func (p *pieces) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), p.n)]) }

// failingWriter fails the write that would take it past after bytes.
type failingWriter struct {
	after, n int
	err      error
}

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.after {
		return 0, w.err
	}
	w.n += len(b)
	return len(b), nil
}

// hexOf is h's digest of body, in one write.
func hexOf(h hash.Hash, body []byte) string {
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// BenchmarkDigests compares the four digests in a row (as io.MultiWriter runs them)
// with copyDigesting's, on a body that spans many buffers: go test -run '^$'
// -bench Digests ./registry/ (MB/s is the body's).
func BenchmarkDigests(b *testing.B) {
	body := make([]byte, 64<<20)
	b.Run("in-a-row", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			hs := newDigests()
			w := io.MultiWriter(io.Discard, hs[0], hs[1], hs[2], hs[3])
			if _, err := io.CopyBuffer(w, bytes.NewReader(body), make([]byte, digestChunk)); err != nil {
				b.Fatal(err)
			}
			sumDigests(int64(len(body)), hs)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := copyDigesting(io.Discard, bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpool receives a 64 MiB body into file storage, as an upload does: the
// write to disk and the four digests.
func BenchmarkSpool(b *testing.B) {
	ctx := context.Background()
	blobs, err := OpenBlobs(ctx, "file://"+filepath.ToSlash(filepath.Join(b.TempDir(), "storage")))
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	body := make([]byte, 64<<20)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		sp, err := blobs.Spool(ctx, bytes.NewReader(body), int64(len(body)))
		if err != nil {
			b.Fatal(err)
		}
		blobs.Discard(ctx, sp)
	}
}
