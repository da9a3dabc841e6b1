package templates

import (
	"strconv"
	"strings"
)

// SendComponent is one entry of the "components" array of a template send
// (spec §3.8).
type SendComponent struct {
	Type       string          `json:"type"`               // header, body, button
	SubType    string          `json:"sub_type,omitempty"` // quick_reply, url, copy_code
	Index      string          `json:"index,omitempty"`    // zero-based button position
	Parameters []SendParameter `json:"parameters"`
}

// SendParameter is one parameter of a SendComponent.
type SendParameter struct {
	Type          string          `json:"type"`
	ParameterName string          `json:"parameter_name,omitempty"`
	Text          string          `json:"text,omitempty"`
	Payload       string          `json:"payload,omitempty"`
	CouponCode    string          `json:"coupon_code,omitempty"`
	Image         *MediaObject    `json:"image,omitempty"`
	Video         *MediaObject    `json:"video,omitempty"`
	Document      *MediaObject    `json:"document,omitempty"`
	Location      *LocationObject `json:"location,omitempty"`
}

// MediaObject references header media by uploaded ID or by link.
type MediaObject struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// LocationObject is a location header parameter.
type LocationObject = Location

// Components checks p against t (see Check) and builds the components array
// of the send request: header, body, then parameterised buttons in index
// order. Empty values are never emitted: they fail Check first.
func Components(t Template, p SendParams) ([]SendComponent, error) {
	if err := Check(t, p); err != nil {
		return nil, err
	}
	s := t.Params()
	var out []SendComponent
	if h := headerComponent(s, p); h != nil {
		out = append(out, *h)
	}
	var body []SendParameter
	if s.Format == FormatNamed {
		for _, n := range s.BodyNames {
			body = append(body, SendParameter{Type: "text", ParameterName: n, Text: p.BodyNamed[n]})
		}
	} else {
		for _, v := range p.Body {
			body = append(body, SendParameter{Type: "text", Text: v})
		}
	}
	if len(body) > 0 {
		out = append(out, SendComponent{Type: "body", Parameters: body})
	}
	bs := t.buttons()
	for _, idx := range buttonIndices(s, p) {
		var sub string
		var param SendParameter
		switch ButtonType(upper(string(bs[idx].Type))) {
		case ButtonQuickReply:
			sub, param = "quick_reply", SendParameter{Type: "payload", Payload: p.Buttons[idx][0]}
		case ButtonURL:
			sub, param = "url", SendParameter{Type: "text", Text: p.Buttons[idx][0]}
		case ButtonCopyCode:
			sub, param = "copy_code", SendParameter{Type: "coupon_code", CouponCode: p.Buttons[idx][0]}
		case ButtonOTP: // authentication: Meta expects the code as a url button parameter
			sub, param = "url", SendParameter{Type: "text", Text: p.Body[0]}
		}
		out = append(out, SendComponent{Type: "button", SubType: sub, Index: strconv.Itoa(idx), Parameters: []SendParameter{param}})
	}
	return out, nil
}

func headerComponent(s Spec, p SendParams) *SendComponent {
	h := p.Header
	var param SendParameter
	switch {
	case s.HeaderFormat == HeaderText && s.HeaderParam != "":
		param = SendParameter{Type: "text", Text: h.Text}
		if s.Format == FormatNamed {
			param.ParameterName = s.HeaderParam
		}
	case s.NeedsMedia():
		m := &MediaObject{ID: h.MediaID, Link: h.Link, Filename: h.Filename}
		param.Type = strings.ToLower(string(s.HeaderFormat))
		switch s.HeaderFormat {
		case HeaderImage:
			param.Image = m
		case HeaderVideo:
			param.Video = m
		case HeaderDocument:
			param.Document = m
		}
	case s.HeaderFormat == HeaderLocation:
		loc := *h.Location
		param = SendParameter{Type: "location", Location: &loc}
	default:
		return nil
	}
	return &SendComponent{Type: "header", Parameters: []SendParameter{param}}
}

// buttonIndices lists the buttons that get a component: required ones, the
// OTP button, and quick replies given a payload.
func buttonIndices(s Spec, p SendParams) []int {
	var idx []int
	for _, b := range s.Buttons {
		idx = append(idx, b.Index)
	}
	for _, q := range s.QuickReplies {
		if _, ok := p.Buttons[q]; ok {
			idx = append(idx, q)
		}
	}
	sortInts(idx)
	return idx
}
