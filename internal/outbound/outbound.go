// Package outbound is the one road every outgoing WhatsApp message takes:
// a request is checked by policy, persisted as "queued" together with its
// send job in one transaction, and sent by a worker that records Meta's
// answer. Nothing reaches the Graph API without a policy decision.
package outbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Graph is the part of the Cloud API client the pipeline uses.
type Graph interface {
	Send(ctx context.Context, token, phoneNumberID string, msg whatsapp.OutgoingMessage) (whatsapp.SendResult, error)
	MarkRead(ctx context.Context, token, phoneNumberID, wamid string) error
}

// Enqueuer inserts jobs in the caller's transaction.
type Enqueuer interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Publisher tells agents about changes.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// Service is the send pipeline.
type Service struct {
	DB    *store.DB
	Jobs  Enqueuer
	Graph Graph
	Box   *secret.Box
	Hub   Publisher
	Clock domain.Clock
	Log   *slog.Logger
	// ReconcileGrace is how long a send whose outcome is unknown waits for
	// a status webhook before it is tried again.
	ReconcileGrace time.Duration
}

// Request is one message someone wants to send.
type Request struct {
	WorkspaceID int64
	NumberID    int64 // 0 selects the workspace's first number
	To          string
	Type        string
	Text        string          // body, for type text
	Body        json.RawMessage // the object under Type, for other types
	ReplyTo     string          // wamid to quote
	ReplyToID   int64           // our message to quote, instead of ReplyTo (see resolveReplyTo)
	SentBy      int64           // agent user id; 0 for API keys
	Source      string          // who asks when not an agent or the API: "crm", "calendly", "broadcast"
	// NotAfter, when set, is the last moment the message may be handed to
	// Meta: a reminder queued behind a throughput limit or an outage is
	// failed as expired rather than arriving after its meeting started.
	NotAfter time.Time
	// InTx, when set, runs inside the transaction that stores the message
	// and its send job: a caller records that it asked for this message in
	// the same commit, so a crash can neither lose the send nor repeat it.
	// An error rolls everything back.
	InTx func(ctx context.Context, tx *store.Tx, msg domain.Message) error
	// RetryOf is the failed message this send tries again (see Retry).
	RetryOf int64
	// Built says Body is a template object GoHavi built for an earlier
	// attempt: its state is checked again, its values are not rebuilt.
	Built bool
}

const maxTextLen = 4096

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, "Fix the request and send it again.", format, args...)
}

// NormalizeRecipient turns "+E.164" or a WhatsApp id into Meta's wa_id
// (digits with country code).
func NormalizeRecipient(to string) (string, error) {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(to))
	if s == "" {
		return "", invalid("\"to\" is required: a phone number in E.164 form (+447700900123) or a WhatsApp id")
	}
	if strings.HasPrefix(s, "+") {
		num, err := phonenumbers.Parse(s, "")
		if err != nil || !phonenumbers.IsPossibleNumber(num) {
			return "", invalid("\"to\": %q is not a valid phone number", to)
		}
		return strings.TrimPrefix(phonenumbers.Format(num, phonenumbers.E164), "+"), nil
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", invalid("\"to\": %q is neither an E.164 phone number (+447700900123) nor a WhatsApp id", to)
		}
	}
	if len(s) < 7 || len(s) > 15 {
		return "", invalid("\"to\": %q is not a WhatsApp id: expected 7 to 15 digits with the country code", to)
	}
	return s, nil
}

func validate(req *Request) error {
	req.Type = strings.TrimSpace(req.Type)
	switch req.Type {
	case "":
		return invalid("\"type\" is required")
	case "text":
		if strings.TrimSpace(req.Text) == "" {
			return invalid("text.body is empty")
		}
		if n := utf8.RuneCountInString(req.Text); n > maxTextLen {
			return invalid("text.body is %d characters; WhatsApp allows %d", n, maxTextLen)
		}
	case "image", "video", "audio", "document", "sticker", "location", "contacts", "interactive", "template", "reaction":
		if len(req.Body) == 0 || req.Body[0] != '{' || !json.Valid(req.Body) {
			return invalid("%q messages need a %q object", req.Type, req.Type)
		}
		return validateBody(req)
	default:
		return invalid("message type %q is not supported", req.Type)
	}
	return nil
}

// summary is the readable one-liner shown in the inbox for what we send.
func summary(req Request) string {
	if req.Type == "text" {
		return req.Text
	}
	var obj struct {
		Caption string `json:"caption"`
		Name    string `json:"name"`
		Emoji   string `json:"emoji"`
		Body    struct {
			Text string `json:"text"`
		} `json:"body"`
	}
	_ = json.Unmarshal(req.Body, &obj)
	switch {
	case req.Type == "template":
		return "Template: " + obj.Name
	case req.Type == "reaction":
		return "Reacted " + obj.Emoji
	case obj.Caption != "":
		return obj.Caption
	case obj.Body.Text != "":
		return obj.Body.Text
	}
	return "[" + req.Type + "]"
}

func (s *Service) publish(ctx context.Context, evs ...domain.Event) {
	for _, ev := range evs {
		if _, err := s.Hub.Publish(ctx, ev); err != nil {
			s.Log.Warn("realtime publish failed", "type", ev.Type, "err", err)
		}
	}
}
