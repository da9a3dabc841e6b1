package meta

import (
	"encoding/json"
	"fmt"
)

// otherInteractive are interactive types the simulator accepts without
// checking their shape (out of scope of §3.5).
var otherInteractive = map[string]bool{
	"location_request_message": true, "flow": true, "product": true, "product_list": true,
	"carousel": true, "address_message": true, "call_permission_request": true, "catalog_message": true,
}

func validateInteractive(o map[string]any) *graphError {
	const path = "interactive"
	typ, gerr := str(o, "type", p(path, "type"), true, 0)
	if gerr != nil {
		return gerr
	}
	if otherInteractive[typ] {
		return nil
	}
	bodyMax := map[string]int{"button": 1024, "list": 4096, "cta_url": 1024}[typ]
	if bodyMax == 0 {
		return errInvalid(p(path, "type"), fmt.Sprintf("unsupported interactive type %q", typ))
	}
	body, gerr := object(o, "body", p(path, "body"), true)
	if gerr != nil {
		return gerr
	}
	if _, gerr := str(body, "text", p(p(path, "body"), "text"), true, bodyMax); gerr != nil {
		return gerr
	}
	if gerr := validateHeader(o, typ); gerr != nil {
		return gerr
	}
	if footer, gerr := object(o, "footer", p(path, "footer"), false); gerr != nil {
		return gerr
	} else if footer != nil {
		if _, gerr := str(footer, "text", p(p(path, "footer"), "text"), true, 60); gerr != nil {
			return gerr
		}
	}
	action, gerr := object(o, "action", p(path, "action"), true)
	if gerr != nil {
		return gerr
	}
	switch typ {
	case "button":
		return validateButtons(action)
	case "list":
		return validateList(action)
	default:
		return validateCTA(action)
	}
}

func validateHeader(o map[string]any, typ string) *graphError {
	path := p("interactive", "header")
	h, gerr := object(o, "header", path, false)
	if gerr != nil || h == nil {
		return gerr
	}
	ht, gerr := str(h, "type", p(path, "type"), true, 0)
	if gerr != nil {
		return gerr
	}
	switch {
	case ht == "text":
		_, gerr = str(h, "text", p(path, "text"), true, 60)
		return gerr
	case typ == "list":
		return errInvalid(p(path, "type"), "list messages only take a text header")
	case ht == "image" || ht == "video" || ht == "document":
		m, gerr := object(h, ht, p(path, ht), true)
		if gerr != nil {
			return gerr
		}
		return validateMedia(ht, m)
	}
	return errInvalid(p(path, "type"), fmt.Sprintf("unsupported header type %q", ht))
}

func validateButtons(action map[string]any) *graphError {
	path := p(p("interactive", "action"), "buttons")
	buttons, gerr := array(action, "buttons", path, true)
	if gerr != nil {
		return gerr
	}
	if len(buttons) < 1 || len(buttons) > 3 {
		return errInvalid(path, "must have between 1 and 3 buttons")
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range buttons {
		bp := fmt.Sprintf("%s[%d]", path, i)
		bo, ok := b.(map[string]any)
		if !ok {
			return errInvalid(bp, "must be an object")
		}
		if t, gerr := str(bo, "type", p(bp, "type"), true, 0); gerr != nil {
			return gerr
		} else if t != "reply" {
			return errInvalid(p(bp, "type"), `must be "reply"`)
		}
		reply, gerr := object(bo, "reply", p(bp, "reply"), true)
		if gerr != nil {
			return gerr
		}
		id, gerr := str(reply, "id", p(p(bp, "reply"), "id"), true, 256)
		if gerr != nil {
			return gerr
		}
		title, gerr := str(reply, "title", p(p(bp, "reply"), "title"), true, 20)
		if gerr != nil {
			return gerr
		}
		if ids[id] || titles[title] {
			return errInvalid(bp, "button ids and titles must be unique")
		}
		ids[id], titles[title] = true, true
	}
	return nil
}

func validateList(action map[string]any) *graphError {
	path := p("interactive", "action")
	if _, gerr := str(action, "button", p(path, "button"), true, 20); gerr != nil {
		return gerr
	}
	sections, gerr := array(action, "sections", p(path, "sections"), true)
	if gerr != nil {
		return gerr
	}
	if len(sections) < 1 || len(sections) > 10 {
		return errInvalid(p(path, "sections"), "must have between 1 and 10 sections")
	}
	rows, ids := 0, map[string]bool{}
	for i, s := range sections {
		sp := fmt.Sprintf("%s[%d]", p(path, "sections"), i)
		so, ok := s.(map[string]any)
		if !ok {
			return errInvalid(sp, "must be an object")
		}
		if _, gerr := str(so, "title", p(sp, "title"), len(sections) > 1, 24); gerr != nil {
			return gerr
		}
		list, gerr := array(so, "rows", p(sp, "rows"), true)
		if gerr != nil {
			return gerr
		}
		if len(list) == 0 {
			return errInvalid(p(sp, "rows"), "must have at least one row")
		}
		for j, r := range list {
			rp := fmt.Sprintf("%s[%d]", p(sp, "rows"), j)
			ro, ok := r.(map[string]any)
			if !ok {
				return errInvalid(rp, "must be an object")
			}
			id, gerr := str(ro, "id", p(rp, "id"), true, 200)
			if gerr != nil {
				return gerr
			}
			if ids[id] {
				return errInvalid(p(rp, "id"), "row ids must be unique")
			}
			ids[id] = true
			if _, gerr := str(ro, "title", p(rp, "title"), true, 24); gerr != nil {
				return gerr
			}
			if _, gerr := str(ro, "description", p(rp, "description"), false, 72); gerr != nil {
				return gerr
			}
		}
		rows += len(list)
	}
	if rows > 10 {
		return errInvalid(p(path, "sections"), "must have at most 10 rows in total")
	}
	return nil
}

func validateCTA(action map[string]any) *graphError {
	path := p("interactive", "action")
	if name, gerr := str(action, "name", p(path, "name"), true, 0); gerr != nil {
		return gerr
	} else if name != "cta_url" {
		return errInvalid(p(path, "name"), `must be "cta_url"`)
	}
	params, gerr := object(action, "parameters", p(path, "parameters"), true)
	if gerr != nil {
		return gerr
	}
	if _, gerr := str(params, "display_text", p(p(path, "parameters"), "display_text"), true, 20); gerr != nil {
		return gerr
	}
	url, gerr := str(params, "url", p(p(path, "parameters"), "url"), true, 0)
	if gerr == nil && !isHTTPURL(url) {
		gerr = errInvalid(p(p(path, "parameters"), "url"), "must be an http(s) URL")
	}
	return gerr
}

var componentTypes = map[string]bool{"header": true, "body": true, "button": true, "footer": true, "carousel": true, "limited_time_offer": true}

// validateTemplate checks the shape of a template send; which templates
// exist is the registry's business, not checked here.
func validateTemplate(o map[string]any) (string, *graphError) {
	const path = "template"
	name, gerr := str(o, "name", p(path, "name"), true, 512)
	if gerr != nil {
		return "", gerr
	}
	lang, gerr := object(o, "language", p(path, "language"), true)
	if gerr != nil {
		return "", gerr
	}
	if _, gerr := str(lang, "code", p(p(path, "language"), "code"), true, 0); gerr != nil {
		return "", gerr
	}
	comps, gerr := array(o, "components", p(path, "components"), false)
	if gerr != nil {
		return "", gerr
	}
	for i, c := range comps {
		cp := fmt.Sprintf("%s[%d]", p(path, "components"), i)
		co, ok := c.(map[string]any)
		if !ok {
			return "", errInvalid(cp, "must be an object")
		}
		ct, gerr := str(co, "type", p(cp, "type"), true, 0)
		if gerr != nil {
			return "", gerr
		}
		if !componentTypes[ct] {
			return "", errInvalid(p(cp, "type"), fmt.Sprintf("unknown component type %q", ct))
		}
		if ct == "button" {
			if _, gerr := str(co, "sub_type", p(cp, "sub_type"), true, 0); gerr != nil {
				return "", gerr
			}
			switch co["index"].(type) {
			case string, json.Number:
			case nil:
				return "", errMissing(p(cp, "index"))
			default:
				return "", errInvalid(p(cp, "index"), "must be a number or a numeric string")
			}
		}
		params, gerr := array(co, "parameters", p(cp, "parameters"), false)
		if gerr != nil {
			return "", gerr
		}
		for j, prm := range params {
			if gerr := validateParam(prm, fmt.Sprintf("%s[%d]", p(cp, "parameters"), j)); gerr != nil {
				return "", gerr
			}
		}
	}
	return name, nil
}

var passThroughParams = map[string]bool{
	"action": true, "product": true, "order_status": true, "limited_time_offer": true,
	"tap_target_configuration": true, "ttl": true,
}

func validateParam(v any, path string) *graphError {
	po, ok := v.(map[string]any)
	if !ok {
		return errInvalid(path, "must be an object")
	}
	pt, gerr := str(po, "type", p(path, "type"), true, 0)
	if gerr != nil {
		return gerr
	}
	switch pt {
	case "text", "payload":
		_, gerr = str(po, pt, p(path, pt), true, 0)
	case "coupon_code":
		_, gerr = str(po, pt, p(path, pt), true, 20)
	case "currency":
		var cur map[string]any
		if cur, gerr = object(po, pt, p(path, pt), true); gerr == nil {
			_, gerr = str(cur, "fallback_value", p(p(path, pt), "fallback_value"), true, 0)
		}
	case "date_time":
		var dt map[string]any
		if dt, gerr = object(po, pt, p(path, pt), true); gerr == nil {
			_, gerr = str(dt, "fallback_value", p(p(path, pt), "fallback_value"), true, 0)
		}
	case "image", "video", "document":
		var m map[string]any
		if m, gerr = object(po, pt, p(path, pt), true); gerr == nil {
			gerr = validateMedia(pt, m)
		}
	case "location":
		var m map[string]any
		if m, gerr = object(po, pt, p(path, pt), true); gerr == nil {
			if gerr = coordinate(m, "latitude", p(path, pt)); gerr == nil {
				gerr = coordinate(m, "longitude", p(path, pt))
			}
		}
	default:
		if !passThroughParams[pt] {
			gerr = errInvalid(p(path, "type"), fmt.Sprintf("unknown parameter type %q", pt))
		}
	}
	return gerr
}
