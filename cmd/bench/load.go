package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// load is one thing the load generator asks of a server: the same GET, over and
// over, from conc keep-alive connections.
type load struct {
	server string // who answers (registry, nginx, verdaccio)
	pid    int    // its process, for the CPU figure
	url    string
	header map[string]string
	// check says whether an answer counts, from its status, the first keep bytes
	// of its body and its size.
	check func(status int, head []byte, size int64) error
	keep  int
}

// status200 accepts a 200 of exactly size bytes (size < 0: any size).
func status200(size int64) func(int, []byte, int64) error {
	return func(st int, head []byte, n int64) error {
		if st != http.StatusOK {
			return fmt.Errorf("status %d: %.200s", st, head)
		}
		if size >= 0 && n != size {
			return fmt.Errorf("%d bytes, want %d", n, size)
		}
		return nil
	}
}

// fetch GETs l.url once into buf (at least l.keep bytes) and checks the answer.
func fetch(cl *http.Client, l load, buf []byte) (time.Duration, int64, error) {
	req, err := http.NewRequest(http.MethodGet, l.url, nil)
	if err != nil {
		return 0, 0, err
	}
	for k, v := range l.header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.ReadFull(resp.Body, buf[:l.keep])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	head, total := buf[:n], int64(n)
	if err == nil && n == l.keep {
		var m int64
		m, err = io.CopyBuffer(discard{}, resp.Body, buf[l.keep:])
		total += m
	}
	el := time.Since(start)
	if err != nil {
		return el, total, err
	}
	return el, total, l.check(resp.StatusCode, head, total)
}

// runOnce fetches l once (l.keep should hold the whole answer).
func runOnce(cl *http.Client, l load) error {
	_, _, err := fetch(cl, l, make([]byte, l.keep+1))
	return err
}

// runLoad runs l from conc connections for dur after a short warm-up.
func runLoad(l load, conc int, dur time.Duration) rpsStats {
	cl := &http.Client{Transport: newTransport(conc), Timeout: 2 * time.Minute}
	defer cl.CloseIdleConnections()
	phase := func(d time.Duration, record bool) ([]time.Duration, int64, int64, error) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var all []time.Duration
		var errs, bytes int64
		var first error
		deadline := time.Now().Add(d)
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, l.keep+256<<10)
				var lat []time.Duration
				var ne, nb int64
				var fe error
				for time.Now().Before(deadline) && ne <= 1000 {
					el, n, err := fetch(cl, l, buf)
					if err != nil {
						ne++
						if fe == nil {
							fe = err
						}
						continue
					}
					nb += n
					if record {
						lat = append(lat, el)
					}
				}
				mu.Lock()
				all = append(all, lat...)
				errs += ne
				bytes += nb
				if first == nil {
					first = fe
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		return all, errs, bytes, first
	}
	warm := max(dur/10, 200*time.Millisecond)
	if _, ne, _, fe := phase(warm, false); ne > 0 && fe != nil {
		return rpsStats{errors: ne, firstErr: fmt.Errorf("warm-up: %w", fe)}
	}
	cpu0, _ := procCPU(l.pid)
	start := time.Now()
	all, ne, nb, fe := phase(dur, true)
	el := time.Since(start)
	cpu1, _ := procCPU(l.pid)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	st := rpsStats{requests: int64(len(all)), errors: ne, firstErr: fe, elapsed: el, cpu: cpu1 - cpu0, bytes: nb}
	if len(all) > 0 {
		st.p50 = all[len(all)*50/100]
		st.p99 = all[min(len(all)-1, len(all)*99/100)]
		st.rps = float64(len(all)) / el.Seconds()
	}
	return st
}

// series is the runs of one load, and their medians.
type series struct {
	load
	runs []rpsStats
}

func (s *series) median(f func(rpsStats) float64) float64 {
	v := make([]float64, 0, len(s.runs))
	for _, r := range s.runs {
		if r.requests > 0 {
			v = append(v, f(r))
		}
	}
	return median(v)
}

func (s *series) rps() float64 { return s.median(func(r rpsStats) float64 { return r.rps }) }
func (s *series) mibps() float64 {
	return s.median(func(r rpsStats) float64 { return float64(r.bytes) / MiB / r.elapsed.Seconds() })
}
func (s *series) p50() time.Duration {
	return time.Duration(s.median(func(r rpsStats) float64 { return float64(r.p50) }))
}
func (s *series) p99() time.Duration {
	return time.Duration(s.median(func(r rpsStats) float64 { return float64(r.p99) }))
}

// failure is the first error of the runs, or "" when every request counted.
func (s *series) failure() string {
	for _, r := range s.runs {
		if r.firstErr != nil {
			return fmt.Sprintf("%s: %d errors, first: %v", s.server, r.errors, firstLine(r.firstErr))
		}
		if r.requests == 0 {
			return s.server + ": no request answered"
		}
	}
	return ""
}

// interleave runs every load runs times, alternating them run by run (a, b, a, b
// ...) so that all see the same machine, and returns their series.
func interleave(loads []load, runs, conc int, dur time.Duration) []*series {
	out := make([]*series, len(loads))
	for i, l := range loads {
		out[i] = &series{load: l}
	}
	for r := range runs {
		for i, l := range loads {
			logf("  run %d/%d: %s %s", r+1, runs, l.server, shortURL(l.url))
			out[i].runs = append(out[i].runs, runLoad(l, conc, dur))
		}
	}
	return out
}

// shortURL is u's path and query, cut at 100 bytes, for the log.
func shortURL(u string) string {
	if i := strings.Index(u, "//"); i >= 0 {
		if j := strings.IndexByte(u[i+2:], '/'); j >= 0 {
			u = u[i+2+j:]
		}
	}
	if len(u) > 100 {
		u = u[:100] + "..."
	}
	return u
}
