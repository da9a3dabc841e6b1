package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Publisher is the slice of the realtime hub the applier needs.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// CallbackPrefix marks our message id in biz_opaque_callback_data, so a
// status webhook can be matched to our message even when the send's wamid
// was never recorded (a crash between Meta's answer and our commit).
const CallbackPrefix = "gohavi:"

// CallbackData is the biz_opaque_callback_data for our message id.
func CallbackData(messageID int64) string { return CallbackPrefix + strconv.FormatInt(messageID, 10) }

func parseCallback(s string) int64 {
	rest, ok := strings.CutPrefix(s, CallbackPrefix)
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(rest, 10, 64)
	return id
}

// Applier turns stored webhook events into contacts, conversations,
// messages and status changes, then tells the workspace's agents.
type Applier struct {
	db      *store.DB
	hub     Publisher
	clock   domain.Clock
	log     *slog.Logger
	wake    chan struct{}
	batch   int
	Applied func(n int) // optional metrics hook
}

// NewApplier builds an applier; call Run to start it.
func NewApplier(db *store.DB, hub Publisher, clock domain.Clock, log *slog.Logger) *Applier {
	return &Applier{db: db, hub: hub, clock: clock, log: log, wake: make(chan struct{}, 1), batch: 500}
}

// Wake asks the applier to look for new events now.
func (a *Applier) Wake() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run applies pending events until ctx ends: first whatever a previous run
// left unapplied (crash recovery), then new events as they are committed.
// The periodic pass picks up events another node stored but did not apply.
func (a *Applier) Run(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		n, err := a.ApplyPending(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Error("applying webhooks", "err", err)
		}
		if n >= a.batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-tick.C:
		}
	}
}

// ApplyPending applies one batch of pending events and returns how many.
func (a *Applier) ApplyPending(ctx context.Context) (int, error) {
	var out []domain.Event
	var n int
	err := a.db.WithTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.ClaimUnappliedWebhookEvents(ctx, a.batch)
		if err != nil {
			return err
		}
		n = len(evs)
		ids := make([]int64, 0, len(evs))
		for _, ev := range evs {
			if err := a.applyEvent(ctx, tx, ev.Body, &out); err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
			ids = append(ids, ev.ID)
		}
		return tx.MarkWebhookEventsApplied(ctx, ids)
	})
	if err != nil {
		// One bad event must not block the rest: apply one at a time and
		// set aside the ones that still fail, with their reason.
		return a.applyOneByOne(ctx, err)
	}
	a.publish(ctx, out)
	if a.Applied != nil && n > 0 {
		a.Applied(n)
	}
	return n, nil
}

func (a *Applier) applyOneByOne(ctx context.Context, batchErr error) (int, error) {
	a.log.Warn("webhook batch failed; applying one by one", "err", batchErr)
	n := 0
	for ; n < a.batch && ctx.Err() == nil; n++ {
		var out []domain.Event
		var claimed *store.WebhookEvent
		var applyErr error
		err := a.db.WithTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.ClaimUnappliedWebhookEvents(ctx, 1)
			if err != nil || len(evs) == 0 {
				return err
			}
			claimed = &evs[0]
			if applyErr = a.applyEvent(ctx, tx, claimed.Body, &out); applyErr != nil {
				return applyErr
			}
			return tx.MarkWebhookEventsApplied(ctx, []int64{claimed.ID})
		})
		switch {
		case claimed == nil && err == nil:
			return n, nil // backlog empty
		case applyErr != nil:
			a.log.Error("webhook event set aside", "id", claimed.ID, "err", applyErr)
			if err := a.db.MarkWebhookEventFailed(ctx, claimed.ID, applyErr.Error()); err != nil {
				return n, err
			}
		case err != nil:
			return n, err
		}
		a.publish(ctx, out)
	}
	return n, ctx.Err()
}

func (a *Applier) publish(ctx context.Context, evs []domain.Event) {
	for _, ev := range evs {
		if _, err := a.hub.Publish(ctx, ev); err != nil {
			a.log.Warn("realtime publish failed", "type", ev.Type, "err", err)
		}
	}
}

// applyEvent applies one raw delivery. A body that is not a webhook at all
// is kept (it was stored) but has nothing to apply.
func (a *Applier) applyEvent(ctx context.Context, tx *store.Tx, body []byte, out *[]domain.Event) error {
	p, err := whatsapp.Parse(body)
	if err != nil || p.Object != "whatsapp_business_account" {
		return nil
	}
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue // management fields are applied by later features
			}
			v, err := ch.DecodeMessages()
			if err != nil {
				continue
			}
			if err := a.applyMessages(ctx, tx, v, out); err != nil {
				return err
			}
		}
	}
	return nil
}
