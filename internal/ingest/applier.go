package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
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
	workers int         // concurrent apply loops
	busy    func() bool // the writer has requests waiting (see NewPipeline)
	Applied func(n int) // optional metrics hook
	// KeywordHook, if set, is called after the apply transaction commits
	// for each opt-out/opt-in keyword an inbound text carried (action is
	// domain.ConsentOptOut or domain.ConsentOptIn, language the keyword's),
	// so the app can send the confirmation reply in that language. The
	// applier itself sends nothing.
	KeywordHook func(ctx context.Context, workspaceID, numberID int64, waID, action, language string)
	// Keywords caches each workspace's keyword lists; whoever changes a
	// workspace's lists on this node calls Keywords.Invalidate.
	Keywords *Keywords
	// MediaJobs, if set, enqueues the download of each customer's file in
	// the transaction that applies its message (media.go).
	MediaJobs JobInserter
}

// NewApplier builds an applier; call Run to start it.
func NewApplier(db *store.DB, hub Publisher, clock domain.Clock, log *slog.Logger) *Applier {
	// PostgreSQL: applying is bound by round trips, not CPU, and claims
	// skip each other's rows, so several loops run side by side.
	batch, workers := 100, 4
	if db.Dialect == store.SQLite {
		// SQLite has one writer: short apply transactions let the ingest
		// writer's group commits in between, so a burst of webhooks is
		// acknowledged at full speed and applied right behind.
		batch, workers = 64, 1
	}
	return &Applier{db: db, hub: hub, clock: clock, log: log, wake: make(chan struct{}, workers), batch: batch, workers: workers,
		Keywords: NewKeywords(clock)}
}

// applyCtx carries what one apply transaction reuses across its events.
type applyCtx struct {
	tx      *store.Tx
	out     []domain.Event
	numbers map[string]*domain.Number // by phone_number_id; nil value = not ours
	after   afterCommit               // work done once the transaction commits
}

func newApplyCtx(tx *store.Tx) *applyCtx {
	return &applyCtx{tx: tx, numbers: map[string]*domain.Number{}}
}

// number routes by phone_number_id, once per transaction.
func (c *applyCtx) number(ctx context.Context, pnid string) (*domain.Number, error) {
	if n, ok := c.numbers[pnid]; ok {
		return n, nil
	}
	n, err := c.tx.NumberByPhoneNumberID(ctx, pnid)
	if domain.IsNotFound(err) {
		c.numbers[pnid] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.numbers[pnid] = &n
	return &n, nil
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
	var wg sync.WaitGroup
	for i := range a.workers {
		wg.Add(1)
		go func() { defer wg.Done(); a.loop(ctx, i) }()
	}
	wg.Wait()
}

func (a *Applier) loop(ctx context.Context, i int) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		n, err := a.ApplyPending(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Error("applying webhooks", "err", err)
		}
		if n >= a.batch {
			a.Wake() // more to do: bring the other loops in
			a.yield(ctx, i)
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

// While webhooks wait to be acknowledged the applier steps aside, checking
// every yieldStep, for at most yieldMax per batch. Acknowledging first
// matters more: Meta retries slow deliveries (each retry a duplicate to
// absorb), and what is stored is safe; the backlog is applied as soon as
// the burst eases. yieldMax keeps the inbox moving even under sustained
// overload; only the first loop has it, the others wait out the burst.
const (
	batchTimeout = 30 * time.Second
	yieldStep    = 5 * time.Millisecond
	yieldMax     = 200 * time.Millisecond
)

func (a *Applier) yield(ctx context.Context, loop int) {
	if a.busy == nil {
		return
	}
	t := time.NewTicker(yieldStep)
	defer t.Stop()
	for waited := time.Duration(0); a.busy() && (loop > 0 || waited < yieldMax); waited += yieldStep {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ApplyPending applies one batch of pending events and returns how many.
func (a *Applier) ApplyPending(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	// A batch, once started, finishes even when shutdown begins: cancelling
	// it mid-commit would leave its outcome unknown here (PostgreSQL may
	// have committed while the client saw an error), so the commit's
	// realtime events and keyword replies would be lost. The bound keeps a
	// stuck database from holding shutdown forever.
	stop := ctx
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	// Apply loops on PostgreSQL can deadlock on shared conversation rows;
	// the database aborts one of them, which simply tries its batch again.
	for attempt := 1; ; attempt++ {
		n, err := a.applyBatch(ctx)
		if err == nil || attempt == 3 || !store.IsConflict(err) || stop.Err() != nil {
			if err != nil {
				// One bad event must not block the rest: apply one at a
				// time and set aside the ones that still fail.
				n, err = a.applyOneByOne(ctx, stop, err)
				if a.Applied != nil && n > 0 {
					a.Applied(n)
				}
			}
			return n, err
		}
	}
}

func (a *Applier) applyBatch(ctx context.Context) (int, error) {
	var done *applyCtx
	var n int
	err := a.db.WithTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.ClaimUnappliedWebhookEvents(ctx, a.batch)
		if err != nil {
			return err
		}
		n = len(evs)
		ids := make([]int64, 0, len(evs))
		ac := newApplyCtx(tx)
		defer func() { done = ac }()
		for _, ev := range evs {
			if err := a.applyEvent(ctx, ac, ev.Body); err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
			ids = append(ids, ev.ID)
		}
		return tx.MarkWebhookEventsApplied(ctx, ids)
	})
	if err != nil {
		return 0, err
	}
	a.committed(ctx, done)
	if a.Applied != nil && n > 0 {
		a.Applied(n)
	}
	return n, nil
}

func (a *Applier) applyOneByOne(ctx, stop context.Context, batchErr error) (int, error) {
	a.log.Warn("webhook batch failed; applying one by one", "err", batchErr)
	n := 0
	for ; n < a.batch && stop.Err() == nil; n++ {
		var done *applyCtx
		var claimed *store.WebhookEvent
		var applyErr error
		err := a.db.WithTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.ClaimUnappliedWebhookEvents(ctx, 1)
			if err != nil || len(evs) == 0 {
				return err
			}
			claimed = &evs[0]
			ac := newApplyCtx(tx)
			defer func() { done = ac }()
			if applyErr = a.applyEvent(ctx, ac, claimed.Body); applyErr != nil {
				return applyErr
			}
			return tx.MarkWebhookEventsApplied(ctx, []int64{claimed.ID})
		})
		switch {
		case claimed == nil && err == nil:
			return n, nil // backlog empty
		case applyErr != nil:
			done = nil // rolled back: nothing to publish or call
			a.log.Error("webhook event set aside", "id", claimed.ID, "err", applyErr)
			if err := a.db.MarkWebhookEventFailed(ctx, claimed.ID, applyErr.Error()); err != nil {
				return n, err
			}
		case err != nil:
			return n, err
		}
		a.committed(ctx, done)
	}
	return n, stop.Err()
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
func (a *Applier) applyEvent(ctx context.Context, ac *applyCtx, body []byte) error {
	p, err := whatsapp.Parse(body)
	if err != nil || p.Object != "whatsapp_business_account" {
		return nil
	}
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if err := a.applyChange(ctx, ac, e, ch); err != nil {
				return err
			}
		}
	}
	return nil
}
