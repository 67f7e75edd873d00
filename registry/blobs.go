package registry

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
	"gocloud.dev/gcerrors"
)

// Blobs is the content store: every stored byte sequence lives once in a single
// gocloud bucket, and the database's blob row (unique by SHA-256) says where. Layout:
//
//	blobs/sha256/<h[0:2]>/<h[2:4]>/<h>   content on file storage: received under tmp/,
//	                                      then hard-linked here once its digest is known
//	blobs/objects/<uuid>                 content on object storage (S3, mem): written
//	                                      once, in place, as it is received
//	tmp/<uuid>                           an upload being received on file storage
//
// Object storage cannot rename, and copying an object server-side both writes it
// twice and fails above 5 GiB (a single CopyObject refuses larger sources), so an
// upload there streams straight to its final key (a multipart upload for large
// bodies) and the blob row records that key; a second upload of the same bytes is
// recorded against the first row and its own object is deleted. A key is written
// once and never changed, so replicas sharing the bucket never see a partial object:
// until its row commits, nothing refers to it. Objects of crashed or refused uploads
// (under tmp/, or under blobs/objects/ with no row) are removed by garbage collection.
type Blobs struct {
	bucket *blob.Bucket
	// dir is the bucket's root for file:// buckets. It enables two fast paths
	// that gocloud cannot express: rename instead of copy when promoting an
	// upload, and handing *os.File to http.ServeContent so downloads use sendfile.
	dir string
}

// OpenBlobs opens the bucket at rawURL (file://, mem://, s3://).
func OpenBlobs(ctx context.Context, rawURL string) (*Blobs, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("storage url: %w", err)
	}
	b := &Blobs{}
	if u.Scheme == "file" {
		// Sidecar attribute files would have to follow every rename; the
		// registry keeps its metadata in the database, so skip them.
		q := u.Query()
		if q.Get("metadata") == "" {
			q.Set("metadata", "skip")
		}
		q.Set("create_dir", "true")
		q.Set("no_tmp_dir", "true")
		u.RawQuery = q.Encode()
		b.dir = filepath.FromSlash(u.Path)
		if err := os.MkdirAll(b.dir, 0o750); err != nil {
			return nil, fmt.Errorf("storage dir: %w", err)
		}
	}
	b.bucket, err = blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	return b, nil
}

// Close closes the bucket.
func (b *Blobs) Close() error { return b.bucket.Close() }

// Ping checks that the bucket answers (readiness).
func (b *Blobs) Ping(ctx context.Context) error {
	_, err := b.bucket.IsAccessible(ctx)
	return err
}

func contentKey(sha256hex string) string {
	return "blobs/sha256/" + sha256hex[0:2] + "/" + sha256hex[2:4] + "/" + sha256hex
}

// Digests are the checksums of one blob, as lower-case hex.
type Digests struct {
	Size   int64
	MD5    string
	SHA1   string
	SHA256 string
	SHA512 string
}

// Spooled is an upload that has been fully received into storage.
type Spooled struct {
	Digests
	// tmpKey is the object written while receiving.
	tmpKey string
	// key is the storage key a new blob row records ("" for the content address).
	key string
	// adopted: a committed blob row records this upload's object as its content,
	// which Discard then keeps.
	adopted bool
}

// Spool streams r into a temporary object while hashing it. It reads at most limit
// bytes: one byte more aborts the write and returns ErrTooLarge, so an oversize
// body is refused as soon as it crosses the limit. Nothing is left behind on error.
func (b *Blobs) Spool(ctx context.Context, r io.Reader, limit int64) (*Spooled, error) {
	sp := &Spooled{tmpKey: "tmp/" + uuid.NewString()}
	if b.dir == "" {
		sp.tmpKey = "blobs/objects/" + uuid.NewString()
		sp.key = sp.tmpKey
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.bucket.NewWriter(wctx, sp.tmpKey, &blob.WriterOptions{
		ContentType:                 "application/octet-stream",
		DisableContentTypeDetection: true,
		BufferSize:                  4 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	md, s1, s256, s512 := md5.New(), sha1.New(), sha256.New(), sha512.New()
	dst := io.MultiWriter(w, md, s1, s256, s512)
	lr := &io.LimitedReader{R: r, N: limit + 1}
	n, err := io.CopyBuffer(dst, lr, make([]byte, 256<<10))
	if err == nil && n > limit {
		err = errTooLarge
	}
	if err != nil {
		cancel() // aborts the write: gocloud discards a writer whose context is done
		_ = w.Close()
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: upload interrupted: %w", ErrInvalid, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sp.Size = n
	sp.MD5, sp.SHA1 = hexSum(md), hexSum(s1)
	sp.SHA256, sp.SHA512 = hexSum(s256), hexSum(s512)
	return sp, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// Promote makes the spooled bytes available where a blob row will find them. On
// object storage they already are. On file storage they are hard-linked to their
// content address (unless the same bytes are there already), and the temporary
// object is dropped later by Discard.
func (b *Blobs) Promote(ctx context.Context, sp *Spooled) error {
	if sp.key != "" {
		return nil
	}
	key := contentKey(sp.SHA256)
	if ok, err := b.bucket.Exists(ctx, key); err != nil {
		return fmt.Errorf("promote: %w", err)
	} else if ok {
		return nil
	}
	if b.dir != "" {
		dst := filepath.Join(b.dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		// Hard-link rather than rename so the temporary object stays until
		// Discard: a concurrent garbage collection may need it to re-promote.
		if err := os.Link(filepath.Join(b.dir, filepath.FromSlash(sp.tmpKey)), dst); err == nil || errors.Is(err, os.ErrExist) {
			return nil
		}
	}
	if err := b.bucket.Copy(ctx, key, sp.tmpKey, nil); err != nil {
		return fmt.Errorf("promote: %w", err)
	}
	return nil
}

// Discard removes what an upload wrote, unless a committed blob row adopted it.
func (b *Blobs) Discard(ctx context.Context, sp *Spooled) {
	if sp.adopted && sp.tmpKey == sp.key {
		return
	}
	_ = b.bucket.Delete(context.WithoutCancel(ctx), sp.tmpKey)
}

// storageKey is where content is: the key its row records, or its content address.
func storageKey(sha256hex, key string) string {
	if key != "" {
		return key
	}
	return contentKey(sha256hex)
}

// Exists reports whether the content is stored.
func (b *Blobs) Exists(ctx context.Context, sha256hex, key string) (bool, error) {
	return b.bucket.Exists(ctx, storageKey(sha256hex, key))
}

// Delete removes stored content; deleting what is not there is not an error.
func (b *Blobs) Delete(ctx context.Context, sha256hex, key string) error {
	err := b.bucket.Delete(ctx, storageKey(sha256hex, key))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// Content is an open blob for reading. When File is non-nil (file storage) it is the
// same open file, so http.ServeContent can use sendfile.
type Content struct {
	io.ReadSeekCloser
	File    *os.File
	Size    int64
	ModTime time.Time
	mu      sync.Mutex
}

// ReadAt reads at an offset (archive/zip reads a stored archive this way); it seeks
// the one underlying reader, so calls take turns, and must not be mixed with Read.
func (c *Content) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(c.ReadSeekCloser, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// Open opens stored content for reading.
func (b *Blobs) Open(ctx context.Context, sha256hex, key string) (*Content, error) {
	var f *os.File
	r, err := b.bucket.NewReader(ctx, storageKey(sha256hex, key), &blob.ReaderOptions{
		BeforeRead: func(as func(any) bool) error {
			as(&f)
			return nil
		},
	})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%w: blob %s is missing from storage", ErrNotFound, sha256hex)
		}
		return nil, fmt.Errorf("open blob: %w", err)
	}
	c := &Content{ReadSeekCloser: r, Size: r.Size(), ModTime: r.ModTime()}
	if f != nil {
		c.File = f
	}
	return c, nil
}

// storedObject is one object found by a listing.
type storedObject struct {
	Key     string
	SHA256  string // set for content-addressed objects
	ModTime time.Time
}

// list calls fn for every object under prefix ("blobs/" or "tmp/").
func (b *Blobs) list(ctx context.Context, prefix string, fn func(storedObject) error) error {
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if obj.IsDir {
			continue
		}
		so := storedObject{Key: obj.Key, ModTime: obj.ModTime}
		if strings.HasPrefix(obj.Key, "blobs/sha256/") {
			so.SHA256 = obj.Key[strings.LastIndexByte(obj.Key, '/')+1:]
		}
		if err := fn(so); err != nil {
			return err
		}
	}
}

// deleteKey removes one object by key.
func (b *Blobs) deleteKey(ctx context.Context, key string) error {
	err := b.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}
