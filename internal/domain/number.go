package domain

import "time"

// Number is a WhatsApp business phone number connected to a workspace.
type Number struct {
	ID                 int64
	WorkspaceID        int64
	WABAID             string
	PhoneNumberID      string // Meta's id, the routing key of webhooks
	DisplayPhoneNumber string // digits, as Meta shows it
	VerifiedName       string
	QualityRating      string
	AccessTokenEnc     []byte // AES-GCM sealed token
	Sandbox            bool
	Health             NumberHealth
	// DisconnectedAt is when the number was disconnected (zero while
	// connected); its conversations and history stay.
	DisconnectedAt time.Time
	// CallbackOverride is the webhook URL set for this number at Meta, if
	// it differs from the app's.
	CallbackOverride string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Portfolio keys the messaging limit the number shares: Meta counts per
// business portfolio; until its id is known, the WABA stands for it.
func (n Number) Portfolio() string { return n.WABAID }

// Connected reports whether the number is in use (not disconnected).
func (n Number) Connected() bool { return n.DisconnectedAt.IsZero() }
