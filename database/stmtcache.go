package database

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
)

// The statement cache keeps each connection's prepared statements by their text, so
// that a statement the registry sends again (every request sends the same few) is
// bound and run without being parsed and planned again: SQLite spends more time
// preparing a small lookup than running it. database/sql hands a connection to one
// caller at a time, so a connection's cache needs no lock; a statement still reading
// rows when the same text is sent again (a nested query inside a transaction) is
// busy, and the second use prepares a statement of its own, as without the cache.

// stmtCacheSize bounds the statements kept per connection (texts with a varying
// number of placeholders, IN lists, would otherwise grow it without end).
const stmtCacheSize = 256

// stmtCacheMaxLen: longer texts (migration scripts) are not worth keeping.
const stmtCacheMaxLen = 8 << 10

// cachingConnector opens connections that keep their prepared statements.
type cachingConnector struct {
	driver.Connector
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

// dsnConnector is a driver.Connector for a driver that has none of its own.
type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// conn is what the cache needs of a driver's connection.
type conn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
}

type cachingConn struct {
	conn
	stmts map[string]*list.Element // of *cachedStmt, most recently used first
	lru   *list.List
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool
}

func newCachingConn(c driver.Conn) (driver.Conn, error) {
	cc, ok := c.(conn)
	if !ok {
		c.Close()
		return nil, errors.New("statement cache: the driver's connection lacks context methods")
	}
	return &cachingConn{conn: cc, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// stmt returns the cached statement for query, marked busy, or nil when the query is
// not cached and should run on its own (too long, or busy already).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if len(query) > stmtCacheMaxLen {
		return nil, nil
	}
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		cs.busy = true
		return cs, nil
	}
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, q := st.(driver.StmtQueryContext)
	_, x := st.(driver.StmtExecContext)
	if !q || !x {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: st, busy: true}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		if old.Value.(*cachedStmt).busy {
			break
		}
		c.drop(old)
	}
	return cs, nil
}

func (c *cachingConn) drop(e *list.Element) {
	cs := e.Value.(*cachedStmt)
	c.lru.Remove(e)
	delete(c.stmts, cs.query)
	cs.stmt.Close()
}

// release ends a use of cs; a statement that failed is dropped, so that whatever
// state the failure left it in is not reused.
func (c *cachingConn) release(cs *cachedStmt, failed bool) {
	cs.busy = false
	if e, ok := c.stmts[cs.query]; ok && failed && e.Value == cs {
		c.drop(e)
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.conn.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	c.release(cs, err != nil)
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.conn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(cs, true)
		return nil, err
	}
	return &cachedRows{Rows: rows, done: func(failed bool) { c.release(cs, failed) }}, nil
}

// ResetSession passes on the driver's check of a connection taken from the pool.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid passes on the driver's check of a connection returned to the pool.
func (c *cachingConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Ping passes on the driver's ping.
func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for c.lru.Len() > 0 {
		c.drop(c.lru.Front())
	}
	return c.conn.Close()
}

// cachedRows releases its statement when closed.
type cachedRows struct {
	driver.Rows
	done   func(failed bool)
	failed bool
}

func (r *cachedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err != nil && !errors.Is(err, io.EOF) {
		r.failed = true
	}
	return err
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done(r.failed || err != nil)
		r.done = nil
	}
	return err
}

// The column type methods are passed on (database/sql's ColumnTypes reads them).

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
