package registry

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
	// scheme is the bucket URL's scheme (file, mem, s3), name the bucket's.
	scheme, name string
	// onError, when set, hears of every failure of the storage itself.
	onError func()
	// fallback, when set, is read when content is missing here: the storage being
	// migrated from, so a server can switch to the new storage before the copy ends.
	fallback *Blobs
}

// Object storage uploads go up in parts of partSize, at most partConcurrency at a
// time: S3 refuses parts under 5 MiB (but the last), a part count over 10,000 (so
// one upload holds up to 80 GiB), and each part in flight is a buffer in memory.
const (
	partSize        = 8 << 20
	partConcurrency = 1
)

// OpenBlobs opens the bucket at rawURL (file://, mem://, s3://).
func OpenBlobs(ctx context.Context, rawURL string) (*Blobs, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("storage url: %w", err)
	}
	b := &Blobs{scheme: u.Scheme, name: u.Host}
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

// Close closes the bucket (and the fallback's).
func (b *Blobs) Close() error {
	if b.fallback != nil {
		_ = b.fallback.Close()
	}
	return b.bucket.Close()
}

// WithFallback makes b read content it does not hold from other (read only).
func (b *Blobs) WithFallback(other *Blobs) { b.fallback = other }

// Ping checks that the bucket (and the fallback) exists and answers (readiness).
func (b *Blobs) Ping(ctx context.Context) error {
	ok, err := b.bucket.IsAccessible(ctx)
	if err == nil && !ok {
		err = errors.New("storage bucket does not exist or is not accessible")
	}
	if err == nil && b.fallback != nil {
		err = b.fallback.Ping(ctx)
	}
	return err
}

func (b *Blobs) failed() {
	if b.onError != nil {
		b.onError()
	}
}

// Scheme is the storage's kind: file, mem or s3.
func (b *Blobs) Scheme() string { return b.scheme }

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
		BufferSize:                  partSize,
		MaxConcurrency:              partConcurrency,
	})
	if err != nil {
		b.failed()
		return nil, fmt.Errorf("spool: %w", err)
	}
	d, err := copyDigesting(w, &io.LimitedReader{R: r, N: limit + 1})
	if err == nil && d.Size > limit {
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
		b.failed()
		return nil, fmt.Errorf("spool: %w", err)
	}
	sp.Digests = d
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
			if b.fallback != nil {
				return b.fallback.Open(ctx, sha256hex, key)
			}
			return nil, fmt.Errorf("%w: blob %s is missing from storage", ErrNotFound, sha256hex)
		}
		b.failed()
		return nil, fmt.Errorf("open blob: %w", err)
	}
	c := &Content{ReadSeekCloser: r, Size: r.Size(), ModTime: r.ModTime()}
	if f != nil {
		c.File = f
	}
	return c, nil
}

// signedURLExpiry is how long a direct download link works.
const signedURLExpiry = 5 * time.Minute

// SignedURL returns a short-lived URL that reads the content straight from the
// object store, answered with the given file name and content type; "" when the
// storage cannot sign (file and mem storage, or content only the fallback holds).
func (b *Blobs) SignedURL(ctx context.Context, sha256hex, key, fileName, contentType string) (string, error) {
	if b.scheme != "s3" {
		return "", nil
	}
	k := storageKey(sha256hex, key)
	if ok, err := b.bucket.Exists(ctx, k); err != nil || !ok {
		return "", err
	}
	u, err := b.bucket.SignedURL(ctx, k, &blob.SignedURLOptions{Expiry: signedURLExpiry, Method: "GET",
		BeforeSign: func(as func(any) bool) error {
			var in *s3.GetObjectInput
			if as(&in) {
				in.ResponseContentDisposition = aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": fileName}))
				in.ResponseContentType = aws.String(contentType)
			}
			return nil
		}})
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", nil
	}
	return u, err
}

// storedObject is one object found by a listing.
type storedObject struct {
	Key     string
	SHA256  string // set for content-addressed objects
	ModTime time.Time
}

// list calls fn for every object under prefix ("blobs/" or "tmp/").
func (b *Blobs) list(ctx context.Context, prefix string, fn func(storedObject) error) error {
	// A file bucket's listing stats each file after reading its directory, so an
	// object that goes in between (an upload's temporary file, renamed into place)
	// fails the listing with NotFound. The listing then starts again, skipping what
	// it has seen, a few times at most.
	seen := map[string]bool{}
	for attempt := 0; ; attempt++ {
		err := b.listOnce(ctx, prefix, seen, fn)
		if gcerrors.Code(err) != gcerrors.NotFound || attempt == 4 {
			return err
		}
	}
}

func (b *Blobs) listOnce(ctx context.Context, prefix string, seen map[string]bool, fn func(storedObject) error) error {
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if obj.IsDir || seen[obj.Key] {
			continue
		}
		seen[obj.Key] = true
		so := storedObject{Key: obj.Key, ModTime: obj.ModTime}
		if strings.HasPrefix(obj.Key, "blobs/sha256/") {
			so.SHA256 = obj.Key[strings.LastIndexByte(obj.Key, '/')+1:]
		}
		if err := fn(so); err != nil {
			return err
		}
	}
}

// Keys lists the keys of the stored objects under prefix ("blobs/", "tmp/"), for
// operators and tests that look at what storage holds.
func (b *Blobs) Keys(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := b.list(ctx, prefix, func(o storedObject) error {
		out = append(out, o.Key)
		return nil
	})
	return out, err
}

// deleteKey removes one object by key.
func (b *Blobs) deleteKey(ctx context.Context, key string) error {
	err := b.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// abortStaleUploads aborts the multipart uploads to object storage that began
// before cutoff and never completed (a crashed server's): their parts are invisible
// to listings but take space until aborted. It returns how many it aborted.
func (b *Blobs) abortStaleUploads(ctx context.Context, cutoff time.Time) (int, error) {
	var client *s3.Client
	if b.scheme != "s3" || !b.bucket.As(&client) {
		return 0, nil
	}
	n := 0
	// No Prefix: MinIO lists by prefix only for one object's key; the keys are
	// filtered here instead.
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(b.name)}
	for {
		out, err := client.ListMultipartUploads(ctx, in)
		if err != nil {
			return n, err
		}
		for _, u := range out.Uploads {
			if u.Initiated == nil || !u.Initiated.Before(cutoff) || !strings.HasPrefix(aws.ToString(u.Key), "blobs/") {
				continue
			}
			if _, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b.name),
				Key: u.Key, UploadId: u.UploadId}); err != nil {
				return n, err
			}
			n++
		}
		if out.IsTruncated == nil || !*out.IsTruncated {
			return n, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}
