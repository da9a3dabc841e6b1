package appointments

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// reconcile catches up on bookings made while no webhook could reach GoHavi
// (a subscription Calendly disabled, or one just re-created): every active
// upcoming invitee GoHavi does not know is applied as if its
// invitee.created had arrived, so it gets its confirmation and reminders.
// It reports how many bookings it added.
func (e *Engine) reconcile(ctx context.Context, c store.CalendlyConnection) (int, error) {
	tok, err := e.token(ctx, c)
	if err != nil {
		return 0, err
	}
	user := c.UserURI
	if c.Scope == "organization" {
		user = ""
	}
	evs, err := e.API.Events(ctx, tok, c.OrganizationURI, user, e.Clock.Now(), "active")
	if err != nil {
		return 0, err
	}
	s := parseSettings(c.Settings)
	added := 0
	for _, ev := range evs {
		invs, err := e.API.Invitees(ctx, tok, ev.URI, "active")
		if err != nil {
			return added, err
		}
		for _, inv := range invs {
			inv.ScheduledEvent = &ev
			if inv.Event == "" {
				inv.Event = ev.URI
			}
			err := e.DB.WithTx(ctx, func(tx *store.Tx) error {
				_, err := tx.BookingByInvitee(ctx, c.ID, inv.URI)
				if !domain.IsNotFound(err) {
					return err // known (or a read error)
				}
				added++
				return e.created(ctx, tx, c, s, inv)
			})
			if err != nil {
				return added, err
			}
		}
	}
	return added, nil
}
