package ingest

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Consent sources and actor the applier records (domain.ConsentEvent).
const (
	SourceKeyword         = "keyword"
	SourceCustomerStarted = "customer_started"
	SourceMetaPreferences = "meta_preferences"
	SourceMeta131050      = "meta_131050"
	ActorMeta             = "meta"     // Meta told us (user_preferences, 131050)
	ActorCustomer         = "customer" // the customer wrote (keywords, first message)
)

// Meta's error for a customer who stopped marketing messages (§4.2, §10).
const codeMarketingStopped = 131050

// keywordEvent is a keyword to hand to Applier.KeywordHook after commit.
type keywordEvent struct {
	workspaceID, numberID  int64
	waID, action, language string
}

// afterCommit is what an apply transaction leaves to do once committed.
type afterCommit struct {
	tiers    map[string]string // portfolio id → tier; the last one wins
	keywords []keywordEvent
	assign   []assignment // conversations for the round-robin (inbox.go)
}

func (c *afterCommit) setTier(portfolio, tier string) {
	if portfolio == "" || tier == "" {
		return
	}
	if c.tiers == nil {
		c.tiers = map[string]string{}
	}
	c.tiers[portfolio] = tier
}

// committed runs a committed transaction's follow-ups: realtime events,
// portfolio tiers (store.DB.SetPortfolioTier has no Tx variant; a crash
// in between loses the update until Meta sends the next one), and the
// keyword hook. ac nil means there is nothing to do.
func (a *Applier) committed(ctx context.Context, ac *applyCtx) {
	if ac == nil {
		return
	}
	a.publish(ctx, ac.out)
	a.autoAssign(ctx, ac.after.assign)
	for portfolio, tier := range ac.after.tiers {
		if err := a.db.SetPortfolioTier(ctx, portfolio, tier); err != nil {
			a.log.Error("setting portfolio tier", "portfolio", portfolio, "tier", tier, "err", err)
		}
	}
	if a.KeywordHook != nil {
		for _, k := range ac.after.keywords {
			a.KeywordHook(ctx, k.workspaceID, k.numberID, k.waID, k.action, k.language)
		}
	}
}

// addConsentOnce appends e unless the contact already has an event with
// the same action, source and evidence: replaying a webhook adds nothing.
func addConsentOnce(ctx context.Context, ac *applyCtx, e domain.ConsentEvent) (bool, error) {
	return ac.tx.AddConsentEventOnce(ctx, e)
}

// hasConsentEvents reports whether the contact's ledger has any event.
func hasConsentEvents(ctx context.Context, ac *applyCtx, workspaceID, contactID int64) (bool, error) {
	return ac.tx.HasConsentEvents(ctx, workspaceID, contactID)
}

// inboundConsent records what a newly stored inbound message says about
// consent. It runs once per message (only when the message was inserted),
// so a replayed delivery adds nothing.
//   - A text that is exactly one of the workspace's keywords (Keywords)
//     records opt_out / opt_in (source keyword, evidence the wamid, wording
//     the body) and queues the hook with the keyword's language.
//   - Otherwise, the first message of a contact created in this apply
//     transaction (created_at equals the transaction's time) whose ledger
//     is still empty records opt_in with source customer_started. A keyword
//     as the very first message records only the keyword event.
func (a *Applier) inboundConsent(ctx context.Context, ac *applyCtx, num domain.Number, contact domain.Contact, m whatsapp.InboundMessage) error {
	if m.Type == "text" && m.Text != nil && mayBeKeyword(m.Text.Body) {
		set, err := a.Keywords.set(ctx, ac.tx, num.WorkspaceID)
		if err != nil {
			return err
		}
		if action, language := set.Match(m.Text.Body); action != "" {
			if _, err := ac.tx.AddConsentEvent(ctx, domain.ConsentEvent{
				WorkspaceID: num.WorkspaceID, ContactID: contact.ID, Action: action, Source: SourceKeyword,
				Wording: m.Text.Body, Evidence: m.ID, Actor: ActorCustomer,
			}); err != nil {
				return err
			}
			ac.after.keywords = append(ac.after.keywords, keywordEvent{num.WorkspaceID, num.ID, contact.WaID, action, language})
			return nil
		}
	}
	if !opensWindow(m.Type) || domain.Millis(contact.CreatedAt) != ac.tx.Now() {
		return nil
	}
	if has, err := hasConsentEvents(ctx, ac, num.WorkspaceID, contact.ID); err != nil || has {
		return err
	}
	_, err := ac.tx.AddConsentEvent(ctx, domain.ConsentEvent{
		WorkspaceID: num.WorkspaceID, ContactID: contact.ID, Action: domain.ConsentOptIn, Source: SourceCustomerStarted,
		Evidence: m.ID, Actor: ActorCustomer,
	})
	return err
}

// failedConsent records a marketing opt-out when a send failed with
// 131050 (the customer stopped marketing messages), once per wamid.
func (a *Applier) failedConsent(ctx context.Context, ac *applyCtx, msg domain.Message, s whatsapp.StatusUpdate) error {
	if s.Status != "failed" || msg.ContactID == 0 {
		return nil
	}
	for _, e := range s.Errors {
		if e.Code == codeMarketingStopped {
			_, err := addConsentOnce(ctx, ac, domain.ConsentEvent{
				WorkspaceID: msg.WorkspaceID, ContactID: msg.ContactID, Action: domain.ConsentOptOutMarketing,
				Source: SourceMeta131050, Wording: e.Title, Evidence: s.ID, Actor: ActorMeta,
			})
			return err
		}
	}
	return nil
}
