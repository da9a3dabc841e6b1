// Package broadcast sends one approved template to an audience of
// contacts, each recipient exactly once, inside Meta's limits.
//
// Launching snapshots the audience into recipient rows, each pending or
// skipped with its reason. The sender claims pending rows in batches: in
// one transaction it spends the number's throughput tokens (a row shared
// by every node and every other send from the number), re-applies the
// rules to each recipient with fresh facts, takes messaging-limit slots,
// stores each WhatsApp message and moves its row to "sending". Only then
// does it call the Graph API, and it records the answers in a second
// transaction. A crash between the two leaves rows in "sending" whose
// messages carry our id in biz_opaque_callback_data: status webhooks
// settle them, and only a send Meta never acknowledged is tried again.
package broadcast

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/pricing"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Graph is the part of the Cloud API client the sender uses.
type Graph interface {
	Send(ctx context.Context, token, phoneNumberID string, msg whatsapp.OutgoingMessage) (whatsapp.SendResult, error)
}

// Publisher tells agents about changes.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// Service plans, launches and sends broadcasts. Set the fields, then call
// Run (or Pass in tests).
type Service struct {
	DB    *store.DB
	Graph Graph
	Box   *secret.Box
	Hub   Publisher
	Clock domain.Clock
	Log   *slog.Logger
	Rates *pricing.Table // nil: pricing.Default()
	// MaxMPS, when positive, replaces the number's throughput (80, or
	// 1,000 when upgraded): for a benchmark against a simulator whose
	// limit was raised.
	MaxMPS float64
	// Batch is how many recipients one claim takes at most (default 500);
	// Workers how many Graph calls run at once (default 64).
	Batch   int
	Workers int
	// ReconcileGrace is how long a send whose outcome is unknown waits for
	// a status webhook before it is tried again (default 2 minutes).
	ReconcileGrace time.Duration
	// HaltCheckEvery is how often the failure rate is recomputed while
	// sending (default 10 s of the clock; negative: every batch): it is a
	// pass over every recipient.
	HaltCheckEvery time.Duration
	// Interval is how often Run looks for work when nobody wakes it.
	Interval time.Duration

	once    sync.Once
	waker   loop.Waker
	started time.Time
	mu      sync.Mutex
	halts   map[int64]haltCache
}

func (s *Service) init() {
	s.once.Do(func() {
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Rates == nil {
			s.Rates = pricing.Default()
		}
		if s.Batch <= 0 {
			s.Batch = 500
		}
		if s.Workers <= 0 {
			s.Workers = 64
		}
		if s.ReconcileGrace <= 0 {
			s.ReconcileGrace = 2 * time.Minute
		}
		if s.HaltCheckEvery == 0 {
			s.HaltCheckEvery = 10 * time.Second
		}
		s.started = s.Clock.Now()
		s.halts = map[int64]haltCache{}
	})
}

// Wake makes Run look for work now.
func (s *Service) Wake() { s.waker.Wake() }

// Input is a broadcast as a person composes it.
type Input struct {
	Name     string          `json:"name"`
	NumberID int64           `json:"number_id"`
	Template TemplateInput   `json:"template"`
	Audience domain.Audience `json:"audience"`
	// ScheduleAt is RFC 3339 ("2026-12-01T09:00:00Z") or a wall time
	// ("2026-12-01T09:00") read in TimeZone.
	ScheduleAt       string  `json:"schedule_at,omitempty"`
	TimeZone         string  `json:"timezone,omitempty"`
	FailureThreshold float64 `json:"failure_threshold,omitempty"` // 0..1; 0 is the default (20%)
}

// TemplateInput names an approved template and maps its parameters to
// expressions: the positional body values, and a header, named body
// values and button values where the template has them.
type TemplateInput struct {
	Name       string            `json:"name"`
	Language   string            `json:"language"`
	Parameters []string          `json:"parameters"`
	Header     *domain.HeaderArg `json:"header,omitempty"`
	BodyNamed  map[string]string `json:"body_named,omitempty"`
	Buttons    map[int][]string  `json:"buttons,omitempty"`
}

// Create stores a draft after checking what can be checked before launch.
func (s *Service) Create(ctx context.Context, workspaceID, userID int64, in Input) (domain.Broadcast, error) {
	s.init()
	b, err := s.validate(ctx, workspaceID, in)
	if err != nil {
		return b, err
	}
	b.CreatedBy = userID
	return s.DB.CreateBroadcast(ctx, b)
}

// Update replaces a draft.
func (s *Service) Update(ctx context.Context, workspaceID, id int64, in Input) (domain.Broadcast, error) {
	s.init()
	b, err := s.validate(ctx, workspaceID, in)
	if err != nil {
		return b, err
	}
	b.ID = id
	out, err := s.DB.UpdateBroadcastDraft(ctx, b)
	if domain.IsNotFound(err) {
		if _, gerr := s.Get(ctx, workspaceID, id); gerr != nil {
			return out, gerr
		}
		return out, domain.Errorf(domain.CodeConflict, "Only drafts can be edited; start a new broadcast instead.", "broadcast %d was launched", id)
	}
	return out, err
}

// Delete removes a draft. A broadcast that was launched is kept: its
// messages and results are history.
func (s *Service) Delete(ctx context.Context, workspaceID, id int64) error {
	ok, err := s.DB.DeleteBroadcastDraft(ctx, workspaceID, id)
	if err != nil || ok {
		return err
	}
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	return conflict("broadcast %d is %s; only a draft can be deleted (cancel it instead)", id, b.Status)
}

func (s *Service) validate(ctx context.Context, workspaceID int64, in Input) (domain.Broadcast, error) {
	b := domain.Broadcast{WorkspaceID: workspaceID, Name: strings.TrimSpace(in.Name), NumberID: in.NumberID, Audience: in.Audience,
		TemplateName: strings.TrimSpace(in.Template.Name), TemplateLanguage: strings.TrimSpace(in.Template.Language),
		Parameters: in.Template.Parameters, Args: domain.TemplateArgs{Header: in.Template.Header, BodyNamed: in.Template.BodyNamed, Buttons: in.Template.Buttons},
		TimeZone: strings.TrimSpace(in.TimeZone), FailureThreshold: in.FailureThreshold}
	if b.Name == "" {
		b.Name = "Broadcast " + s.Clock.Now().UTC().Format("2006-01-02 15:04")
	}
	if len(b.Name) > 200 {
		return b, invalid("name is longer than 200 characters")
	}
	if b.TemplateName == "" || b.TemplateLanguage == "" {
		return b, invalid(`template needs "name" and "language", e.g. {"name":"spring_sale","language":"en_US","parameters":["{{name|there}}"]}`)
	}
	if in.FailureThreshold < 0 || in.FailureThreshold > 1 {
		return b, invalid("failure_threshold is a share between 0 and 1 (0.2 pauses above 20%% failed)")
	}
	if err := s.validAudience(ctx, workspaceID, b.Audience); err != nil {
		return b, err
	}
	at, err := ParseSchedule(in.ScheduleAt, b.TimeZone)
	if err != nil {
		return b, err
	}
	b.ScheduleAt = at
	if b.NumberID == 0 {
		ns, err := s.DB.ConnectedNumbers(ctx, workspaceID)
		if err != nil {
			return b, err
		}
		if len(ns) == 0 {
			return b, domain.Errorf(domain.CodeInvalidArgument, "Connect a WhatsApp number first.", "this workspace has no connected WhatsApp number")
		}
		b.NumberID = ns[0].ID
	}
	p, err := s.prepare(ctx, b)
	if domain.IsNotFound(err) {
		return b, domain.Errorf(domain.CodeNotFound, "List your numbers with GET /api/v1/whatsapp/numbers.", "number %d not found", b.NumberID)
	}
	if err != nil {
		return b, err
	}
	if p.pt == nil {
		return b, domain.Errorf(domain.CodeNotFound, "Create the template or sync templates from Meta (POST /api/v1/templates/sync).",
			"template %q (%s) is not known for this number's business account", b.TemplateName, b.TemplateLanguage)
	}
	b.TemplateName, b.TemplateLanguage = p.stored.Name, p.stored.Language
	if err := probeArgs(p, b); err != nil {
		return b, err
	}
	return b, nil
}

func (s *Service) validAudience(ctx context.Context, workspaceID int64, a domain.Audience) error {
	switch a.Consent {
	case "", "opted_in", "not_opted_out":
	default:
		return invalid(`audience.consent is "opted_in", "not_opted_out" or empty, not %q`, a.Consent)
	}
	if a.InboundWithinDays < 0 || a.NoInboundForDays < 0 {
		return invalid("audience day counts cannot be negative")
	}
	if f := a.FollowUp; f != nil {
		if !store.ResultGroupValid(f.Group) {
			return invalid("audience.follow_up.group %q is not a result group (read_not_replied, delivered_not_read, not_delivered, not_replied, replied, failed, failed_retryable, …)", f.Group)
		}
		if _, err := s.DB.BroadcastByID(ctx, workspaceID, f.BroadcastID); err != nil {
			if domain.IsNotFound(err) {
				return domain.Errorf(domain.CodeNotFound, "Follow up a broadcast of this workspace.", "broadcast %d not found", f.BroadcastID)
			}
			return err
		}
	}
	return nil
}

// ParseSchedule reads a schedule: RFC 3339, or a wall time in zone (UTC
// when empty). "" is no schedule.
func ParseSchedule(at, zone string) (time.Time, error) {
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, invalid("timezone %q is not an IANA time zone (e.g. Europe/London)", zone)
		}
		loc = l
	}
	at = strings.TrimSpace(at)
	if at == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, at, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid("schedule_at %q is neither RFC 3339 (2026-12-01T09:00:00Z) nor a wall time (2026-12-01T09:00)", at)
}

// Get reads a broadcast.
func (s *Service) Get(ctx context.Context, workspaceID, id int64) (domain.Broadcast, error) {
	b, err := s.DB.BroadcastByID(ctx, workspaceID, id)
	if domain.IsNotFound(err) {
		return b, domain.Errorf(domain.CodeNotFound, "List broadcasts with GET /api/v1/broadcasts.", "broadcast %d not found", id)
	}
	return b, err
}

// List lists a workspace's broadcasts, newest first.
func (s *Service) List(ctx context.Context, workspaceID int64) ([]domain.Broadcast, error) {
	return s.DB.ListBroadcasts(ctx, workspaceID, 200)
}

func (s *Service) publish(ctx context.Context, workspaceID, id int64, status domain.BroadcastStatus) {
	if s.Hub == nil {
		return
	}
	ev := domain.Event{WorkspaceID: workspaceID, Type: domain.EventBroadcastUpdated,
		Data: []byte(`{"id":` + itoa(id) + `,"status":"` + string(status) + `"}`)}
	if _, err := s.Hub.Publish(ctx, ev); err != nil {
		s.Log.Warn("realtime publish failed", "type", ev.Type, "err", err)
	}
}
