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
	CreatedAt          time.Time
	UpdatedAt          time.Time
}
