package crmsync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// queueTimeline turns the workspace's new messages into timeline entries,
// in message order, and moves the cursor in the same commit.
func (p *pass) queueTimeline(ctx context.Context) error {
	for range 20 { // bounded per pass, so other connections get their turn
		msgs, err := p.e.DB.MessagesAfter(ctx, p.conn.WorkspaceID, p.conn.TimelineCursor, 2*batchSize)
		if err != nil || len(msgs) == 0 {
			return err
		}
		entries := make([]store.CRMTimelineEntry, 0, len(msgs))
		for _, m := range msgs {
			if !p.settings.LogMessages {
				// Without a timeline a new customer still becomes a lead.
				if m.Direction == string(domain.Inbound) && p.settings.CreateLeads {
					if _, _, err := p.ensureLink(ctx, m.Phone, m.Name); err != nil && !permanent(err) {
						return err
					}
				}
				continue
			}
			entries = append(entries, store.CRMTimelineEntry{Key: "msg-" + strconv.FormatInt(m.ID, 10), MessageID: m.ID, Phone: m.Phone, At: m.At})
		}
		last := msgs[len(msgs)-1].ID
		if err := p.e.DB.QueueCRMTimeline(ctx, p.conn.ID, entries, last); err != nil {
			return err
		}
		p.conn.TimelineCursor = last
		if len(msgs) < 2*batchSize {
			return nil
		}
	}
	return nil
}

// permanent reports a failure that retrying will not fix: the item is set
// aside (and can be retried by a person), the rest of the work goes on.
func permanent(err error) bool {
	switch crm.KindOf(err) {
	case crm.KindInvalid, crm.KindNotFound, crm.KindConflict:
		return true
	}
	var de *domain.Error
	return errors.As(err, &de)
}

// writeTimeline writes pending entries, up to a batch per CRM call, in
// queue order. An entry tried before is marked uncertain, so a provider
// without idempotent writes looks for it before writing it again.
func (p *pass) writeTimeline(ctx context.Context) error {
	for range 10 {
		pending, err := p.e.DB.PendingCRMTimeline(ctx, p.conn.ID, batchSize)
		if err != nil || len(pending) == 0 {
			return err
		}
		var acts []crm.Activity
		var sent []store.CRMTimelineEntry
		var done []store.CRMTimelineWritten
		for _, t := range pending {
			if t.ContactCRMID == "" {
				name := ""
				if t.Message != nil {
					name = t.Message.Name
				}
				id, _, err := p.ensureLink(ctx, t.Phone, name)
				if err != nil && !permanent(err) {
					return err
				}
				if err != nil || id == "" {
					done = append(done, store.CRMTimelineWritten{ID: t.ID, State: store.TimelineFailed, Error: linkError(err)})
					continue
				}
				t.ContactCRMID = id
			}
			acts = append(acts, p.activity(t))
			sent = append(sent, t)
		}
		written, werr := p.log(ctx, acts, sent)
		for i, t := range sent {
			switch {
			case i < len(written) && written[i] != "":
				done = append(done, writtenEntry(t, written[i]))
			case refusedAt(werr, written, i):
				// The entry the CRM refused; those after it go next pass.
				done = append(done, store.CRMTimelineWritten{ID: t.ID, ContactCRMID: t.ContactCRMID, State: store.TimelineFailed, Error: werr.Error()})
				p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "timeline", Status: "failed", Subject: t.Phone, Detail: "the CRM refused a timeline entry",
					Error: werr.Error(), RefKind: "timeline", RefID: t.ID})
			}
		}
		if err := p.e.DB.MarkCRMTimeline(ctx, done); err != nil {
			return err
		}
		if n := countWritten(done); n > 0 {
			p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "timeline", Status: "ok", Detail: fmt.Sprintf("wrote %d timeline entries", n)})
		}
		if werr != nil && !permanent(werr) {
			return werr
		}
		if len(pending) < batchSize {
			return nil
		}
	}
	return nil
}

func linkError(err error) string {
	if err == nil {
		return "no CRM contact for this phone and lead creation is off"
	}
	return err.Error()
}

func countWritten(done []store.CRMTimelineWritten) int {
	n := 0
	for _, d := range done {
		if d.State != store.TimelineFailed {
			n++
		}
	}
	return n
}

// log counts an attempt on the entries, then writes them.
func (p *pass) log(ctx context.Context, acts []crm.Activity, entries []store.CRMTimelineEntry) ([]string, error) {
	if len(acts) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(entries))
	for i, t := range entries {
		ids[i] = t.ID
	}
	if err := p.e.DB.BeginCRMTimelineWrite(ctx, ids); err != nil {
		return nil, err
	}
	return p.cl.Log(ctx, acts)
}

// updateTimeline rewrites the entries of outbound messages whose status
// moved on (delivered, read, failed), so the timeline ends with the
// message's final status.
func (p *pass) updateTimeline(ctx context.Context) error {
	ups, err := p.e.DB.CRMTimelineUpdates(ctx, p.conn.ID, batchSize)
	if err != nil || len(ups) == 0 {
		return err
	}
	acts := make([]crm.Activity, len(ups))
	for i, t := range ups {
		acts[i] = p.activity(t)
	}
	written, werr := p.cl.Log(ctx, acts)
	var done []store.CRMTimelineWritten
	for i, t := range ups {
		switch {
		case i < len(written) && written[i] != "":
			done = append(done, writtenEntry(t, written[i]))
		case refusedAt(werr, written, i):
			// The entry stays as first written; the update is what the CRM
			// refused, so it is not tried again.
			status, _ := entryStatus(t)
			done = append(done, store.CRMTimelineWritten{ID: t.ID, ContactCRMID: t.ContactCRMID, Status: status, State: store.TimelineFinal, Error: werr.Error()})
		}
	}
	if err := p.e.DB.MarkCRMTimeline(ctx, done); err != nil {
		return err
	}
	if werr != nil && !permanent(werr) {
		return werr
	}
	return nil
}

// writtenEntry records an entry the CRM took under id: final when its
// message can no longer change status, else logged, to be updated later.
func writtenEntry(t store.CRMTimelineEntry, id string) store.CRMTimelineWritten {
	status, final := entryStatus(t)
	state := store.TimelineLogged
	if final {
		state = store.TimelineFinal
	}
	return store.CRMTimelineWritten{ID: t.ID, ContactCRMID: t.ContactCRMID, CRMEntryID: id, Status: status, State: state}
}

// refusedAt reports whether entry i is the one a Log call stopped at
// because the CRM refused it (Log returns the ids written before it).
func refusedAt(werr error, written []string, i int) bool {
	return werr != nil && permanent(werr) && i == len(written)
}

// entryStatus is the status an entry shows and whether it can still change.
func entryStatus(t store.CRMTimelineEntry) (string, bool) {
	if t.Message == nil {
		return "", true
	}
	m := t.Message
	if m.Direction == string(domain.Inbound) {
		return m.Status, true
	}
	switch domain.Status(m.Status) {
	case domain.StatusRead, domain.StatusFailed:
		return m.Status, true
	}
	return m.Status, false
}

// activity renders an entry for the CRM.
func (p *pass) activity(t store.CRMTimelineEntry) crm.Activity {
	a := crm.Activity{Key: "gohavi-" + t.Key, ContactID: t.ContactCRMID, Module: p.settings.module(p.conn.Provider),
		Direction: "notice", Title: t.Title, Body: t.Body, At: t.At, ID: t.CRMEntryID, Uncertain: t.Attempts > 0}
	if m := t.Message; m != nil {
		a.Direction = m.Direction
		a.Title = fmt.Sprintf("WhatsApp · %s · %s", m.Direction, m.Phone)
		a.Body = messageBody(*m)
	}
	return a
}

func messageBody(m store.TimelineMessage) string {
	text := m.Text
	if text == "" {
		text = "[" + m.Type + "]"
	}
	var b strings.Builder
	if m.Direction == string(domain.Inbound) {
		fmt.Fprintf(&b, "Inbound WhatsApp from %s: %s", m.Phone, text)
		return b.String()
	}
	fmt.Fprintf(&b, "Outbound WhatsApp to %s: %s\nStatus: %s", m.Phone, text, m.Status)
	if m.ErrorCode != 0 {
		fmt.Fprintf(&b, " (Meta error %d: %s)", m.ErrorCode, m.ErrorTitle)
	}
	return b.String()
}
