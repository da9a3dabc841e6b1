package appointments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Receive checks one delivery and stores it before Calendly gets its 2xx;
// applying it happens in the next pass. A redelivery (same event, invitee,
// status and updated_at) is stored once.
func (e *Engine) Receive(ctx context.Context, hookKey string, body []byte, signature string) error {
	e.init()
	c, err := e.DB.CalendlyConnectionByHookKey(ctx, hookKey)
	if domain.IsNotFound(err) {
		return domain.Errorf(domain.CodeNotFound, "This delivery URL belongs to no Calendly connection; delete the subscription in Calendly or connect again.", "unknown Calendly webhook URL")
	}
	if err != nil {
		return err
	}
	key, err := e.signingKey(c)
	if err != nil {
		return domain.Errorf(domain.CodeInternal, "GOHAVI_SECRET_KEY differs from the key the signing key was stored with; connect Calendly again.", "cannot decrypt the webhook signing key")
	}
	if key == "" {
		return domain.Errorf(domain.CodeBadSignature, "Set GOHAVI_CALENDLY_WEBHOOK_SIGNING_KEY to the OAuth app's webhook signing key.", "no signing key to check this delivery with")
	}
	if err := calendly.Verify(key, body, signature, e.Clock.Now()); err != nil {
		remedy := "Deliveries must carry Calendly-Webhook-Signature computed with the subscription's signing key."
		if errors.Is(err, calendly.ErrStale) {
			remedy = "Check this server's clock: deliveries older than 3 minutes are refused as replays."
		}
		return domain.Errorf(domain.CodeBadSignature, remedy, "%v", err)
	}
	var env calendly.Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Event == "" {
		return domain.Errorf(domain.CodeInvalidArgument, "Send Calendly's webhook envelope: {\"event\",\"created_at\",\"payload\"}.", "the delivery is not a Calendly webhook")
	}
	_, err = e.DB.InsertCalendlyEvent(ctx, store.CalendlyEvent{ConnectionID: c.ID, DedupeKey: dedupeKey(env, body), Event: env.Event,
		InviteeURI: env.Payload.URI, Body: string(body)})
	if err != nil {
		return err
	}
	e.Wake()
	return nil
}

// dedupeKey is the spec's (event, invitee, status, updated_at); without an
// updated_at, the body's hash.
func dedupeKey(env calendly.Envelope, body []byte) string {
	if env.Payload.URI == "" || env.Payload.UpdatedAt.IsZero() {
		sum := sha256.Sum256(body)
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	return env.Event + "|" + env.Payload.URI + "|" + env.Payload.Status + "|" + env.Payload.UpdatedAt.UTC().Format(time.RFC3339Nano)
}
