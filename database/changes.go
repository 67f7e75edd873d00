package database

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// StalenessBound is how old a cached value may be, at most, when a replica cannot
// be sure it has heard every change another replica made: while its listener is
// disconnected, or before it has heard its own latest heartbeat. Within one
// process (and on SQLite, which is one process) invalidation is immediate.
const StalenessBound = 2 * time.Second

// Signal names one kind of thing a cache holds. The caller (the registry) numbers
// its signals; the database only carries them from writers to readers.
type Signal uint8

// MaxSignals bounds the signals a database carries.
const MaxSignals = 8

// Changes is the change signal of one database: a revision per Signal, bumped after
// every committed write that changes what the signal stands for, in this process at
// once and in the other processes on the same Postgres database through
// LISTEN/NOTIFY. A cached value is stamped (Stamp) before it is loaded and served
// only while its stamp is Current.
//
// Across replicas a notification can be lost (the listener's connection drops, the
// writer dies between its commit and its notification), so a replica also sends
// itself a heartbeat through the same channel every StalenessBound/4. Postgres
// delivers notifications in commit order, so once a replica hears its heartbeat
// sent at H it has heard every change committed before H; a value is served only
// if H, or the time it was loaded, is within the bound. When the listener
// reconnects every revision is bumped (the caches start over).
type Changes struct {
	revs  [MaxSignals]atomic.Uint64
	now   func() time.Time
	bound time.Duration
	// shared: other processes write too (Postgres); heard is the send time (unix
	// nanoseconds, by now) of the latest own heartbeat heard back.
	shared bool
	heard  atomic.Int64
	// channel and self: the NOTIFY channel of this database and schema, and this
	// process's name on it.
	channel string
	self    string
	notify  func(ctx context.Context, payload string) error
	stop    func()
	log     *slog.Logger
	// SQLite: poll reads the file's data_version (one poll at a time); refs count
	// this process's handles on the file, release drops one, stopWatching ends
	// the polling.
	poll         func(ctx context.Context)
	pollMu       sync.Mutex
	refs         int
	release      func()
	stopWatching func()
}

// Stamp is a value's place in the change history: taken before the value is loaded.
type Stamp struct {
	rev uint64
	at  time.Time
}

func newChanges(now func() time.Time, bound time.Duration) *Changes {
	if now == nil {
		now = time.Now
	}
	if bound <= 0 {
		bound = StalenessBound
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Changes{now: now, bound: bound, self: hex.EncodeToString(b), log: slog.Default()}
}

// Bound is the staleness bound across replicas.
func (c *Changes) Bound() time.Duration { return c.bound }

// Stamp returns the stamp of a value of sig about to be loaded.
func (c *Changes) Stamp(sig Signal) Stamp {
	return Stamp{rev: c.revs[sig].Load(), at: c.now()}
}

// Current reports whether a value of sig stamped st may still be served: no change
// of sig has been heard since, and (across replicas) none can have been missed for
// longer than the bound.
func (c *Changes) Current(sig Signal, st Stamp) bool {
	if c.revs[sig].Load() != st.rev {
		return false
	}
	if !c.shared {
		return true
	}
	seen := st.at
	if h := c.heard.Load(); h > seen.UnixNano() {
		seen = time.Unix(0, h)
	}
	return c.now().Sub(seen) <= c.bound
}

// Changed bumps the revisions of sigs in this process. Writers call it after their
// commit; Notify tells the other replicas.
func (c *Changes) Changed(sigs ...Signal) {
	for _, s := range sigs {
		c.revs[s].Add(1)
	}
}

// flush bumps every revision: what was cached may have missed changes.
func (c *Changes) flush() {
	for i := range c.revs {
		c.revs[i].Add(1)
	}
}

// Payload is the notification that tells the other replicas sigs changed; a writer
// sends it inside its transaction (NotifyStatement), so it is delivered exactly when
// the change commits. "" where nothing is notified (SQLite: the others poll).
func (c *Changes) Payload(sigs ...Signal) string {
	if c.notify == nil || len(sigs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("c" + c.self + ":")
	for _, s := range sigs {
		b.WriteByte('0' + byte(s))
	}
	return b.String()
}

// NotifyStatement is the statement (and its arguments) that sends payload to the
// other replicas.
func (c *Changes) NotifyStatement(payload string) (string, []any) {
	return "SELECT pg_notify($1, $2)", []any{c.channel, payload}
}

// Notify sends payload outside a transaction (after a write that ran without one).
func (c *Changes) Notify(ctx context.Context, payload string) {
	if payload == "" || c.notify == nil {
		return
	}
	if err := c.notify(ctx, payload); err != nil {
		c.log.WarnContext(ctx, "notify replicas of a change; they catch up within the staleness bound", "err", err)
	}
}

// receive applies one notification; nil means the listener reconnected.
func (c *Changes) receive(n *pq.Notification) {
	if n == nil {
		c.flush()
		return
	}
	p := n.Extra
	if len(p) < 1 {
		return
	}
	from, rest, ok := strings.Cut(p[1:], ":")
	if !ok {
		return
	}
	switch p[0] {
	case 'h': // a heartbeat: only our own tells us how far we have heard
		if from != c.self {
			return
		}
		if at, err := strconv.ParseInt(rest, 10, 64); err == nil {
			c.hear(time.Unix(0, at))
		}
	case 'c':
		if from == c.self {
			return // bumped at our own commit already
		}
		for i := 0; i < len(rest); i++ {
			if s := rest[i] - '0'; s < MaxSignals {
				c.revs[s].Add(1)
			}
		}
	}
}

// listen starts the listener on Postgres: LISTEN on the schema's channel, and the
// heartbeat. It returns at once; until the first heartbeat is heard values are
// served only within the bound of their loading.
func (c *Changes) listen(ctx context.Context, d *DB, dsn string) error {
	var schema string
	if err := d.SQL.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("changes channel: %w", err)
	}
	// One channel per schema: several registries (tests) share one Postgres database.
	c.channel = "registry_changes_" + schema
	c.shared = true
	c.notify = func(ctx context.Context, payload string) error {
		q, args := c.NotifyStatement(payload)
		_, err := d.SQL.ExecContext(ctx, q, args...)
		return err
	}
	l := pq.NewListener(dsn, 100*time.Millisecond, c.bound/2, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventDisconnected || ev == pq.ListenerEventConnectionAttemptFailed {
			c.log.Warn("change listener disconnected; caches serve nothing older than the staleness bound",
				"bound", c.bound.String(), "err", err)
		}
	})
	if err := l.Listen(c.channel); err != nil && err != pq.ErrChannelAlreadyOpen {
		c.log.Warn("change listener", "err", err) // it retries on its own
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.NotificationChannel():
				c.receive(n)
			}
		}
	}()
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.bound / 4)
		defer t.Stop()
		for {
			c.Notify(ctx, "h"+c.self+":"+strconv.FormatInt(c.now().UnixNano(), 10))
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	c.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = l.Close()
		})
	}
	return nil
}

// StopListening stops hearing the other replicas, as a lost connection would (tests
// of the staleness bound); Close does it too.
func (c *Changes) StopListening() {
	if c.stop != nil {
		c.stop()
	}
}

// sqliteFiles holds the change signal of each SQLite file this process has open.
// Every handle on the file in this process (two services in one test) shares one
// signal, so a write through one is seen by the others at once.
var sqliteFiles = struct {
	sync.Mutex
	open map[string]*Changes
}{open: map[string]*Changes{}}

// sqliteChanges returns the change signal of the SQLite file at path, started
// with fresh's settings when this process has not opened the file yet. Another
// process on the file (an admin command beside the server) is heard by polling
// PRAGMA data_version on writer, every bound/4: a change flushes every cache, and a
// poll that fails leaves values served only within the bound, as on Postgres.
//
// writer is the pool of the one connection every write of this handle takes. A
// connection's data_version changes only when another connection commits, so on the
// writer it counts the commits of other processes (and of other handles on the file)
// but never this handle's own, which the hooks signal already: polling a connection
// of its own instead would flush every cache after each of this process's writes.
func sqliteChanges(ctx context.Context, path string, writer *sql.DB, fresh *Changes) (*Changes, error) {
	path, _, _ = strings.Cut(path, "?")
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	path = filepath.Clean(path)
	sqliteFiles.Lock()
	defer sqliteFiles.Unlock()
	if c := sqliteFiles.open[path]; c != nil {
		c.refs++
		return c, nil
	}
	if err := fresh.watchFile(ctx, writer); err != nil {
		return nil, err
	}
	fresh.refs = 1
	fresh.release = func() {
		sqliteFiles.Lock()
		defer sqliteFiles.Unlock()
		if fresh.refs--; fresh.refs == 0 {
			delete(sqliteFiles.open, path)
			fresh.stopWatching()
		}
	}
	sqliteFiles.open[path] = fresh
	return fresh, nil
}

// watchFile starts polling the data_version of the writer's connection.
func (c *Changes) watchFile(ctx context.Context, writer *sql.DB) error {
	c.shared = true
	var last int64 = -1
	c.poll = func(ctx context.Context) {
		c.pollMu.Lock()
		defer c.pollMu.Unlock()
		at := c.now()
		var v int64
		if err := writer.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			return
		}
		if last >= 0 && v != last {
			c.flush()
		}
		last = v
		c.hear(at)
	}
	c.poll(ctx)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.bound / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				c.poll(context.Background())
			}
		}
	}()
	c.stopWatching = func() {
		close(stop)
		<-done
	}
	return nil
}

// Sync catches up with what other processes committed to a SQLite file up to now,
// without waiting for the next poll (tests); elsewhere it does nothing.
func (c *Changes) Sync(ctx context.Context) {
	if c.poll != nil {
		c.poll(ctx)
	}
}

// hear records that every change committed before at has been heard.
func (c *Changes) hear(at time.Time) {
	for {
		old := c.heard.Load()
		if at.UnixNano() <= old || c.heard.CompareAndSwap(old, at.UnixNano()) {
			return
		}
	}
}

// close releases this handle's use of the signal.
func (c *Changes) close() {
	c.StopListening()
	if c.release != nil {
		c.release()
	}
}
