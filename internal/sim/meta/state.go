package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// stateVersion is the format of the state file; a file of another version
// is treated as corrupt (set aside, fresh start).
const stateVersion = 1

// defaultStateMaxMessages bounds the file: the newest messages per number
// kept in it (both directions together).
const defaultStateMaxMessages = 5000

// stateFile is what a restart must not lose. Deliberately left out:
//   - the webhook delivery queue: Meta does not replay deliveries to a
//     restarted receiver from our side either, and the receiver can still
//     see every status in /_sim/sent and the chat;
//   - the rate-limiter buckets: they refill within seconds;
//   - faults: test knobs for the running session, not conversation state;
//   - the delivery attempt log (/_sim/webhooks): diagnostics only.
type stateFile struct {
	Version    int           `json:"version"`
	SavedAt    time.Time     `json:"saved_at"`
	WebhookURL string        `json:"webhook_url,omitempty"` // set by SetWebhookURL; restored only when Config.WebhookURL is empty
	Numbers    []savedNumber `json:"numbers"`

	// Templates, messaging limits and marketing preferences (state_ext.go).
	Templates  []Template            `json:"templates,omitempty"`
	Portfolios map[string]*portfolio `json:"portfolios,omitempty"`
	OptOuts    []savedOptOut         `json:"marketing_opt_outs,omitempty"`

	// Onboarding: WABAs, token grants from code exchanges, the app's
	// health and profile pictures (state_onboard.go).
	WABAs     map[string]*wabaState `json:"wabas,omitempty"`
	Grants    map[string][]string   `json:"grants,omitempty"` // access token → ids it may act on
	AppHealth *healthOverride       `json:"app_health,omitempty"`
	Pictures  map[string]*picture   `json:"profile_pictures,omitempty"`

	// Media API files: metadata only, the bytes are files beside the
	// state file (media_files.go).
	Media []mediaItem `json:"media,omitempty"`
}

type savedNumber struct {
	Number                    // includes the access token and the per-number webhook override
	Info      *numberInfo     `json:"info,omitempty"` // registration, reviews, profile, OBA; absent in older files
	Customers []savedCustomer `json:"customers,omitempty"`
	Messages  []savedMessage  `json:"messages"` // oldest first, the newest StateMaxMessages
}

type savedCustomer struct {
	WaID        string    `json:"wa_id"`
	Name        string    `json:"name,omitempty"`
	LastInbound time.Time `json:"last_inbound,omitzero"` // opens the 24-hour window
}

type savedMessage struct {
	ID             string          `json:"id"`
	Inbound        bool            `json:"inbound,omitempty"`
	WaID           string          `json:"wa_id"`
	To             string          `json:"to,omitempty"`
	Type           string          `json:"type"`
	Raw            json.RawMessage `json:"raw,omitempty"`
	Content        json.RawMessage `json:"content,omitempty"`
	Context        string          `json:"context,omitempty"`
	At             time.Time       `json:"at"`
	Status         string          `json:"status,omitempty"`
	History        []StatusEvent   `json:"history,omitempty"`
	Errors         []AsyncError    `json:"errors,omitempty"`
	BizOpaque      string          `json:"biz_opaque_callback_data,omitempty"`
	Pricing        *Pricing        `json:"pricing,omitempty"`
	Priced         bool            `json:"priced,omitempty"`
	FailWith       *AsyncError     `json:"fail_with,omitempty"`
	OrderFault     string          `json:"order_fault,omitempty"`
	ReadByBusiness bool            `json:"read_by_business,omitempty"`
	TemplateID     string          `json:"template_id,omitempty"`
	ExpiresAt      time.Time       `json:"expires_at,omitzero"`
}

// snapshot copies the state to save and the change generation it
// reflects. It holds s.mu only for the copy: encoding and disk I/O happen
// after. Raw bodies, pricing and errors are never mutated once set, so
// they are shared rather than copied; history is appended to, so cloned.
func (s *Server) snapshot() (*stateFile, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &stateFile{Version: stateVersion, SavedAt: time.Now().UTC()}
	if s.webhookURL != s.cfg.WebhookURL {
		st.WebhookURL = s.webhookURL // only a URL set at runtime: the configured one may be stale next time
	}
	customers := map[string][]savedCustomer{}
	for key, at := range s.windows {
		customers[key.phoneID] = append(customers[key.phoneID], savedCustomer{WaID: key.waID, Name: s.names[key], LastInbound: at})
	}
	for key, name := range s.names {
		if _, ok := s.windows[key]; !ok {
			customers[key.phoneID] = append(customers[key.phoneID], savedCustomer{WaID: key.waID, Name: name})
		}
	}
	limit := s.cfg.StateMaxMessages
	for _, id := range s.order {
		ns := s.numbers[id]
		msgs := ns.msgs
		if len(msgs) > limit {
			msgs = msgs[len(msgs)-limit:]
		}
		sn := savedNumber{Number: ns.Number, Info: ns.info.clone(), Customers: customers[id], Messages: make([]savedMessage, len(msgs))}
		slices.SortFunc(sn.Customers, func(a, b savedCustomer) int { return strings.Compare(a.WaID, b.WaID) })
		for i, m := range msgs {
			sn.Messages[i] = savedMessage{
				ID: m.wamid, Inbound: m.inbound, WaID: m.waID, To: m.to, Type: m.typ, Raw: m.raw,
				Content: m.content, Context: m.contextID, At: m.at, Status: m.status,
				History: slices.Clone(m.history), Errors: m.errors, BizOpaque: m.bizOpaque,
				Pricing: m.pricing, Priced: m.priced, FailWith: m.failWith, OrderFault: m.orderFault,
				ReadByBusiness: m.readByBusiness, TemplateID: m.templateID, ExpiresAt: m.expiresAt,
			}
		}
		st.Numbers = append(st.Numbers, sn)
	}
	s.snapshotExtra(st)
	return st, s.gen
}

// encodeState renders the file. Raw bodies keep their bytes (no HTML
// escaping), so webhooks and /_sim/sent look the same after a restart.
func encodeState(st *stateFile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeState parses and checks a state file; any error means corrupt.
func decodeState(b []byte) (*stateFile, error) {
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("unsupported state version %d (want %d)", st.Version, stateVersion)
	}
	seen := map[string]bool{}
	for _, n := range st.Numbers {
		// Numbers from Embedded Signup have no seeding token: access comes
		// from exchanged codes (saved with the grants).
		if n.PhoneNumberID == "" || seen[n.PhoneNumberID] {
			return nil, errors.New("a number without id, or listed twice")
		}
		seen[n.PhoneNumberID] = true
		ids := map[string]bool{}
		for _, m := range n.Messages {
			if m.ID == "" || m.WaID == "" || ids[m.ID] {
				return nil, fmt.Errorf("number %s: a message without id or wa_id, or listed twice", n.PhoneNumberID)
			}
			ids[m.ID] = true
		}
	}
	return &st, nil
}

// restore installs a decoded state into a fresh server (called from New,
// before anything else can see s). Loaded numbers are marked so the first
// AddNumber of the same id re-seeds them instead of being ignored.
func (s *Server) restore(st *stateFile) {
	if s.webhookURL == "" {
		s.webhookURL = st.WebhookURL
	}
	for _, sn := range st.Numbers {
		ns := &numberState{Number: sn.Number, byID: map[string]*message{}, threads: map[string][]*message{}, loaded: true}
		if sn.Info != nil {
			ns.info = *sn.Info
		} else {
			ns.info = seededInfo(s.now())
		}
		for _, sm := range sn.Messages {
			ns.add(&message{
				wamid: sm.ID, inbound: sm.Inbound, waID: sm.WaID, to: sm.To, typ: sm.Type, raw: sm.Raw,
				content: sm.Content, contextID: sm.Context, at: sm.At, status: sm.Status,
				history: sm.History, errors: sm.Errors, bizOpaque: sm.BizOpaque, pricing: sm.Pricing,
				priced: sm.Priced, failWith: sm.FailWith, orderFault: sm.OrderFault,
				readByBusiness: sm.ReadByBusiness, templateID: sm.TemplateID, expiresAt: sm.ExpiresAt,
			})
		}
		s.numbers[ns.PhoneNumberID] = ns
		s.order = append(s.order, ns.PhoneNumberID)
		if ns.AccessToken != "" {
			s.grant(ns.AccessToken, ns.PhoneNumberID)
		}
		for _, c := range sn.Customers {
			key := pairKey{ns.PhoneNumberID, c.WaID}
			if !c.LastInbound.IsZero() {
				s.windows[key] = c.LastInbound
			}
			if c.Name != "" {
				s.names[key] = c.Name
			}
		}
	}
	s.restoreExtra(st)
}

// resume restarts the lifecycles a restart interrupted, as if the timers
// had been running all along (the "delivered" a phone would have sent
// while we were down arrives now): accepted → launched at once; sent →
// delivered after DeliveredAfter (then read if AutoRead); delivered →
// read after ReadAfter when AutoRead. Status timestamps are the new ones.
// A sent message is delivered even past its TTL: the phone would have had
// it while we were down.
func (s *Server) resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		ns := s.numbers[id]
		for _, m := range ns.msgs {
			switch {
			case m.inbound:
			case m.status == "accepted":
				s.sched.after(0, func() { s.launch(ns, m) })
			case m.status == "sent" && m.typ != "reaction":
				s.sched.after(s.cfg.DeliveredAfter, func() {
					s.mu.Lock()
					defer s.mu.Unlock()
					s.deliver(ns, m)
				})
			case m.status == "delivered" && s.cfg.AutoRead:
				s.scheduleAutoRead(ns, m)
			}
		}
	}
}
