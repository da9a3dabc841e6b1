package ingest

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// EventTemplateUpdated is published to a workspace when a template webhook
// changed one of its templates; Data is a TemplateUpdate.
const EventTemplateUpdated = "template.updated"

// TemplateUpdate is the realtime payload of EventTemplateUpdated.
type TemplateUpdate struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Language    string     `json:"language"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason"`
	PausedUntil *time.Time `json:"paused_until"` // null when not paused
}

// Pause lengths Meta applies to a template whose quality dropped (§5.3).
const (
	firstPause  = 3 * time.Hour
	secondPause = 6 * time.Hour
)

// applyChange routes one change by its Kind. Values that do not decode and
// fields not handled here are kept in webhook_events and ignored.
func (a *Applier) applyChange(ctx context.Context, ac *applyCtx, e whatsapp.Entry, ch whatsapp.Change) error {
	switch ch.Kind() {
	case whatsapp.FieldMessages:
		if v, err := ch.DecodeMessages(); err == nil {
			return a.applyMessages(ctx, ac, v)
		}
	case whatsapp.FieldTemplateStatusUpdate:
		if v, err := ch.DecodeTemplateStatusUpdate(); err == nil {
			return a.applyTemplateStatus(ctx, ac, e, v)
		}
	case whatsapp.FieldTemplateQualityUpdate:
		if v, err := ch.DecodeTemplateQualityUpdate(); err == nil {
			return a.applyTemplateQuality(ctx, ac, e, v)
		}
	case whatsapp.FieldBusinessCapabilityUpdate:
		if v, err := ch.DecodeBusinessCapabilityUpdate(); err == nil {
			return a.applyCapability(ctx, ac, e, v)
		}
	case whatsapp.FieldPhoneNumberQualityUpdate:
		if v, err := ch.DecodePhoneNumberQualityUpdate(); err == nil {
			return a.applyNumberQuality(ctx, ac, e, v)
		}
	case whatsapp.FieldPhoneNumberNameUpdate:
		if v, err := ch.DecodePhoneNumberNameUpdate(); err == nil {
			return a.applyNameUpdate(ctx, ac, e, v)
		}
	case whatsapp.FieldAccountUpdate:
		if v, err := ch.DecodeAccountUpdate(); err == nil {
			return a.applyAccountUpdate(ctx, ac, e, ch, v)
		}
	case whatsapp.FieldAccountAlerts:
		if v, err := ch.DecodeAccountAlert(); err == nil {
			return a.applyAccountAlert(ctx, ac, e, v)
		}
	case whatsapp.FieldCalls:
		if v, err := ch.DecodeCalls(); err == nil {
			return a.applyCalls(ctx, ac, v)
		}
	case whatsapp.FieldUserPreferences:
		if v, err := ch.DecodeUserPreferences(); err == nil {
			return a.applyUserPreferences(ctx, ac, v)
		}
	}
	return nil
}

// entryTime is when Meta says the entry happened, else now.
func (a *Applier) entryTime(e whatsapp.Entry) time.Time {
	if e.Time > 0 {
		return time.Unix(e.Time, 0).UTC()
	}
	return a.clock.Now()
}

// pausedUntil is the end of a PAUSED template's pause, counted from the
// entry time: 3 h for a first pause, 6 h for a second; zero otherwise
// (other statuses clear a pause).
func pausedUntil(v whatsapp.TemplateStatusUpdate, at time.Time) time.Time {
	if v.Event != "PAUSED" {
		return time.Time{}
	}
	switch v.OtherInfo.Title {
	case "FIRST_PAUSE":
		return at.Add(firstPause)
	case "SECOND_PAUSE":
		return at.Add(secondPause)
	}
	return time.Time{}
}

func (a *Applier) applyTemplateStatus(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.TemplateStatusUpdate) error {
	if v.Event == "" || (v.MessageTemplateID == "" && v.MessageTemplateName == "") {
		return nil
	}
	reason := v.Reason
	if reason == "NONE" {
		reason = ""
	}
	ts, err := ac.tx.SetTemplateStatus(ctx, e.ID, string(v.MessageTemplateID), v.MessageTemplateName, v.MessageTemplateLanguage,
		v.Event, reason, pausedUntil(v, a.entryTime(e)))
	if err != nil {
		return err
	}
	ac.templatesChanged(ts)
	return nil
}

func (a *Applier) applyTemplateQuality(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.TemplateQualityUpdate) error {
	if v.NewQualityScore == "" || (v.MessageTemplateID == "" && v.MessageTemplateName == "") {
		return nil
	}
	ts, err := ac.tx.SetTemplateQuality(ctx, e.ID, string(v.MessageTemplateID), v.MessageTemplateName, v.MessageTemplateLanguage, v.NewQualityScore)
	if err != nil {
		return err
	}
	ac.templatesChanged(ts)
	return nil
}

// templatesChanged queues an EventTemplateUpdated per changed template.
func (c *applyCtx) templatesChanged(ts []domain.Template) {
	for _, t := range ts {
		u := TemplateUpdate{ID: t.ID, Name: t.Name, Language: t.Language, Status: t.Status, Reason: t.Reason}
		if !t.PausedUntil.IsZero() {
			p := t.PausedUntil.UTC()
			u.PausedUntil = &p
		}
		c.out = append(c.out, view.Event(t.WorkspaceID, EventTemplateUpdated, u))
	}
}

// applyUserPreferences records marketing stop/resume from Meta's
// "Offers and announcements" setting on the contact of the number's
// workspace. The evidence "user_preferences:<wa_id>:<timestamp>" makes a
// replay (or a re-batched delivery) add nothing: see addConsentOnce.
func (a *Applier) applyUserPreferences(ctx context.Context, ac *applyCtx, v whatsapp.UserPreferencesValue) error {
	num, err := ac.number(ctx, v.Metadata.PhoneNumberID)
	if err != nil || num == nil {
		return err
	}
	for _, p := range v.UserPreferences {
		var action string
		switch {
		case p.WaID == "":
			continue
		case p.Stop():
			action = domain.ConsentOptOutMarketing
		case strings.EqualFold(p.Value, "resume"):
			action = domain.ConsentOptInMarketing
		default:
			continue
		}
		contact, err := ac.tx.UpsertContact(ctx, num.WorkspaceID, p.WaID, "+"+p.WaID, "")
		if err != nil {
			return err
		}
		_, err = addConsentOnce(ctx, ac, domain.ConsentEvent{
			WorkspaceID: num.WorkspaceID, ContactID: contact.ID, Action: action, Source: SourceMetaPreferences,
			Wording: p.Detail, Evidence: "user_preferences:" + p.WaID + ":" + strconv.FormatInt(p.Timestamp, 10), Actor: ActorMeta,
		})
		if err != nil {
			return err
		}
	}
	return nil
}
