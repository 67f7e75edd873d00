package registry

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
)

// TokenUsageFlushInterval is how often RunTokenUsageFlush writes the tokens' last
// use: authenticating is no write, so last_used_at lags by at most this much (and
// is written at shutdown too).
const TokenUsageFlushInterval = 30 * time.Second

// tokenUsage is when each token was last used in this process, not yet written.
type tokenUsage struct {
	mu   sync.Mutex
	used map[tokenRef]time.Time
}

type tokenRef struct {
	kind auth.Kind
	id   int
}

// record notes a use of a personal access or deploy token at t.
func (u *tokenUsage) record(kind auth.Kind, id int, t time.Time) {
	u.mu.Lock()
	if u.used == nil {
		u.used = map[tokenRef]time.Time{}
	}
	if t.After(u.used[tokenRef{kind, id}]) {
		u.used[tokenRef{kind, id}] = t
	}
	u.mu.Unlock()
}

func (u *tokenUsage) take() map[tokenRef]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.used
	u.used = nil
	return out
}

// FlushTokenUsage writes the last use of the tokens used since the previous flush,
// never moving a time backwards (another replica may have written a later one).
// The writes touch bookkeeping columns only, so no cache is invalidated by them.
func (s *Service) FlushTokenUsage(ctx context.Context) error {
	used := s.tokenUse.take()
	if len(used) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		for _, ref := range slices.SortedFunc(maps.Keys(used), func(a, b tokenRef) int {
			if a.kind != b.kind {
				return int(a.kind) - int(b.kind)
			}
			return a.id - b.id
		}) {
			t := used[ref]
			var err error
			switch ref.kind {
			case auth.PersonalToken:
				err = tx.PersonalAccessToken.Update().Where(personalaccesstoken.ID(ref.id),
					personalaccesstoken.Or(personalaccesstoken.LastUsedAtIsNil(), personalaccesstoken.LastUsedAtLT(t))).
					SetLastUsedAt(t).Exec(ctx)
			case auth.DeployToken:
				err = tx.DeployToken.Update().Where(deploytoken.ID(ref.id),
					deploytoken.Or(deploytoken.LastUsedAtIsNil(), deploytoken.LastUsedAtLT(t))).
					SetLastUsedAt(t).Exec(ctx)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for ref, t := range used { // try again at the next flush
			s.tokenUse.record(ref.kind, ref.id, t)
		}
	}
	return err
}

// RunTokenUsageFlush flushes the tokens' last use every TokenUsageFlushInterval
// until ctx ends. The final flush at shutdown is the caller's.
func (s *Service) RunTokenUsageFlush(ctx context.Context) {
	every(ctx, TokenUsageFlushInterval, func() {
		if err := s.FlushTokenUsage(ctx); err != nil {
			s.log.WarnContext(ctx, "flush token usage", "err", err)
		}
	})
}

// currentUse writes the pending last uses before tokens are listed, so that a list
// read on the replica that saw a use shows it (others within the flush interval).
// Listing is rare and off the hot path; a failed write is retried by the next flush.
func (s *Service) currentUse(ctx context.Context) {
	if err := s.FlushTokenUsage(ctx); err != nil {
		s.log.Warn("write token last use", "err", err)
	}
}
