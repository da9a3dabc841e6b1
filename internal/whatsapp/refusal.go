package whatsapp

import (
	"errors"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// Refusal turns a failed Graph call into what a person can act on: Meta's
// own words (its user-facing title and message when it gives them) with
// the remedy for its code, as meta_rejected; or that Meta could not be
// reached, as unavailable. doing completes "Meta refused to …". A
// domain.Error passes through unchanged.
func Refusal(doing string, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	var ge *GraphError
	if errors.As(err, &ge) && ge.FromMeta() {
		title, remedy := ge.Explain()
		said := ge.Message
		switch {
		case ge.UserTitle != "" || ge.UserMessage != "":
			said = strings.TrimSpace(strings.Trim(ge.UserTitle+" — "+ge.UserMessage, " —"))
		case ge.Details != "" && ge.Details != ge.Message:
			said += " — " + ge.Details
		case title != "" && title != ge.Message:
			said += " — " + title
		}
		if remedy == "" {
			remedy = ge.UserMessage
		}
		return &domain.Error{Code: domain.CodeMetaRejected, Message: "Meta refused to " + doing + ": " + said, Remedy: remedy, Err: err}
	}
	return &domain.Error{Code: domain.CodeUnavailable, Message: "Could not reach the WhatsApp Cloud API to " + doing + ".",
		Remedy: "Check GOHAVI_GRAPH_BASE_URL and the network, then try again.", Err: err}
}
