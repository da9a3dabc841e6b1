package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sendRequest is a parsed POST /<PHONE_NUMBER_ID>/messages body.
type sendRequest struct {
	read         bool   // a mark-as-read call (§3.7)
	messageID    string // mark-as-read target
	to           string
	typ          string
	object       any // the object under the type key
	contextID    string
	bizOpaque    string
	templateName string
	templateID   string // set by checkTemplateSend when the WABA has templates
	templateCat  string // lowercase category of the template sent, once resolved
}

var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// parseSend validates a send body the way Cloud API does: bad JSON is 100,
// missing fields 131008, bad values 131009, with details naming the field.
func parseSend(body []byte) (*sendRequest, *graphError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, errBadRequest("The request body is not a JSON object.")
	}
	product, gerr := str(top, "messaging_product", "messaging_product", true, 0)
	if gerr != nil {
		return nil, gerr
	}
	if product != "whatsapp" {
		return nil, errInvalid("messaging_product", `must be "whatsapp"`)
	}
	req := &sendRequest{}
	if _, ok := top["status"]; ok {
		return req, parseMarkRead(top, req)
	}
	if rt, gerr := str(top, "recipient_type", "recipient_type", false, 0); gerr != nil {
		return nil, gerr
	} else if rt != "" && rt != "individual" {
		return nil, errInvalid("recipient_type", `only "individual" is supported by the simulator`)
	}
	if req.to, gerr = str(top, "to", "to", true, 0); gerr != nil {
		return nil, gerr
	}
	if req.typ, gerr = str(top, "type", "type", false, 0); gerr != nil {
		return nil, gerr
	}
	if req.typ == "" {
		req.typ = "text" // Meta's default
	}
	if req.bizOpaque, gerr = str(top, "biz_opaque_callback_data", "biz_opaque_callback_data", false, 512); gerr != nil {
		return nil, gerr
	}
	if ctx, gerr := object(top, "context", "context", false); gerr != nil {
		return nil, gerr
	} else if ctx != nil {
		if req.typ == "reaction" {
			return nil, errInvalid("context", "reactions cannot be contextual replies")
		}
		if req.contextID, gerr = str(ctx, "message_id", "context['message_id']", true, 0); gerr != nil {
			return nil, gerr
		}
	}
	req.object = top[req.typ]
	if req.object == nil {
		return nil, errMissing(req.typ)
	}
	return req, validateType(req)
}

func parseMarkRead(top map[string]any, req *sendRequest) *graphError {
	status, gerr := str(top, "status", "status", true, 0)
	if gerr != nil {
		return gerr
	}
	if status != "read" {
		return errInvalid("status", `must be "read"`)
	}
	req.read = true
	if req.messageID, gerr = str(top, "message_id", "message_id", true, 0); gerr != nil {
		return gerr
	}
	ti, gerr := object(top, "typing_indicator", "typing_indicator", false)
	if gerr != nil || ti == nil {
		return gerr
	}
	// The typing indicator has no observable effect here; only its shape is checked.
	typ, gerr := str(ti, "type", "typing_indicator['type']", true, 0)
	if gerr == nil && typ != "text" {
		gerr = errInvalid("typing_indicator['type']", `must be "text"`)
	}
	return gerr
}

func validateType(req *sendRequest) *graphError {
	t := req.typ
	if t == "contacts" {
		return validateContacts(req.object)
	}
	o, ok := req.object.(map[string]any)
	if !ok {
		return errInvalid(t, "must be an object")
	}
	switch {
	case t == "text":
		_, gerr := str(o, "body", "text['body']", true, 4096)
		return gerr
	case mediaTypes[t]:
		return validateMedia(t, o)
	case t == "location":
		if gerr := coordinate(o, "latitude", "location"); gerr != nil {
			return gerr
		}
		return coordinate(o, "longitude", "location")
	case t == "interactive":
		return validateInteractive(o)
	case t == "template":
		var gerr *graphError
		req.templateName, gerr = validateTemplate(o)
		return gerr
	case t == "reaction":
		if _, gerr := str(o, "message_id", "reaction['message_id']", true, 0); gerr != nil {
			return gerr
		}
		if _, ok := o["emoji"]; !ok {
			return errMissing("reaction['emoji']")
		}
		_, gerr := str(o, "emoji", "reaction['emoji']", false, 10)
		return gerr
	}
	return errInvalid("type", fmt.Sprintf("unsupported message type %q", t))
}

func validateMedia(t string, o map[string]any) *graphError {
	path := t
	id, gerr := str(o, "id", p(path, "id"), false, 0)
	if gerr != nil {
		return gerr
	}
	link, gerr := str(o, "link", p(path, "link"), false, 0)
	if gerr != nil {
		return gerr
	}
	switch {
	case id == "" && link == "":
		return errMissing(p(path, "id") + " or " + p(path, "link"))
	case id != "" && link != "":
		return errInvalid(path, "set exactly one of id or link")
	case link != "" && !isHTTPURL(link):
		return errInvalid(p(path, "link"), "must be an http(s) URL")
	}
	if _, has := o["caption"]; has && (t == "audio" || t == "sticker") {
		return errInvalid(p(path, "caption"), "captions are not allowed on "+t)
	}
	if _, gerr := str(o, "caption", p(path, "caption"), false, 1024); gerr != nil {
		return gerr
	}
	_, gerr = str(o, "filename", p(path, "filename"), false, 0)
	return gerr
}

func validateContacts(v any) *graphError {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return errInvalid("contacts", "must be a non-empty array")
	}
	for i, c := range list {
		path := fmt.Sprintf("contacts[%d]", i)
		co, ok := c.(map[string]any)
		if !ok {
			return errInvalid(path, "must be an object")
		}
		name, gerr := object(co, "name", p(path, "name"), true)
		if gerr != nil {
			return gerr
		}
		if _, gerr := str(name, "formatted_name", p(p(path, "name"), "formatted_name"), true, 0); gerr != nil {
			return gerr
		}
	}
	return nil
}

// p extends a parameter path the way Meta's error details spell it.
func p(path, key string) string { return path + "['" + key + "']" }

func str(m map[string]any, key, path string, required bool, max int) (string, *graphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			return "", errMissing(path)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errInvalid(path, "must be a string")
	}
	if required && strings.TrimSpace(s) == "" {
		return "", errInvalid(path, "must not be empty")
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return "", errInvalid(path, fmt.Sprintf("must be at most %d characters", max))
	}
	return s, nil
}

func object(m map[string]any, key, path string, required bool) (map[string]any, *graphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			return nil, errMissing(path)
		}
		return nil, nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, errInvalid(path, "must be an object")
	}
	return o, nil
}

func array(m map[string]any, key, path string, required bool) ([]any, *graphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			return nil, errMissing(path)
		}
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, errInvalid(path, "must be an array")
	}
	return a, nil
}

// coordinate accepts a JSON number or a numeric string: Meta's examples
// use strings for sends and numbers in webhooks.
func coordinate(m map[string]any, key, path string) *graphError {
	path = p(path, key)
	switch v := m[key].(type) {
	case nil:
		return errMissing(path)
	case json.Number:
		return nil
	case string:
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return nil
		}
	}
	return errInvalid(path, "must be a number")
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
