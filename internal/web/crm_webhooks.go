package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/domain"
)

// maxCRMWebhookBody bounds CRM webhook bodies: HubSpot sends at most 100
// small events per request, Zoho a list of ids.
const maxCRMWebhookBody = 1 << 20

// readCRMWebhook reads a size-limited CRM webhook body.
func (s *server) readCRMWebhook(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := s.crmReady(); err != nil {
		return nil, err
	}
	return readWebhook(w, r, maxCRMWebhookBody, "the CRM")
}

// readWebhook reads a webhook body of at most limit bytes; sender names
// who sends it, for the error.
func readWebhook(w http.ResponseWriter, r *http.Request, limit int64, sender string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, domain.Errorf(domain.CodeTooLarge, "Webhooks from "+sender+" are far smaller; this did not come from "+sender+".", "webhook body larger than %d bytes", limit)
		}
		return nil, domain.Errorf(domain.CodeInvalidArgument, "Retry the delivery.", "could not read the webhook body")
	}
	return body, nil
}

// crmStored answers a CRM once its events are committed.
func crmStored(w http.ResponseWriter, r *http.Request, n int, err error) {
	webhookStored(w, r, n, err, "The CRM")
}

// webhookStored answers a sender once its delivery is committed; a
// storage failure is a 503, so the sender delivers again.
func webhookStored(w http.ResponseWriter, r *http.Request, n int, err error, sender string) {
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			logFrom(r).Error("webhook not stored", "sender", sender, "err", err)
			err = domain.Errorf(domain.CodeUnavailable, sender+" retries automatically.", "webhook could not be stored")
		}
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"stored": n})
}

// hubspotWebhook receives HubSpot's app webhooks: the v3 signature is
// computed over the public URL HubSpot called, so behind a proxy
// GOHAVI_PUBLIC_URL must be set.
func (s *server) hubspotWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := s.readCRMWebhook(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.CRM.ReceiveHubSpot(r.Context(), crmsyncDelivery(s.publicBase(r)+r.URL.RequestURI(), r, body))
	crmStored(w, r, n, err)
}

func (s *server) zohoWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := s.readCRMWebhook(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.CRM.ReceiveZoho(r.Context(), body)
	crmStored(w, r, n, err)
}

// workflowWebhook receives a CRM workflow's "send a webhook" action. The
// key comes in the URL (?key=) or the X-GoHavi-Key header.
func (s *server) workflowWebhook(w http.ResponseWriter, r *http.Request) {
	prov, err := provider(r)
	var body []byte
	if err == nil {
		body, err = s.readCRMWebhook(w, r)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		key = r.Header.Get("X-GoHavi-Key")
	}
	n, err := s.CRM.ReceiveWorkflow(r.Context(), prov, key, body, r.Header.Get("Content-Type"))
	crmStored(w, r, n, err)
}

func crmsyncDelivery(uri string, r *http.Request, body []byte) crmsync.HubSpotDelivery {
	return crmsync.HubSpotDelivery{Method: r.Method, URI: uri, Body: body,
		Signature: r.Header.Get("X-HubSpot-Signature-v3"), Timestamp: r.Header.Get("X-HubSpot-Request-Timestamp")}
}
