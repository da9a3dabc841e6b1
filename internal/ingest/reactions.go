package ingest

import (
	"context"
	"encoding/json"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func forwarded(m whatsapp.InboundMessage) bool {
	return m.Context != nil && (m.Context.Forwarded || m.Context.FrequentlyForwarded)
}

// quoteOf resolves the message m quotes to ours, so a live event shows the
// quote as the thread will.
func quoteOf(ctx context.Context, tx *store.Tx, m domain.Message) (*view.MessageContext, error) {
	if m.ReplyTo == "" {
		return view.NewContext("", nil, m.Forwarded), nil
	}
	q, err := tx.MessageByWAMID(ctx, m.NumberID, m.ReplyTo)
	if domain.IsNotFound(err) {
		return view.NewContext(m.ReplyTo, nil, m.Forwarded), nil
	}
	if err != nil {
		return nil, err
	}
	return view.NewContext(m.ReplyTo, &view.Quote{ID: q.ID, Text: q.Text}, m.Forwarded), nil
}

// messageView renders a message for an event with its quote.
func messageView(ctx context.Context, tx *store.Tx, m domain.Message) (view.Message, error) {
	v := view.NewMessage(m, whatsapp.Describe)
	var err error
	v.Context, err = quoteOf(ctx, tx, m)
	return v, err
}

// reactionEvent is the message.updated for target after its reactions
// changed, in the shape the thread shows it.
func reactionEvent(ctx context.Context, tx *store.Tx, target domain.Message) (domain.Event, error) {
	rs, err := tx.ReactionsOf(ctx, target.ID)
	if err != nil {
		return domain.Event{}, err
	}
	v, err := messageView(ctx, tx, target)
	if err != nil {
		return domain.Event{}, err
	}
	return view.Event(target.WorkspaceID, domain.EventMessageUpdated, view.NewReactedMessage(v, view.NewReactions(rs))), nil
}

// reactionTarget finds the message a reaction points at. A reaction to
// a message we do not hold, or to a reaction, stays a message only.
func reactionTarget(ctx context.Context, tx *store.Tx, numberID int64, wamid string) (domain.Message, bool, error) {
	if wamid == "" {
		return domain.Message{}, false, nil
	}
	t, err := tx.MessageByWAMID(ctx, numberID, wamid)
	if domain.IsNotFound(err) || (err == nil && t.Type == "reaction") {
		return domain.Message{}, false, nil
	}
	return t, err == nil, err
}

// applyReaction puts a customer's reaction (stored as message stored) on
// the message it reacts to.
func (a *Applier) applyReaction(ctx context.Context, ac *applyCtx, stored domain.Message, m whatsapp.InboundMessage) error {
	if m.Reaction == nil {
		return nil
	}
	target, ok, err := reactionTarget(ctx, ac.tx, stored.NumberID, m.Reaction.MessageID)
	if err != nil || !ok {
		return err
	}
	changed, err := ac.tx.UpsertReaction(ctx, domain.Reaction{MessageID: target.ID, WorkspaceID: stored.WorkspaceID, Reactor: m.From,
		Direction: domain.Inbound, Emoji: m.Reaction.Emoji, SourceID: stored.ID, At: stored.Timestamp})
	if err != nil || !changed {
		return err
	}
	ev, err := reactionEvent(ctx, ac.tx, target)
	if err == nil {
		ac.out = append(ac.out, ev)
	}
	return err
}

// OwnReactionSettled keeps the business's reaction in step with the
// reaction message that carries it, m, whose status just changed: once
// Meta accepted it (sent) it shows on its target, and if Meta fails it
// after all it comes off again. It returns the target's message.updated
// when anything changed. Reactions are shown on acceptance, not on
// submit, so one refused or failed never has to be taken back.
func OwnReactionSettled(ctx context.Context, tx *store.Tx, m domain.Message) (*domain.Event, error) {
	if m.Type != "reaction" || m.Direction != domain.Outbound || (m.Status != domain.StatusSent && m.Status != domain.StatusFailed) {
		return nil, nil
	}
	var body struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	}
	if json.Unmarshal(m.Payload, &body) != nil {
		return nil, nil
	}
	target, ok, err := reactionTarget(ctx, tx, m.NumberID, body.MessageID)
	if err != nil || !ok {
		return nil, err
	}
	var changed bool
	if m.Status == domain.StatusFailed {
		changed, err = tx.DropReactionFrom(ctx, target.ID, m.ID)
	} else {
		var digits string
		if digits, err = tx.NumberDigits(ctx, m.NumberID); err != nil {
			return nil, err
		}
		// Timed by when the agent reacted, so of two quick changes the
		// later one wins whichever Meta accepts first.
		changed, err = tx.UpsertReaction(ctx, domain.Reaction{MessageID: target.ID, WorkspaceID: m.WorkspaceID, Reactor: digits,
			Direction: domain.Outbound, Emoji: body.Emoji, UserID: m.SentBy, SourceID: m.ID, At: m.CreatedAt})
	}
	if err != nil || !changed {
		return nil, err
	}
	ev, err := reactionEvent(ctx, tx, target)
	return &ev, err
}

// settled runs what follows a status change of our message m.
func (a *Applier) settled(ctx context.Context, ac *applyCtx, m domain.Message, s whatsapp.StatusUpdate) error {
	ev, err := OwnReactionSettled(ctx, ac.tx, m)
	if err != nil {
		return err
	}
	if ev != nil {
		ac.out = append(ac.out, *ev)
	}
	return a.failedConsent(ctx, ac, m, s)
}
