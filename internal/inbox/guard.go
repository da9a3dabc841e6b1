package inbox

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Guard checks a send inside its transaction, once the conversation is
// known (see outbound.Request.InTx).
type Guard func(context.Context, *store.Tx, domain.Message) error

// ReplyGuard is the one check on who may send into a conversation: an
// agent limited to their own and unassigned conversations (agents_see)
// sends into no one else's, and where the workspace blocks replies by
// non-assignees, nobody bound by it replies in a colleague's. It reads
// the assignee in the send's transaction, so an assignment that lands
// first is seen and the refusal undoes the send. notSeen words the first
// refusal for its caller: the API answers not found, a scheduled send
// says who has the conversation now. nil when neither setting binds p.
func ReplyGuard(ctx context.Context, db *store.DB, p domain.Principal, notSeen func(assignee string) error) (Guard, error) {
	st, err := db.WorkspaceSettings(ctx, p.WorkspaceID)
	see, rule := st.AgentsSee, st.NonAssigneeReply
	if err != nil || (!see.Restricted(p) && !rule.Binds(p)) {
		return nil, err
	}
	return func(ctx context.Context, tx *store.Tx, m domain.Message) error {
		a, name, err := tx.ConversationAssigneeName(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		if !see.Sees(p, a) {
			return notSeen(name)
		}
		return rule.CheckReplier(p, a, name)
	}, nil
}
