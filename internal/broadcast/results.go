package broadcast

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Counts is a broadcast's live funnel.
func (s *Service) Counts(ctx context.Context, workspaceID, id int64) (domain.Broadcast, store.BroadcastCounts, error) {
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return b, store.BroadcastCounts{}, err
	}
	c, err := s.DB.BroadcastCounts(ctx, id)
	return b, c, err
}

// Outcome names where a recipient stands, as the results list shows it.
func Outcome(r store.RecipientResult) string {
	switch {
	case r.State == domain.RecipientSkipped:
		return "skipped"
	case r.State == domain.RecipientFailed || r.MessageStatus == domain.StatusFailed:
		return "failed"
	case r.Replied:
		return "replied"
	case r.MessageStatus == domain.StatusRead:
		return "read"
	case r.MessageStatus == domain.StatusDelivered:
		return "delivered"
	case r.MessageStatus == domain.StatusSent || r.MessageStatus == domain.StatusHeld:
		return "sent"
	}
	return "pending"
}

// Meaning is Meta's explanation of an error code, for failed recipients.
func Meaning(code int) (title, remedy string) {
	if code == 0 {
		return "", ""
	}
	return whatsapp.Describe(code)
}

// Recipients pages through a result group ("all", "failed", …).
func (s *Service) Recipients(ctx context.Context, workspaceID, id int64, group string, after int64, limit int) ([]store.RecipientResult, error) {
	if _, err := s.Get(ctx, workspaceID, id); err != nil {
		return nil, err
	}
	if group == "" {
		group = "all"
	}
	if !store.ResultGroupValid(group) {
		return nil, invalid("state %q is not a result group: all, pending, sent, delivered, read, replied, failed, skipped, failed_retryable, read_not_replied, …", group)
	}
	return s.DB.ListRecipients(ctx, id, group, RetryableCodes, after, limit)
}

// ExportCSV writes every recipient of a group with its outcome.
func (s *Service) ExportCSV(ctx context.Context, workspaceID, id int64, group string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"phone", "name", "outcome", "reason", "detail", "error_code", "error_meaning", "message_id", "updated_at"}); err != nil {
		return err
	}
	var after int64
	for {
		page, err := s.Recipients(ctx, workspaceID, id, group, after, 2000)
		if err != nil {
			return err
		}
		for _, r := range page {
			code, meaning := "", ""
			if r.ErrorCode != 0 {
				code = strconv.Itoa(r.ErrorCode)
				meaning = r.ErrorTitle
			}
			if err := cw.Write([]string{r.Phone, r.Name, Outcome(r), r.Reason, r.Detail, code, meaning, strconv.FormatInt(r.MessageID, 10),
				r.UpdatedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(page) < 2000 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// FollowUp creates a draft to a result group of a broadcast, with the same
// number and template unless in says otherwise.
func (s *Service) FollowUp(ctx context.Context, workspaceID, userID, id int64, group string, in Input) (domain.Broadcast, error) {
	parent, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return parent, err
	}
	if in.Name == "" {
		in.Name = parent.Name + " — follow-up (" + group + ")"
	}
	if in.NumberID == 0 {
		in.NumberID = parent.NumberID
	}
	if in.Template.Name == "" {
		in.Template = TemplateInput{Name: parent.TemplateName, Language: parent.TemplateLanguage, Parameters: parent.Parameters,
			Header: parent.Args.Header, BodyNamed: parent.Args.BodyNamed, Buttons: parent.Args.Buttons}
	}
	in.Audience = domain.Audience{FollowUp: &domain.FollowUp{BroadcastID: id, Group: group}}
	b, err := s.validate(ctx, workspaceID, in)
	if err != nil {
		return b, err
	}
	b.CreatedBy, b.ParentID, b.FollowUp = userID, id, group
	return s.DB.CreateBroadcast(ctx, b)
}
