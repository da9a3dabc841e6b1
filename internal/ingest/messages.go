package ingest

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// opensWindow reports whether an inbound type is the customer writing (and
// so opens the 24-hour window). A "system" notice is WhatsApp's, not theirs.
func opensWindow(typ string) bool { return typ != "system" }

func (a *Applier) applyMessages(ctx context.Context, ac *applyCtx, v whatsapp.MessagesValue) error {
	num, err := ac.number(ctx, v.Metadata.PhoneNumberID)
	if err != nil || num == nil {
		return err // nil number: not ours (any more); kept in webhook_events, ignored
	}
	names := make(map[string]string, len(v.Contacts))
	for _, c := range v.Contacts {
		names[c.WaID] = c.Profile.Name
	}
	for _, m := range v.Messages {
		if m.From == "" || m.ID == "" {
			continue
		}
		if err := a.applyInbound(ctx, ac, *num, m, names[m.From]); err != nil {
			return err
		}
	}
	for _, s := range v.Statuses {
		if err := a.applyStatus(ctx, ac, *num, s); err != nil {
			return err
		}
	}
	return nil
}

// applyCalls records each call a customer placed as a "call" message
// (once per call id), which opens the window as the spec says (§5.5).
func (a *Applier) applyCalls(ctx context.Context, ac *applyCtx, v whatsapp.CallsValue) error {
	num, err := ac.number(ctx, v.Metadata.PhoneNumberID)
	if err != nil || num == nil {
		return err
	}
	names := make(map[string]string, len(v.Contacts))
	for _, c := range v.Contacts {
		names[c.WaID] = c.Profile.Name
	}
	for _, c := range v.Calls {
		if !c.FromCustomer() || c.From == "" || c.ID == "" {
			continue
		}
		if err := a.applyInbound(ctx, ac, *num, c.AsInbound(), names[c.From]); err != nil {
			return err
		}
	}
	return nil
}

func (a *Applier) applyInbound(ctx context.Context, ac *applyCtx, num domain.Number, m whatsapp.InboundMessage, name string) error {
	tx := ac.tx
	contact, err := tx.UpsertContact(ctx, num.WorkspaceID, m.From, "+"+m.From, name)
	if err != nil {
		return err
	}
	prior, err := tx.EnsureConversationState(ctx, num.WorkspaceID, num.ID, contact.ID)
	if err != nil {
		return err
	}
	convID := prior.ID
	ts := m.Time()
	if ts.IsZero() {
		ts = a.clock.Now()
	}
	replyTo := ""
	if m.Context != nil {
		replyTo = m.Context.ID
	}
	msg := domain.Message{
		WorkspaceID: num.WorkspaceID, ConversationID: convID, NumberID: num.ID, ContactID: contact.ID,
		Direction: domain.Inbound, Type: m.Type, Text: m.FullText(), Payload: m.TypePayload(),
		WAMID: m.ID, Status: domain.StatusReceived, ReplyTo: replyTo, Timestamp: ts, Forwarded: forwarded(m),
	}
	stored, inserted, err := tx.InsertMessage(ctx, msg)
	if err != nil || !inserted {
		return err // a retried delivery changes nothing
	}
	file, err := a.recordMedia(ctx, ac, num, stored, m)
	if err != nil {
		return err
	}
	if err := a.inboundConsent(ctx, ac, num, contact, m); err != nil {
		return err
	}
	if len(m.Referral) > 0 && string(m.Referral) != "null" {
		// Came from a click-to-WhatsApp ad: answering within 24 hours
		// opens the free-entry-point window.
		if err := tx.NoteAdReferral(ctx, convID, domain.Millis(ts.Add(domain.FEPReplyWithin))); err != nil {
			return err
		}
	}
	var conv domain.Conversation
	if opensWindow(m.Type) {
		conv, err = tx.NoteInbound(ctx, convID, domain.Millis(ts), domain.Millis(domain.WindowExpiry(ts)), stored.Text, contact)
		if err == nil {
			err = a.inboundWork(ctx, ac, prior, conv, contact)
		}
	} else {
		conv, err = tx.NoteOutbound(ctx, convID, domain.Millis(ts), stored.Text, contact)
	}
	if err != nil {
		return err
	}
	mv, err := messageView(ctx, tx, stored)
	if err != nil {
		return err
	}
	mv.Media = file
	ac.out = append(ac.out,
		view.Event(num.WorkspaceID, domain.EventMessageCreated, mv),
		view.Event(num.WorkspaceID, domain.EventConversationUpdated, view.NewConversation(conv, a.clock.Now())))
	if m.Type == "reaction" {
		return a.applyReaction(ctx, ac, stored, m)
	}
	return nil
}

var statusByName = map[string]domain.Status{
	"sent":      domain.StatusSent,
	"delivered": domain.StatusDelivered,
	"read":      domain.StatusRead,
	"played":    domain.StatusRead,
	"failed":    domain.StatusFailed,
}

func (a *Applier) applyStatus(ctx context.Context, ac *applyCtx, num domain.Number, s whatsapp.StatusUpdate) error {
	tx := ac.tx
	st, ok := statusByName[s.Status]
	if !ok || s.ID == "" {
		return nil
	}
	ch := store.StatusChange{Status: st, WAMID: s.ID}
	if st == domain.StatusFailed && len(s.Errors) > 0 {
		e := s.Errors[0]
		ch.ErrorCode, ch.ErrorTitle, ch.ErrorDetail = e.Code, e.Title, e.ErrorData.Details
	}
	// The common case in one statement: a known wamid moving forward.
	if m, ok, err := tx.AdvanceStatusByWAMID(ctx, num.ID, s.ID, ch); err != nil || ok {
		if ok {
			ac.out = append(ac.out, view.Event(num.WorkspaceID, domain.EventMessageUpdated, view.NewMessage(m, whatsapp.Describe)))
			return a.settled(ctx, ac, m, s)
		}
		return err
	}
	msg, err := tx.MessageByWAMID(ctx, num.ID, s.ID)
	if err == nil {
		return nil // known, and not a step forward: a late or repeated status
	}
	if domain.IsNotFound(err) {
		// Our wamid may be missing: match by the id we sent along.
		id := parseCallback(s.BizOpaqueCallbackData)
		if id == 0 {
			return nil // sent by another tool on this number
		}
		msg, err = tx.MessageByID(ctx, id)
		if domain.IsNotFound(err) || (err == nil && msg.NumberID != num.ID) {
			return nil
		}
	}
	if err != nil {
		return err
	}
	updated, changed, err := tx.UpdateMessageStatus(ctx, msg.ID, ch)
	if err != nil || !changed {
		return err
	}
	ac.out = append(ac.out, view.Event(num.WorkspaceID, domain.EventMessageUpdated, view.NewMessage(updated, whatsapp.Describe)))
	return a.settled(ctx, ac, updated, s)
}
