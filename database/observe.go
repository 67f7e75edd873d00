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
	fn atomic.Pointer[func(error)]
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
	return o.report(o.Driver.Exec(ctx, query, args, v))
}

func (o *observed) Query(ctx context.Context, query string, args, v any) error {
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
	return t.o.report(t.Tx.Exec(ctx, query, args, v))
}

func (t *observedTx) Query(ctx context.Context, query string, args, v any) error {
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
