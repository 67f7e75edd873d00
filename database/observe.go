package database

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// observed is the ent driver with its errors reported: a database that fails
// (down, out of connections, a statement it refuses) shows in the metrics, not
// only in the responses. Errors a request causes on its own (a canceled context,
// no rows) are not failures of the database.
type observed struct {
	dialect.Driver
	fn         atomic.Pointer[func(error)]
	statements atomic.Int64
}

func (o *observed) report(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, sql.ErrNoRows) {
		if fn := o.fn.Load(); fn != nil {
			(*fn)(err)
		}
	}
	return err
}

func (o *observed) Exec(ctx context.Context, query string, args, v any) error {
	o.statements.Add(1)
	return o.report(o.Driver.Exec(ctx, query, args, v))
}

func (o *observed) Query(ctx context.Context, query string, args, v any) error {
	o.statements.Add(1)
	return o.report(o.Driver.Query(ctx, query, args, v))
}

func (o *observed) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := o.Driver.Tx(ctx)
	if err != nil {
		return nil, o.report(err)
	}
	return &observedTx{Tx: tx, o: o}, nil
}

type observedTx struct {
	dialect.Tx
	o *observed
}

func (t *observedTx) Exec(ctx context.Context, query string, args, v any) error {
	t.o.statements.Add(1)
	return t.o.report(t.Tx.Exec(ctx, query, args, v))
}

func (t *observedTx) Query(ctx context.Context, query string, args, v any) error {
	t.o.statements.Add(1)
	return t.o.report(t.Tx.Query(ctx, query, args, v))
}

func (t *observedTx) Commit() error { return t.o.report(t.Tx.Commit()) }

// OnError makes fn hear of every statement the database failed.
func (d *DB) OnError(fn func(error)) { d.observed.fn.Store(&fn) }

// split sends SQLite's reads to the readers' pool and everything else (writes,
// transactions) to the writer's (see openSQLite).
type split struct {
	dialect.Driver // the writer
	read           dialect.Driver
}

func (s *split) Query(ctx context.Context, query string, args, v any) error {
	if isSelect(query) {
		return s.read.Query(ctx, query, args, v)
	}
	return s.Driver.Query(ctx, query, args, v)
}

func (s *split) Close() error {
	return errors.Join(s.read.Close(), s.Driver.Close())
}

// isSelect reports whether query only reads: a SELECT. Anything else, an INSERT
// with RETURNING included, is sent as a write.
func isSelect(query string) bool {
	query = strings.TrimLeft(query, " \t\r\n(")
	return len(query) >= 6 && strings.EqualFold(query[:6], "SELECT")
}

// recorded tells fn of every statement sent, in a transaction or not.
type recorded struct {
	dialect.Driver
	fn func(query string, args []any)
}

func (r *recorded) note(query string, args any) {
	a, _ := args.([]any)
	r.fn(query, a)
}

func (r *recorded) Exec(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Exec(ctx, query, args, v)
}

func (r *recorded) Query(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Query(ctx, query, args, v)
}

func (r *recorded) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := r.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &recordedTx{Tx: tx, r: r}, nil
}

type recordedTx struct {
	dialect.Tx
	r *recorded
}

func (t *recordedTx) Exec(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *recordedTx) Query(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Query(ctx, query, args, v)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// ExecContext runs a statement of the caller's own (a notification inside a write
// transaction) where the driver supports it.
func (o *observed) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := o.Driver.(execer)
	if !ok {
		return nil, errors.New("driver runs no raw statements")
	}
	o.statements.Add(1)
	res, err := ex.ExecContext(ctx, query, args...)
	return res, o.report(err)
}

// ExecContext is observed.ExecContext inside a transaction.
func (t *observedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := t.Tx.(execer)
	if !ok {
		return nil, errors.New("transaction runs no raw statements")
	}
	t.o.statements.Add(1)
	res, err := ex.ExecContext(ctx, query, args...)
	return res, t.o.report(err)
}

// ExecContext passes a statement of the caller's own through, recorded like the rest.
func (r *recorded) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := r.Driver.(execer)
	if !ok {
		return nil, errors.New("driver runs no raw statements")
	}
	r.fn(query, args)
	return ex.ExecContext(ctx, query, args...)
}

// ExecContext is recorded.ExecContext inside a transaction.
func (t *recordedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ex, ok := t.Tx.(execer)
	if !ok {
		return nil, errors.New("transaction runs no raw statements")
	}
	t.r.fn(query, args)
	return ex.ExecContext(ctx, query, args...)
}
