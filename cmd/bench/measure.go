package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"time"
)

const MiB = 1 << 20

// server is one side of the comparison.
type server struct {
	name  string
	pid   int    // server process (nginx: master; workers are its children)
	token string // PRIVATE-TOKEN, empty for nginx
	// urls of the small and large file
	smallURL, largeURL string
}

func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		ReadBufferSize:      64 << 10,
		WriteBufferSize:     64 << 10,
	}
}

// discard is a Writer without ReadFrom, so that io.CopyBuffer uses our
// large buffer (io.Discard's ReadFrom reads 8 KiB at a time).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type getResult struct {
	status int
	ctype  string
	n      int64
	sum    string // hex sha256 when hashing was requested
	el     time.Duration
}

func doGet(cl *http.Client, url, token string, hdr map[string]string, hashIt bool, buf []byte) (getResult, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return getResult{}, err
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return getResult{}, err
	}
	defer resp.Body.Close()
	var w io.Writer = discard{}
	var h hash.Hash
	if hashIt {
		h = sha256.New()
		w = h
	}
	n, err := io.CopyBuffer(w, resp.Body, buf)
	r := getResult{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), n: n, el: time.Since(start)}
	if h != nil {
		r.sum = hex.EncodeToString(h.Sum(nil))
	}
	return r, err
}

// downloadStats holds per-run MiB/s of the large-file download.
type downloadStats struct {
	runs []float64
	err  error
	cpu  time.Duration // server CPU over the timed runs
}

func (d downloadStats) median() float64 { return median(d.runs) }

func (d downloadStats) minmax() (float64, float64) {
	if len(d.runs) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), d.runs...)
	sort.Float64s(s)
	return s[0], s[len(s)-1]
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measureDownloads does one warm-up GET (verified against wantSum) and then
// n timed GETs per server, interleaving the servers run by run so that both
// see the same machine conditions.
func measureDownloads(srvs []*server, size int64, wantSum string, n int, logf func(string, ...any)) []downloadStats {
	out := make([]downloadStats, len(srvs))
	buf := make([]byte, 1*MiB)
	clients := make([]*http.Client, len(srvs))
	for i := range srvs {
		clients[i] = &http.Client{Transport: newTransport(1)}
		defer clients[i].CloseIdleConnections()
	}
	check := func(i int, r getResult, err error) error {
		switch {
		case err != nil:
			return err
		case r.status != http.StatusOK:
			return fmt.Errorf("GET large: status %d", r.status)
		case r.n != size:
			return fmt.Errorf("GET large: %d bytes, want %d", r.n, size)
		}
		return nil
	}
	for i, s := range srvs {
		r, err := doGet(clients[i], s.largeURL, s.token, nil, true, buf)
		if err = check(i, r, err); err == nil && r.sum != wantSum {
			err = fmt.Errorf("GET large: sha256 %s, want %s", r.sum, wantSum)
		}
		if err != nil {
			out[i].err = fmt.Errorf("warm-up: %w", err)
			logf("%s: download warm-up failed: %v", s.name, err)
		}
	}
	cpu0 := make([]time.Duration, len(srvs))
	for i, s := range srvs {
		cpu0[i], _ = procCPU(s.pid)
	}
	for run := 0; run < n; run++ {
		for i, s := range srvs {
			if out[i].err != nil {
				continue
			}
			r, err := doGet(clients[i], s.largeURL, s.token, nil, false, buf)
			if err = check(i, r, err); err != nil {
				out[i].err = fmt.Errorf("run %d: %w", run+1, err)
				logf("%s: download run %d failed: %v", s.name, run+1, err)
				continue
			}
			out[i].runs = append(out[i].runs, float64(size)/MiB/r.el.Seconds())
		}
	}
	for i, s := range srvs {
		if c, err := procCPU(s.pid); err == nil {
			out[i].cpu = c - cpu0[i]
		}
	}
	return out
}

type rpsStats struct {
	requests int64
	errors   int64
	firstErr error
	elapsed  time.Duration
	p50, p99 time.Duration
	rps      float64
	cpu      time.Duration // server CPU over the timed phase
	bytes    int64         // body bytes received in the timed phase
}

// rangeCheck GETs bytes [off, off+n) of the large file and compares them
// with the local copy.
func rangeCheck(s *server, path string, off, n int64) error {
	want := make([]byte, n)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.ReadAt(want, off); err != nil {
		return err
	}
	cl := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Second}
	defer cl.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, s.largeURL, nil)
	if s.token != "" {
		req.Header.Set("PRIVATE-TOKEN", s.token)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, n+1))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusPartialContent {
		return fmt.Errorf("status %d, want 206", resp.StatusCode)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("got %d bytes that differ from the file", len(got))
	}
	return nil
}

// statusOf GETs url with optional token and returns the status code.
func statusOf(url, token string) (int, error) {
	cl := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Second}
	defer cl.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// writeRandomFile writes size random bytes to path through a 1 MiB buffer
// and returns the hex sha256.
func writeRandomFile(path string, size int64, rng *rand.ChaCha8) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	buf := make([]byte, 1*MiB)
	for left := size; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		rng.Read(chunk)
		h.Write(chunk)
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return "", err
		}
		left -= int64(len(chunk))
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// genReader streams size bytes without a file: a random 1 MiB block,
// repeated, with a per-run nonce and the block index stamped into the first
// 16 bytes of each block so that every block and every run is distinct
// (the server stores content-addressed). Cheap enough not to compete with
// the server for CPU.
type genReader struct {
	buf       []byte
	nonce     uint64
	idx       uint64
	off       int
	remaining int64
}

func newGenReader(block []byte, nonce uint64, size int64) *genReader {
	return &genReader{buf: append([]byte(nil), block...), nonce: nonce, off: len(block), remaining: size}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.remaining <= 0 {
		return 0, io.EOF
	}
	if g.off == len(g.buf) {
		binary.LittleEndian.PutUint64(g.buf[0:8], g.nonce)
		binary.LittleEndian.PutUint64(g.buf[8:16], g.idx)
		g.idx++
		g.off = 0
	}
	if int64(len(p)) > g.remaining {
		p = p[:g.remaining]
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	g.remaining -= int64(n)
	return n, nil
}

func sha256New() hash.Hash { return sha256.New() }
