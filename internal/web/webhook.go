package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// maxWebhookBody is above Meta's documented 3 MB payload ceiling.
const maxWebhookBody = 4 << 20

func (s *server) webhookHandshake(w http.ResponseWriter, r *http.Request) {
	challenge, ok := whatsapp.VerifyHandshake(r.URL.Query(), s.VerifyToken)
	if !ok {
		writeError(w, r, domain.Errorf(domain.CodeForbidden, "Set the same verify token in Meta's App Dashboard and in GOHAVI_META_VERIFY_TOKEN.", "webhook verification failed: wrong or missing hub.verify_token"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, challenge)
}

// webhookReceive verifies Meta's signature on the raw bytes and answers 200
// only once the body is committed; applying it happens after.
func (s *server) webhookReceive(w http.ResponseWriter, r *http.Request) {
	result := "error"
	defer func() {
		if s.Metrics != nil {
			s.Metrics.WebhooksReceived.WithLabelValues(result).Inc()
		}
	}()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			result = "too_large"
			writeError(w, r, domain.Errorf(domain.CodeTooLarge, "Meta's payloads are at most 3 MB; this did not come from Meta.", "webhook body larger than %d bytes", maxWebhookBody))
			return
		}
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, "Retry the delivery.", "could not read the webhook body"))
		return
	}
	if !whatsapp.VerifySignature(s.AppSecret, body, r.Header.Get(whatsapp.SignatureHeader)) {
		result = "bad_signature"
		writeError(w, r, domain.Errorf(domain.CodeBadSignature, "Set GOHAVI_META_APP_SECRET to your Meta app's secret.", "X-Hub-Signature-256 is missing or does not match the body"))
		return
	}
	_, dup, err := s.Writer.Store(r.Context(), body)
	if err != nil {
		s.Log.Error("webhook not stored", "err", err)
		writeError(w, r, domain.Errorf(domain.CodeUnavailable, "Meta retries automatically.", "webhook could not be stored"))
		return
	}
	result = "stored"
	if dup {
		result = "duplicate"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}
