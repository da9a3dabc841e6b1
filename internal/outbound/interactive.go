package outbound

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gohavi/gohavi/internal/domain"
)

// WhatsApp's limits on interactive messages and reactions (spec §3.5),
// kept in one place and checked before any network call: Meta answers a
// breach with a terse 131009 after the round trip.
const (
	maxReplyButtons   = 3
	maxButtonID       = 256
	maxButtonTitle    = 20
	maxButtonBody     = 1024
	maxListBody       = 4096
	maxCTABody        = 1024
	maxHeaderText     = 60
	maxFooterText     = 60
	maxListButton     = 20
	maxSections       = 10
	maxListRows       = 10
	maxSectionTitle   = 24
	maxRowID          = 200
	maxRowTitle       = 24
	maxRowDescription = 72
	maxCTADisplayText = 20
	// maxEmoji bounds a reaction to one emoji: a flag, a skin tone or a
	// joined family is several code points, a sentence is not an emoji.
	maxEmoji = 10
)

// otherInteractive are interactive kinds sent through as they are: their
// shapes are out of the scope GoHavi checks.
var otherInteractive = map[string]bool{
	"location_request_message": true, "flow": true, "product": true, "product_list": true,
	"carousel": true, "address_message": true, "call_permission_request": true, "catalog_message": true,
}

func badField(field, remedy, format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, remedy, field+": "+format, args...)
}

// validateBody checks the object of the types whose shape GoHavi knows.
func validateBody(req *Request) error {
	switch req.Type {
	case "interactive":
		return validateInteractive(req.Body)
	case "reaction":
		return validateReaction(req.Body) // a context given with it is dropped when sent (Outgoing)
	}
	return nil
}

func validateReaction(body json.RawMessage) error {
	var r struct {
		MessageID *string `json:"message_id"`
		Emoji     *string `json:"emoji"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return badField("reaction", `Send {"message_id":"wamid.…","emoji":"👍"}.`, "%v", err)
	}
	switch {
	case r.MessageID == nil || strings.TrimSpace(*r.MessageID) == "":
		return badField("reaction.message_id", "Give the wamid of the message to react to, or use POST /api/v1/messages/{id}/reactions with our message id.", "is required")
	case r.Emoji == nil:
		return badField("reaction.emoji", `Give one emoji, or "" to remove your reaction.`, "is required")
	case utf8.RuneCountInString(*r.Emoji) > maxEmoji || strings.TrimSpace(*r.Emoji) != *r.Emoji:
		return badField("reaction.emoji", `Give one emoji, or "" to remove your reaction.`, "%q is not a single emoji", *r.Emoji)
	}
	return nil
}

type textPart struct {
	Text string `json:"text"`
}

type interactiveMsg struct {
	Type   string `json:"type"`
	Header *struct {
		Type     string          `json:"type"`
		Text     string          `json:"text"`
		Image    json.RawMessage `json:"image"`
		Video    json.RawMessage `json:"video"`
		Document json.RawMessage `json:"document"`
	} `json:"header"`
	Body   *textPart `json:"body"`
	Footer *textPart `json:"footer"`
	Action *struct {
		Buttons []struct {
			Type  string `json:"type"`
			Reply *struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"reply"`
		} `json:"buttons"`
		Button   string `json:"button"`
		Sections []struct {
			Title string `json:"title"`
			Rows  []struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"rows"`
		} `json:"sections"`
		Name       string `json:"name"`
		Parameters *struct {
			DisplayText string `json:"display_text"`
			URL         string `json:"url"`
		} `json:"parameters"`
	} `json:"action"`
}

// text checks a required (or optional) text against its limit.
func text(field, s string, required bool, max int) error {
	switch n := utf8.RuneCountInString(s); {
	case required && strings.TrimSpace(s) == "":
		return badField(field, "Fill it in.", "is required")
	case n > max:
		return badField(field, fmt.Sprintf("Shorten it to %d characters.", max), "is %d characters; WhatsApp allows %d", n, max)
	}
	return nil
}

func validateInteractive(body json.RawMessage) error {
	var in interactiveMsg
	if err := json.Unmarshal(body, &in); err != nil {
		return badField("interactive", "See the reply-button, list and cta_url shapes in the API reference.", "%v", err)
	}
	if otherInteractive[in.Type] {
		return nil
	}
	bodyMax := map[string]int{"button": maxButtonBody, "list": maxListBody, "cta_url": maxCTABody}[in.Type]
	if bodyMax == 0 {
		return badField("interactive.type", `Use "button" (reply buttons), "list" or "cta_url".`, "unknown interactive type %q", in.Type)
	}
	if in.Body == nil {
		return badField("interactive.body.text", "Every interactive message needs a body text.", "is required")
	}
	if err := text("interactive.body.text", in.Body.Text, true, bodyMax); err != nil {
		return err
	}
	if in.Footer != nil {
		if err := text("interactive.footer.text", in.Footer.Text, true, maxFooterText); err != nil {
			return err
		}
	}
	if err := validateHeader(in); err != nil {
		return err
	}
	if in.Action == nil {
		return badField("interactive.action", "Add the buttons, the list's sections or the URL button.", "is required")
	}
	switch in.Type {
	case "button":
		return validateButtons(in)
	case "list":
		return validateList(in)
	}
	return validateCTA(in)
}

func validateHeader(in interactiveMsg) error {
	h := in.Header
	if h == nil {
		return nil
	}
	switch {
	case h.Type == "text":
		return text("interactive.header.text", h.Text, true, maxHeaderText)
	case in.Type == "list":
		return badField("interactive.header.type", "Use a text header, or none.", "a list message only takes a text header")
	case h.Type == "image" || h.Type == "video" || h.Type == "document":
		media := map[string]json.RawMessage{"image": h.Image, "video": h.Video, "document": h.Document}[h.Type]
		var m struct{ ID, Link string }
		if json.Unmarshal(media, &m) != nil || (m.ID == "") == (m.Link == "") {
			return badField("interactive.header."+h.Type, `Give exactly one of "id" (uploaded media) or "link".`, "needs an id or a link")
		}
		return nil
	}
	return badField("interactive.header.type", `Use "text", "image", "video" or "document".`, "unknown header type %q", h.Type)
}

func validateButtons(in interactiveMsg) error {
	bs := in.Action.Buttons
	if len(bs) == 0 || len(bs) > maxReplyButtons {
		return badField("interactive.action.buttons", fmt.Sprintf("Give 1 to %d reply buttons; for more choices send a list (up to %d rows).", maxReplyButtons, maxListRows),
			"has %d buttons; WhatsApp allows 1 to %d", len(bs), maxReplyButtons)
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range bs {
		f := fmt.Sprintf("interactive.action.buttons[%d]", i)
		if b.Type != "reply" || b.Reply == nil {
			return badField(f, `Write each button as {"type":"reply","reply":{"id":"…","title":"…"}}.`, "is not a reply button")
		}
		if err := text(f+".reply.id", b.Reply.ID, true, maxButtonID); err != nil {
			return err
		}
		if err := text(f+".reply.title", b.Reply.Title, true, maxButtonTitle); err != nil {
			return err
		}
		if ids[b.Reply.ID] || titles[b.Reply.Title] {
			return badField(f, "Give every button its own id and title.", "repeats an id or a title")
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
	return nil
}

func validateList(in interactiveMsg) error {
	a := in.Action
	if err := text("interactive.action.button", a.Button, true, maxListButton); err != nil {
		return err
	}
	if len(a.Sections) == 0 || len(a.Sections) > maxSections {
		return badField("interactive.action.sections", fmt.Sprintf("Give 1 to %d sections.", maxSections), "has %d sections", len(a.Sections))
	}
	rows, ids := 0, map[string]bool{}
	for i, s := range a.Sections {
		f := fmt.Sprintf("interactive.action.sections[%d]", i)
		// A title tells sections apart; one section needs none.
		if err := text(f+".title", s.Title, len(a.Sections) > 1, maxSectionTitle); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return badField(f+".rows", "Give every section at least one row.", "is empty")
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", f, j)
			if err := text(rf+".id", r.ID, true, maxRowID); err != nil {
				return err
			}
			if ids[r.ID] {
				return badField(rf+".id", "Give every row its own id.", "repeats id %q", r.ID)
			}
			ids[r.ID] = true
			if err := text(rf+".title", r.Title, true, maxRowTitle); err != nil {
				return err
			}
			if err := text(rf+".description", r.Description, false, maxRowDescription); err != nil {
				return err
			}
		}
		rows += len(s.Rows)
	}
	if rows > maxListRows {
		return badField("interactive.action.sections", fmt.Sprintf("Keep at most %d rows across all sections.", maxListRows), "has %d rows; WhatsApp allows %d", rows, maxListRows)
	}
	return nil
}

func validateCTA(in interactiveMsg) error {
	a := in.Action
	if a.Name != "cta_url" {
		return badField("interactive.action.name", `Set "name":"cta_url".`, "is %q", a.Name)
	}
	if a.Parameters == nil {
		return badField("interactive.action.parameters", `Give {"display_text":"…","url":"https://…"}.`, "is required")
	}
	if err := text("interactive.action.parameters.display_text", a.Parameters.DisplayText, true, maxCTADisplayText); err != nil {
		return err
	}
	if u := a.Parameters.URL; !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return badField("interactive.action.parameters.url", "Give a full http(s) URL.", "%q is not an http(s) URL", u)
	}
	return nil
}
