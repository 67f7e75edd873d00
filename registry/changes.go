package registry

import (
	"context"
	"fmt"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
)

// What the hot path caches (hotcache.go) is invalidated by what the database
// changes. Every write of the registry goes through the ent client, so one mutation
// hook on it sees every write where it happens: it maps the entity written to the
// signals whose cached values it can change, and bumps them after the commit (in
// this process at once; on Postgres also in the other replicas, by a notification
// sent inside the transaction, delivered when it commits). A write outside a
// transaction bumps after its statement and notifies then.

// Signals of the hot path's caches.
const (
	// sigCredentials: resolved credentials (tokens, sessions, their users, and the
	// paths of the projects and groups a token names).
	sigCredentials database.Signal = iota
	// sigAccess: projects and groups by id and path, memberships, instance settings.
	sigAccess
	// sigFiles: file lookups (versions, files, and the projects holding them).
	sigFiles
)

// signalsOf lists, per entity, the signals a write of it bumps. Entities no cache
// holds (audit events, deliveries, throttles, blobs, download days...) bump none.
var signalsOf = map[string][]database.Signal{
	ent.TypePersonalAccessToken: {sigCredentials},
	ent.TypeDeployToken:         {sigCredentials},
	ent.TypeCIJob:               {sigCredentials},
	ent.TypePipeline:            {sigCredentials},
	ent.TypeSession:             {sigCredentials},
	ent.TypeUser:                {sigCredentials, sigAccess},
	ent.TypeMembership:          {sigAccess},
	ent.TypeApplicationSetting:  {sigAccess},
	ent.TypeProject:             {sigCredentials, sigAccess, sigFiles},
	ent.TypeGroup:               {sigCredentials, sigAccess, sigFiles},
	ent.TypePackageVersion:      {sigFiles},
	ent.TypePackageFile:         {sigFiles},
}

// bookkeeping are the columns whose updates change nothing a cache serves: usage
// times and download counts, written in the background (and the update time every
// update sets: alone with these, it changes nothing either).
var bookkeeping = map[string]bool{"last_used_at": true, "download_count": true, "last_downloaded_at": true,
	"updated_at": true}

// onlyBookkeeping reports whether m is an update of bookkeeping columns alone.
func onlyBookkeeping(m ent.Mutation) bool {
	if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
		return false
	}
	if len(m.ClearedFields()) > 0 || len(m.AddedEdges()) > 0 || len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0 {
		return false
	}
	for _, lists := range [][]string{m.Fields(), m.AddedFields()} {
		for _, f := range lists {
			if !bookkeeping[f] {
				return false
			}
		}
	}
	return true
}

// changeHook is the mutation hook that bumps the signals of what a write changed.
func (s *Service) changeHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		sigs := signalsOf[m.Type()]
		if len(sigs) == 0 || onlyBookkeeping(m) {
			return next.Mutate(ctx, m)
		}
		tx := mutationTx(m)
		if tx != nil {
			onCommit(tx, s.db.Changes(), sigs)
		}
		v, err := next.Mutate(ctx, m)
		if tx == nil {
			ch := s.db.Changes()
			ch.Changed(sigs...)
			ch.Notify(context.WithoutCancel(ctx), ch.Payload(sigs...))
		}
		return v, err
	})
}

func mutationTx(m ent.Mutation) *ent.Tx {
	if t, ok := m.(interface{ Tx() (*ent.Tx, error) }); ok {
		if tx, err := t.Tx(); err == nil {
			return tx
		}
	}
	return nil
}

type notifiedKey struct{}

// onCommit bumps sigs when tx commits. Each write of a transaction hooks the commit;
// the hooks run one inside the other, and pass down which signals they notified
// already, so a transaction sends each signal once.
func onCommit(tx *ent.Tx, ch *database.Changes, sigs []database.Signal) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			sent, _ := ctx.Value(notifiedKey{}).(*[database.MaxSignals]bool)
			if sent == nil {
				sent = new([database.MaxSignals]bool)
				ctx = context.WithValue(ctx, notifiedKey{}, sent)
			}
			var fresh []database.Signal
			for _, s := range sigs {
				if !sent[s] {
					sent[s] = true
					fresh = append(fresh, s)
				}
			}
			if payload := ch.Payload(fresh...); payload != "" {
				// Inside the transaction: delivered exactly when it commits. A
				// statement that fails aborts the transaction, so it rolls back.
				q, args := ch.NotifyStatement(payload)
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					_ = tx.Rollback()
					return fmt.Errorf("notify replicas: %w", err)
				}
			}
			err := next.Commit(ctx, tx)
			ch.Changed(sigs...) // even if the commit's outcome is unknown
			return err
		})
	})
}
