package crmsync

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/crm/hubspot"
	"github.com/gohavi/gohavi/internal/crm/zoho"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

func badSignature(remedy, format string, args ...any) error {
	return domain.Errorf(domain.CodeBadSignature, remedy, format, args...)
}

// HubSpotDelivery is one POST from HubSpot's app webhooks, as received.
type HubSpotDelivery struct {
	Method    string
	URI       string // the full public URL HubSpot called, with its query
	Body      []byte
	Signature string // X-HubSpot-Signature-v3
	Timestamp string // X-HubSpot-Request-Timestamp
}

// ReceiveHubSpot verifies a delivery's v3 signature (and its five-minute
// freshness), then stores its deal stage changes for every connection of
// the portal, deduplicated, before the caller answers 2xx. It returns how
// many events were new.
func (e *Engine) ReceiveHubSpot(ctx context.Context, d HubSpotDelivery) (int, error) {
	if e.Cfg.HubSpotClientSecret == "" {
		return 0, domain.Errorf(domain.CodeUnavailable, "Set GOHAVI_HUBSPOT_CLIENT_SECRET to the app's client secret.", "HubSpot webhooks cannot be verified: no client secret is configured")
	}
	if err := hubspot.VerifyV3(e.Cfg.HubSpotClientSecret, d.Method, d.URI, d.Body, d.Signature, d.Timestamp, e.Clock.Now()); err != nil {
		return 0, badSignature("Check that GOHAVI_HUBSPOT_CLIENT_SECRET is the app's client secret and GOHAVI_PUBLIC_URL the URL HubSpot calls.", "HubSpot signature: %v", err)
	}
	evs, err := hubspot.ParseEvents(d.Body)
	if err != nil {
		return 0, invalid("not a HubSpot webhook: %v", err)
	}
	var rows []store.CRMEvent
	conns := map[int64][]store.CRMConnection{}
	for _, ev := range evs {
		if !strings.HasPrefix(ev.SubscriptionType, "deal.") || (ev.SubscriptionType == "deal.propertyChange" && ev.PropertyName != "dealstage") {
			continue // acknowledged, nothing to act on
		}
		cs, ok := conns[ev.PortalID]
		if !ok {
			if cs, err = e.DB.CRMConnectionsByAccount(ctx, "hubspot", strconv.FormatInt(ev.PortalID, 10)); err != nil {
				return 0, err
			}
			conns[ev.PortalID] = cs
		}
		body, _ := json.Marshal(ev)
		for _, c := range cs {
			rows = append(rows, store.CRMEvent{ConnectionID: c.ID, DedupeKey: ev.DedupeKey(), Kind: "deal", ObjectID: strconv.FormatInt(ev.ObjectID, 10), Body: string(body)})
		}
	}
	return e.store(ctx, rows)
}

func (e *Engine) store(ctx context.Context, rows []store.CRMEvent) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	n, err := e.DB.InsertCRMEvents(ctx, rows)
	if err == nil && n > 0 {
		e.Wake()
	}
	return n, err
}

// ReceiveZoho checks a notification's channel token (Zoho signs nothing:
// the token set on the channel is the only proof) and stores one event per
// deal it names.
func (e *Engine) ReceiveZoho(ctx context.Context, body []byte) (int, error) {
	n, err := zoho.ParseNotification(body)
	if err != nil {
		return 0, invalid("not a Zoho CRM notification: %v", err)
	}
	ch, err := strconv.ParseInt(n.ChannelID, 10, 64)
	if err != nil {
		return 0, invalid("channel_id %q is not a number", n.ChannelID)
	}
	c, err := e.DB.CRMConnectionByWatch(ctx, ch)
	if domain.IsNotFound(err) {
		return 0, badSignature("GoHavi removes channels it no longer uses; this one can be disabled in Zoho.", "unknown notification channel %d", ch)
	}
	if err != nil {
		return 0, err
	}
	if subtle.ConstantTimeCompare([]byte(n.Token), []byte(c.WebhookKey)) != 1 {
		return 0, badSignature("Only Zoho, with the token GoHavi set on the channel, may call this URL.", "the notification's token does not match the channel's")
	}
	if n.Module != "Deals" {
		return 0, nil
	}
	keys := n.DedupeKeys()
	rows := make([]store.CRMEvent, 0, len(n.IDs))
	for i, id := range n.IDs {
		rows = append(rows, store.CRMEvent{ConnectionID: c.ID, DedupeKey: keys[i], Kind: "deal", ObjectID: id, Body: string(body)})
	}
	return e.store(ctx, rows)
}

// ReceiveWorkflow takes the alternative trigger: a CRM workflow ("send a
// webhook" in HubSpot, a webhook action in Zoho) that POSTs the deal when
// it enters a stage. The URL carries the connection's webhook key. The
// body only has to name the deal (dealId, objectId, hs_object_id, id or
// deal_id, as JSON or a form); the deal is read again before acting.
// Redeliveries of one body are dropped.
func (e *Engine) ReceiveWorkflow(ctx context.Context, provider, key string, body []byte, contentType string) (int, error) {
	cs, err := e.DB.CRMConnectionsByWebhookKey(ctx, provider, key)
	if err != nil {
		return 0, err
	}
	if len(cs) == 0 || key == "" {
		return 0, badSignature("Copy the workflow webhook URL from GoHavi's Integrations page again.", "unknown or missing workflow key")
	}
	id := dealIDFrom(body, contentType)
	if id == "" {
		return 0, invalid(`the workflow body names no deal: send {"dealId": "<deal id>"}`)
	}
	sum := sha256.Sum256(body)
	return e.store(ctx, []store.CRMEvent{{ConnectionID: cs[0].ID, DedupeKey: "workflow|" + hex.EncodeToString(sum[:]), Kind: "deal", ObjectID: id, Body: string(body)}})
}

func dealIDFrom(body []byte, contentType string) string {
	fields := []string{"dealId", "deal_id", "objectId", "hs_object_id", "id"}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return ""
		}
		for _, f := range fields {
			if s := v.Get(f); s != "" {
				return s
			}
		}
		return ""
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for _, f := range fields {
			if _, has := m[f]; !has {
				m[f] = props[f]
			}
		}
	}
	for _, f := range fields {
		switch v := m[f].(type) {
		case string:
			if v != "" {
				return v
			}
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case map[string]any: // HubSpot's {"value": "..."} form
			if s, ok := v["value"].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}
