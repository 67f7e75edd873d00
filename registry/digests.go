package registry

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// A spool reads its body into buffers of digestChunk bytes, at most digestChunks of
// them in flight, so one upload holds at most 1 MiB of it in memory however large
// it is.
const (
	digestChunk  = 256 << 10
	digestChunks = 4
)

// chunk is one buffer of a body, shared read-only by the digests and the write
// that all take it; the last to finish hands it back for the next read.
type chunk struct {
	b    []byte
	n    int
	refs atomic.Int32
}

func (c *chunk) data() []byte { return c.b[:c.n] }

func (c *chunk) release(free chan<- *chunk) {
	if c.refs.Add(-1) == 0 {
		free <- c
	}
}

func newDigests() [4]hash.Hash {
	return [4]hash.Hash{md5.New(), sha1.New(), sha256.New(), sha512.New()}
}

func sumDigests(n int64, hs [4]hash.Hash) Digests {
	return Digests{Size: n, MD5: hexSum(hs[0]), SHA1: hexSum(hs[1]), SHA256: hexSum(hs[2]), SHA512: hexSum(hs[3])}
}

// copyDigesting copies src to dst and returns the size and digests of what it
// copied. Each digest runs on a goroutine of its own beside the write, so a large
// body takes about as long as its slowest digest rather than the four in a row; a
// body that fits in one buffer is hashed in place. On error the digests are not
// meaningful.
func copyDigesting(dst io.Writer, src io.Reader) (Digests, error) {
	hs := newDigests()
	c := &chunk{b: make([]byte, digestChunk)}
	n, err := fill(src, c.b)
	c.n = n
	if err != nil {
		if err != io.EOF {
			return Digests{}, err
		}
		for _, h := range hs {
			h.Write(c.data())
		}
		if _, err := dst.Write(c.data()); err != nil {
			return Digests{}, err
		}
		return sumDigests(int64(n), hs), nil
	}

	free := make(chan *chunk, digestChunks)
	var ins [len(hs)]chan *chunk
	var wg sync.WaitGroup
	for i, h := range hs {
		ins[i] = make(chan *chunk, digestChunks)
		wg.Add(1)
		go func(in <-chan *chunk) {
			defer wg.Done()
			for c := range in {
				h.Write(c.data())
				c.release(free)
			}
		}(ins[i])
	}
	stop := func() {
		for _, in := range ins {
			close(in)
		}
		wg.Wait()
	}

	var total int64
	allocated := 1
	for {
		c.refs.Store(int32(len(ins) + 1))
		for _, in := range ins {
			in <- c
		}
		_, werr := dst.Write(c.data())
		total += int64(c.n)
		c.release(free)
		if werr != nil {
			stop()
			return Digests{}, werr
		}
		if err == io.EOF {
			break
		}
		select {
		case c = <-free:
		default:
			if allocated < digestChunks {
				c, allocated = &chunk{b: make([]byte, digestChunk)}, allocated+1
			} else {
				c = <-free
			}
		}
		c.n, err = fill(src, c.b)
		if err != nil && err != io.EOF {
			stop()
			return Digests{}, err
		}
		if c.n == 0 {
			break
		}
	}
	stop()
	return sumDigests(total, hs), nil
}

// fill reads from src until b is full or src ends. io.EOF alone says the body
// ended (b holds its last n bytes, perhaps none); any other error, io.ErrUnexpectedEOF
// of a body cut short included, is the reader's failure.
func fill(src io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := src.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
