package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	templateNameRe = regexp.MustCompile(`^[a-z0-9_]+$`)
	placeholderRe  = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
	namedParamRe   = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// Template-creation error subcodes (§4.2).
const (
	subLimit        = 2388019
	subCharLimit    = 2388040
	subHeaderFormat = 2388047
	subBodyFormat   = 2388072
	subFooterFormat = 2388073
	subTooManyVars  = 2388293
	subLeadTrail    = 2388299
)

// parseTemplateCreate validates a create payload (§6.2, §6.3) and
// returns the template to store (no id, WABA or status yet).
func parseTemplateCreate(body []byte) (*Template, *graphError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var in struct {
		Name            string           `json:"name"`
		Language        string           `json:"language"`
		Category        string           `json:"category"`
		ParameterFormat string           `json:"parameter_format"`
		Components      []map[string]any `json:"components"`
		TTL             *int             `json:"message_send_ttl_seconds"`
	}
	if err := dec.Decode(&in); err != nil {
		return nil, errTemplateParam("The request body is not a valid template: " + err.Error())
	}
	switch {
	case in.Name == "":
		return nil, errTemplateParam("The parameter name is required.")
	case utf8.RuneCountInString(in.Name) > 512 || !templateNameRe.MatchString(in.Name):
		return nil, errTemplateParam("Template names may only contain lowercase letters, numbers and underscores, up to 512 characters.")
	case in.Language == "":
		return nil, errTemplateParam("The parameter language is required.")
	}
	t := &Template{Name: in.Name, Language: in.Language, Category: strings.ToUpper(in.Category),
		ParameterFormat: strings.ToUpper(in.ParameterFormat), Components: in.Components}
	switch t.Category {
	case "MARKETING", "UTILITY", "AUTHENTICATION":
	default:
		return nil, errTemplateParam("The parameter category must be MARKETING, UTILITY or AUTHENTICATION.")
	}
	switch t.ParameterFormat {
	case "":
		t.ParameterFormat = "POSITIONAL"
	case "POSITIONAL", "NAMED":
	default:
		return nil, errTemplateParam(`The parameter parameter_format must be "named" or "positional".`)
	}
	if in.TTL != nil {
		if gerr := checkTemplateTTL(t.Category, *in.TTL); gerr != nil {
			return nil, gerr
		}
		t.MessageSendTTLSeconds = *in.TTL
	}
	return t, validateComponents(t)
}

func validateComponents(t *Template) *graphError {
	if len(t.Components) == 0 {
		return errTemplateParam("The parameter components is required.")
	}
	seen := map[string]bool{}
	for i, c := range t.Components {
		typ, _ := c["type"].(string)
		typ = strings.ToUpper(typ)
		c["type"] = typ
		if seen[typ] {
			return errTemplateParam(fmt.Sprintf("components[%d]: only one %s component is allowed.", i, typ))
		}
		seen[typ] = true
		text, _ := c["text"].(string)
		var gerr *graphError
		switch typ {
		case "HEADER":
			gerr = validateTemplateHeader(t, c, text)
		case "BODY":
			if text == "" && t.Category != "AUTHENTICATION" {
				return errTemplate(subBodyFormat, "Body Format Is Incorrect", "The body component needs a text.")
			}
			gerr = checkText(t, text, 1024, subBodyFormat, "Body")
		case "FOOTER":
			if len(placeholderRe.FindAllString(text, -1)) > 0 {
				return errTemplate(subFooterFormat, "Footer Format Is Incorrect", "Footers cannot contain variables.")
			}
			if utf8.RuneCountInString(text) > 60 {
				return errTemplate(subCharLimit, "Character Limit Exceeded", "The footer can have at most 60 characters.")
			}
		case "BUTTONS":
			gerr = validateTemplateButtons(t, c)
		default:
			return errTemplateParam(fmt.Sprintf("components[%d]: unknown component type %q.", i, typ))
		}
		if gerr != nil {
			return gerr
		}
	}
	if !seen["BODY"] {
		return errTemplate(subBodyFormat, "Body Format Is Incorrect", "A template needs exactly one BODY component.")
	}
	return nil
}

func validateTemplateHeader(t *Template, c map[string]any, text string) *graphError {
	format, _ := c["format"].(string)
	format = strings.ToUpper(format)
	if format == "" {
		format = "TEXT"
	}
	c["format"] = format
	switch format {
	case "TEXT":
		if text == "" {
			return errTemplate(subHeaderFormat, "Header Format Is Incorrect", "A text header needs a text.")
		}
		if len(placeholderRe.FindAllString(text, -1)) > 1 {
			return errTemplate(subHeaderFormat, "Header Format Is Incorrect", "A header can have at most one variable.")
		}
		return checkText(t, text, 60, subHeaderFormat, "Header")
	case "IMAGE", "VIDEO", "GIF", "DOCUMENT", "LOCATION":
		return nil
	}
	return errTemplate(subHeaderFormat, "Header Format Is Incorrect", fmt.Sprintf("Unknown header format %q.", format))
}

// checkText applies the length limit and the parameter rules: positional
// {{1}}…{{n}} in sequence or lowercase named ones per parameter_format, no
// leading or trailing parameter, not too many for the length.
func checkText(t *Template, text string, limit, sub int, what string) *graphError {
	if utf8.RuneCountInString(text) > limit {
		return errTemplate(subCharLimit, "Character Limit Exceeded", fmt.Sprintf("%s text can have at most %d characters.", what, limit))
	}
	names := templateParams(text)
	for i, n := range names {
		if t.ParameterFormat == "NAMED" {
			if !namedParamRe.MatchString(n) {
				return errTemplate(sub, what+" Format Is Incorrect", fmt.Sprintf("Named parameter {{%s}} must use lowercase letters and underscores.", n))
			}
		} else if n != strconv.Itoa(i+1) {
			return errTemplate(sub, what+" Format Is Incorrect", "Positional parameters must be numbered {{1}}, {{2}}, … in order.")
		}
	}
	if len(names) == 0 {
		return nil
	}
	trimmed := strings.TrimSpace(text)
	if what == "Body" && (strings.HasPrefix(trimmed, "{{") || strings.HasSuffix(trimmed, "}}")) {
		return errTemplate(subLeadTrail, "Variables Can't Be at the Start or End of the Template", "Leading or trailing parameters are not allowed.")
	}
	words := len(strings.Fields(placeholderRe.ReplaceAllString(text, " ")))
	if what == "Body" && words < 2*len(names)+1 {
		return errTemplate(subTooManyVars, "Too Many Variables For Message Length", "This template has too many variables for its length.")
	}
	return nil
}

// templateParams returns the placeholder names of text, in order.
func templateParams(text string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

func validateTemplateButtons(t *Template, c map[string]any) *graphError {
	list, _ := c["buttons"].([]any)
	if len(list) == 0 || len(list) > 10 {
		return errTemplateParam("A BUTTONS component needs between 1 and 10 buttons.")
	}
	count := map[string]int{}
	limits := map[string]int{"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1, "FLOW": 1, "CATALOG": 1, "MPM": 1}
	lastQR, groups := false, 0
	for i, b := range list {
		bo, _ := b.(map[string]any)
		typ, _ := bo["type"].(string)
		typ = strings.ToUpper(typ)
		if bo != nil {
			bo["type"] = typ
		}
		if limits[typ] == 0 {
			return errTemplateParam(fmt.Sprintf("buttons[%d]: unknown button type %q.", i, typ))
		}
		if count[typ]++; count[typ] > limits[typ] {
			return errTemplateParam(fmt.Sprintf("A template can have at most %d %s buttons.", limits[typ], typ))
		}
		if typ == "OTP" && t.Category != "AUTHENTICATION" {
			return errTemplateParam("OTP buttons are only allowed in AUTHENTICATION templates.")
		}
		qr := typ == "QUICK_REPLY"
		if qr && !lastQR {
			groups++
		}
		lastQR = qr
		label, _ := bo["text"].(string)
		if utf8.RuneCountInString(label) > 25 {
			return errTemplate(subCharLimit, "Character Limit Exceeded", "Button labels can have at most 25 characters.")
		}
		switch typ {
		case "URL":
			u, _ := bo["url"].(string)
			vars := placeholderRe.FindAllStringIndex(u, -1)
			if !isHTTPURL(u) || utf8.RuneCountInString(u) > 2000 || len(vars) > 1 || (len(vars) == 1 && vars[0][1] != len(u)) {
				return errTemplateParam("URL buttons need an http(s) URL of at most 2000 characters with at most one variable, at the end.")
			}
		case "PHONE_NUMBER":
			if n, _ := bo["phone_number"].(string); n == "" || utf8.RuneCountInString(n) > 20 {
				return errTemplateParam("PHONE_NUMBER buttons need a phone_number of at most 20 characters.")
			}
		}
	}
	if groups > 1 {
		return errTemplateParam("Quick reply buttons must be grouped together.")
	}
	return nil
}
