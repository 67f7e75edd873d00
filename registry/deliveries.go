package registry

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/webhookdelivery"
)

// The delivery worker. Every replica runs one; they share the work through the
// database alone. A worker claims a due delivery with one conditional UPDATE (still
// pending, due, and not leased by another worker) that counts the attempt and leases
// the row for longer than an attempt can take; the UPDATE that affects the row wins
// and the others affect nothing, on Postgres (row locks, re-checked conditions) as
// on SQLite (one writer). The result is written back only while the claim is still
// the row's latest (same attempt count), so a worker whose lease ran out cannot
// overwrite a newer attempt. A worker that dies mid-attempt leaves the lease to run
// out, and another retries: delivery is at least once, and exactly once unless a
// worker dies between sending and recording.

// defaultWebhookBackoff is the delay before each retry: six attempts in all.
var defaultWebhookBackoff = []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}

const (
	// webhookLeaseSlack is how much longer than an attempt's timeout a claim lasts.
	webhookLeaseSlack = 50 * time.Second
	// webhookBatch is how many due deliveries one look claims at most.
	webhookBatch = 20
	// webhookParallel is how many attempts one worker makes at once.
	webhookParallel = 4
)

// webhookLogRetention is how long delivered and failed deliveries stay in the log.
const webhookLogRetention = 30 * 24 * time.Hour

// pruneWebhookDeliveries is the garbage collection step that removes settled
// deliveries older than the retention, so the log does not grow without bound.
func (s *Service) pruneWebhookDeliveries(ctx context.Context, _ time.Time, st *GCStats) error {
	n, err := s.client.WebhookDelivery.Delete().Where(webhookdelivery.StatusNEQ(webhookdelivery.StatusPending),
		// updated_at is written in local time, as every TimeMixin column: compare in it.
		webhookdelivery.UpdatedAtLT(s.now().Add(-webhookLogRetention))).Exec(ctx)
	st.Deliveries += n
	if err != nil {
		return fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return nil
}

// RunWebhooks delivers due webhook deliveries until ctx ends, looking every poll
// interval and at once after this process enqueued some. Attempts in flight when ctx
// ends are finished (each is bounded by the attempt timeout) before it returns.
func (s *Service) RunWebhooks(ctx context.Context) {
	t := time.NewTicker(s.cfg.WebhookPoll)
	defer t.Stop()
	for {
		for {
			n, err := s.DeliverWebhooks(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "webhook deliveries failed", "err", err)
			}
			if n < webhookBatch || err != nil || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.webhookWake:
		}
	}
}

// wakeWebhooks tells this process's worker that deliveries were enqueued; other
// replicas find them at their next poll.
func (s *Service) wakeWebhooks() {
	select {
	case s.webhookWake <- struct{}{}:
	default:
	}
}

// DeliverWebhooks claims the deliveries due now (at most a batch) and makes one
// attempt at each, returning how many it claimed.
func (s *Service) DeliverWebhooks(ctx context.Context) (int, error) {
	now := s.now().UTC()
	ids, err := s.client.WebhookDelivery.Query().Where(dueDelivery(now)...).
		Order(ent.Asc(webhookdelivery.FieldNextAttemptAt), ent.Asc(webhookdelivery.FieldID)).
		Limit(webhookBatch).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	st, err := s.instanceSettings(ctx)
	if err != nil {
		return 0, err
	}
	client := s.webhookClients[0]
	if st.AllowLocalWebhooks {
		client = s.webhookClients[1]
	}
	// Attempts outlive ctx (shutdown): each has its own timeout, and its result is
	// recorded, so a stopped server does not leave a sent delivery looking unsent.
	attemptCtx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, webhookParallel)
	var wg sync.WaitGroup
	claimed := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		d, ok, err := s.claimDelivery(ctx, id)
		if err != nil {
			wg.Wait()
			return claimed, err
		}
		if !ok {
			continue // another worker has it
		}
		claimed++
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.attemptDelivery(attemptCtx, client, d)
		}()
	}
	wg.Wait()
	return claimed, nil
}

// dueDelivery selects deliveries to attempt at now: pending, due, and not leased.
func dueDelivery(now time.Time) []predicate.WebhookDelivery {
	return []predicate.WebhookDelivery{
		webhookdelivery.StatusEQ(webhookdelivery.StatusPending),
		webhookdelivery.NextAttemptAtLTE(now),
		webhookdelivery.Or(webhookdelivery.LeaseUntilIsNil(), webhookdelivery.LeaseUntilLT(now)),
	}
}

// claimDelivery takes delivery id if it is still due and unleased, counting the
// attempt; ok is false when another worker took it first.
func (s *Service) claimDelivery(ctx context.Context, id int) (*ent.WebhookDelivery, bool, error) {
	now := s.now().UTC()
	n, err := s.client.WebhookDelivery.Update().Where(append(dueDelivery(now), webhookdelivery.ID(id))...).
		AddAttempts(1).SetLeaseUntil(now.Add(s.cfg.WebhookTimeout + webhookLeaseSlack)).Save(ctx)
	if err != nil || n == 0 {
		return nil, false, err
	}
	d, err := s.client.WebhookDelivery.Query().Where(webhookdelivery.ID(id)).WithWebhook().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, false, nil // its hook was deleted since, and the delivery with it
	} else if err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// attemptDelivery POSTs d once and records the outcome: delivered on a 2xx answer;
// otherwise due again after the backoff, or failed after the last attempt.
func (s *Service) attemptDelivery(ctx context.Context, client *http.Client, d *ent.WebhookDelivery) {
	h := d.Edges.Webhook
	code, err := s.postDelivery(ctx, client, d)
	now := s.now().UTC()
	u := s.client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.Attempts(d.Attempts), webhookdelivery.StatusEQ(webhookdelivery.StatusPending)).
		ClearLeaseUntil()
	if code != 0 {
		u.SetResponseCode(code)
	}
	status := "delivered"
	switch {
	case err == nil:
		u.SetStatus(webhookdelivery.StatusDelivered).SetDeliveredAt(now).SetLastError("")
	case d.Attempts > len(s.cfg.WebhookBackoff):
		status = "failed"
		u.SetStatus(webhookdelivery.StatusFailed).SetLastError(shortError(err))
	default:
		status = "retry"
		u.SetNextAttemptAt(now.Add(s.cfg.WebhookBackoff[d.Attempts-1])).SetLastError(shortError(err))
	}
	if _, uerr := u.Save(ctx); uerr != nil {
		s.log.ErrorContext(ctx, "record webhook delivery", "delivery_id", d.ID, "err", uerr)
		return
	}
	// The URL and the secret stay out of the log: either may carry credentials.
	s.log.InfoContext(ctx, "webhook delivery", "delivery_id", d.ID, "webhook_id", h.ID, "event", d.Event,
		"attempt", d.Attempts, "code", code, "outcome", status)
}

// postDelivery sends one attempt and returns the response's status code (0 when
// there was none) and why the attempt failed (nil on 2xx).
func (s *Service) postDelivery(ctx context.Context, client *http.Client, d *ent.WebhookDelivery) (int, error) {
	h := d.Edges.Webhook
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WebhookTimeout)
	defer cancel()
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("invalid url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pkgreg-webhook")
	req.Header.Set("X-Registry-Event", string(d.Event))
	req.Header.Set("X-Registry-Delivery", strconv.Itoa(d.ID))
	if h.Secret != "" {
		req.Header.Set("X-Registry-Signature-256", Sign(h.Secret, body))
	}
	res, err := client.Do(req)
	if err != nil {
		// url.Error repeats the URL, which may hold credentials: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return res.StatusCode, nil
}

// Sign is the X-Registry-Signature-256 value of body: "sha256=" and the hex
// HMAC-SHA256 of the body keyed with the hook's secret (as GitHub and Gitea sign).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// shortError fits an attempt's error into the log column.
func shortError(err error) string {
	msg := err.Error()
	if len(msg) > 255 {
		msg = msg[:252] + "..."
	}
	return msg
}

// newWebhookClient sends deliveries: no redirects followed (a redirect is an answer
// that is not 2xx), no proxy from the environment, and unless allowLocal no
// connection to a local address, checked on the address actually dialled.
func newWebhookClient(timeout time.Duration, allowLocal bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !allowLocal {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ip, err := dialAddr(address)
			if err != nil || localAddr(ip) {
				return errors.New("requests to the local network are not allowed")
			}
			return nil
		}
	}
	return &http.Client{
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: timeout,
			MaxIdleConns: 10, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
