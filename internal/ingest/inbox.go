package ingest

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// assignment is a conversation to offer to the round-robin once the
// apply transaction commits.
type assignment struct{ workspaceID, convID int64 }

// inboundWork is the team's side of a customer message, after NoteInbound
// has reopened a snoozed or resolved conversation: the reopening goes in
// the activity log, and a conversation nobody has that the customer just
// started (or came back to) is queued for auto-assignment.
func (a *Applier) inboundWork(ctx context.Context, ac *applyCtx, prior store.ConversationState, conv domain.Conversation, contact domain.Contact) error {
	reopened := prior.Status == domain.ConvSnoozed || prior.Status == domain.ConvResolved
	if reopened {
		err := ac.tx.AddActivity(ctx, domain.ConvActivity{WorkspaceID: conv.WorkspaceID, ConversationID: conv.ID, Kind: domain.ActivityStatus,
			Actor: domain.Actor{Kind: domain.ActorCustomer, ID: contact.ID}, Status: conv.Status, FromStatus: prior.Status})
		if err != nil {
			return err
		}
	}
	if conv.AssigneeID != 0 || !(reopened || prior.LastInboundAt == 0) {
		return nil
	}
	on, err := ac.tx.RoundRobinOn(ctx, conv.WorkspaceID)
	if on {
		ac.after.assign = append(ac.after.assign, assignment{workspaceID: conv.WorkspaceID, convID: conv.ID})
	}
	return err
}

// autoAssign runs the round-robin for conversations a committed batch
// started or reopened, each in its own short transaction (see
// store.AutoAssign), and tells the agents. A failure leaves the
// conversation unassigned, where people see it; it is logged, not retried.
func (a *Applier) autoAssign(ctx context.Context, todo []assignment) {
	for _, t := range todo {
		conv, ok, err := a.db.AutoAssign(ctx, t.workspaceID, t.convID)
		if err != nil {
			a.log.Warn("auto-assignment failed", "conversation", t.convID, "err", err)
			continue
		}
		if ok {
			a.publish(ctx, []domain.Event{view.Event(t.workspaceID, domain.EventConversationUpdated, view.NewConversation(conv, a.clock.Now()))})
		}
	}
}
