package crmsync

import (
	"encoding/json"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// Settings is a connection's mapping, kept as JSON on the connection.
type Settings struct {
	// CreateLeads: a customer the CRM does not know becomes a contact (or
	// a Zoho lead) on their first message.
	CreateLeads bool `json:"create_leads"`
	// LogMessages: every message goes on the contact's timeline.
	LogMessages bool `json:"log_messages"`
	// LeadModule is where Zoho puts new customers: Contacts or Leads.
	LeadModule string `json:"lead_module,omitempty"`
	// Fields maps CRM field names to values for a new contact, with
	// {{contact.name}}, {{contact.phone}}, {{contact.opt_in}} and
	// {{contact.first_message}} filled in.
	Fields map[string]string `json:"fields"`
	// NumberID is the number rule templates go from (0: the first one).
	NumberID int64 `json:"number_id,omitempty"`
}

func defaultSettings() Settings {
	return Settings{CreateLeads: true, LogMessages: true, Fields: map[string]string{}}
}

// parseSettings reads stored settings over the defaults, so a field added
// later keeps its default for connections saved before.
func parseSettings(raw string) Settings {
	s := defaultSettings()
	_ = json.Unmarshal([]byte(raw), &s)
	if s.Fields == nil {
		s.Fields = map[string]string{}
	}
	return s
}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, "Fix the request and send it again.", format, args...)
}

// validate checks settings a person sends.
func (s Settings) validate(provider string) error {
	switch s.LeadModule {
	case "", "Contacts", "Leads":
	default:
		return invalid(`lead_module must be "Contacts" or "Leads", not %q`, s.LeadModule)
	}
	if s.LeadModule == "Leads" && provider != "zoho" {
		return invalid("lead_module applies to Zoho CRM only")
	}
	if len(s.Fields) > 50 {
		return invalid("at most 50 mapped fields")
	}
	for k, v := range s.Fields {
		if strings.TrimSpace(k) == "" || len(k) > 100 || len(v) > 500 {
			return invalid("mapped field %q: names are 1–100 characters, values at most 500", k)
		}
	}
	return nil
}

// module is the Zoho module new customers go to.
func (s Settings) module(provider string) string {
	if provider == "zoho" && s.LeadModule == "Leads" {
		return "Leads"
	}
	if provider == "zoho" {
		return "Contacts"
	}
	return ""
}
