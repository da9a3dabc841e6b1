package numbers

import (
	"context"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Verticals Meta accepts for a business profile (§8.3).
var Verticals = []string{"UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE", "GROCERY",
	"GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT", "NOT_A_BIZ",
	"ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS", "MATRIMONY"}

// Photo limits: Meta takes JPEG or PNG profile photos.
const MaxPhotoBytes = 5 << 20

// ValidateProfile checks Meta's limits before anything is sent, naming the
// field at fault, so Meta never has to refuse it.
func ValidateProfile(bp *whatsapp.BusinessProfile) error {
	bp.About, bp.Address, bp.Description, bp.Email = strings.TrimSpace(bp.About), strings.TrimSpace(bp.Address), strings.TrimSpace(bp.Description), strings.TrimSpace(bp.Email)
	bp.Vertical = strings.ToUpper(strings.TrimSpace(bp.Vertical))
	bad := func(format string, a ...any) error {
		return domain.Errorf(domain.CodeInvalidArgument, "Shorten or correct that field and save again.", format, a...)
	}
	switch n := utf8.RuneCountInString(bp.About); {
	case n == 0:
		return bad("about is required (1 to 139 characters): it is the status line under the business name")
	case n > 139:
		return bad("about is %d characters; Meta allows at most 139", n)
	}
	if n := utf8.RuneCountInString(bp.Address); n > 256 {
		return bad("address is %d characters; Meta allows at most 256", n)
	}
	if n := utf8.RuneCountInString(bp.Description); n > 512 {
		return bad("description is %d characters; Meta allows at most 512", n)
	}
	if bp.Email != "" {
		if len(bp.Email) > 128 {
			return bad("email is %d characters; Meta allows at most 128", len(bp.Email))
		}
		if a, err := mail.ParseAddress(bp.Email); err != nil || a.Address != bp.Email {
			return bad("email %q is not a valid address", bp.Email)
		}
	}
	var sites []string
	for _, w := range bp.Websites {
		if w = strings.TrimSpace(w); w != "" {
			sites = append(sites, w)
		}
	}
	if len(sites) > 2 {
		return bad("websites has %d entries; Meta allows at most 2", len(sites))
	}
	for _, w := range sites {
		if err := checkURL("websites", w, 256); err != nil {
			return err
		}
	}
	bp.Websites = sites
	if bp.Vertical != "" && !slices.Contains(Verticals, bp.Vertical) {
		return bad("vertical %q is not one of Meta's categories: %s", bp.Vertical, strings.Join(Verticals, ", "))
	}
	return nil
}

func checkURL(field, v string, max int) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return domain.Errorf(domain.CodeInvalidArgument, "Write the full address, starting with https://.", "%s: %q is not an http(s) URL", field, v)
	}
	if len(v) > max {
		return domain.Errorf(domain.CodeInvalidArgument, "Use a shorter address.", "%s: %q is longer than %d characters", field, v, max)
	}
	return nil
}

// Profile reads a number's business profile from Meta.
func (s *Service) Profile(ctx context.Context, num domain.Number) (whatsapp.BusinessProfile, error) {
	token, err := s.token(num)
	if err != nil {
		return whatsapp.BusinessProfile{}, err
	}
	bp, err := s.Graph.GetBusinessProfile(ctx, token, num.PhoneNumberID)
	if err != nil {
		return bp, whatsapp.Refusal("read the business profile", err)
	}
	return bp, nil
}

// UpdateProfile validates and writes a number's business profile, notes
// the edit in the number's history, and returns the profile as Meta now
// has it.
func (s *Service) UpdateProfile(ctx context.Context, num domain.Number, bp whatsapp.BusinessProfile, actor string) (whatsapp.BusinessProfile, error) {
	if err := ValidateProfile(&bp); err != nil {
		return bp, err
	}
	return s.writeProfile(ctx, num, bp, "", actor, "profile updated")
}

// UploadPhoto sets a number's profile photo (JPEG or PNG, at most 5 MB)
// through Meta's resumable upload, keeping the rest of the profile.
func (s *Service) UploadPhoto(ctx context.Context, num domain.Number, mimeType string, data []byte, actor string) (whatsapp.BusinessProfile, error) {
	switch {
	case mimeType != "image/jpeg" && mimeType != "image/png":
		return whatsapp.BusinessProfile{}, domain.Errorf(domain.CodeInvalidArgument, "Upload a JPEG or PNG image.", "profile photos must be image/jpeg or image/png, not %q", mimeType)
	case len(data) == 0 || len(data) > MaxPhotoBytes:
		return whatsapp.BusinessProfile{}, domain.Errorf(domain.CodeInvalidArgument, "Upload an image of at most 5 MB.", "the photo is %d bytes", len(data))
	case s.AppID == "":
		return whatsapp.BusinessProfile{}, domain.Errorf(CodeNotConfigured, "Set GOHAVI_META_APP_ID: Meta's upload API is per app.", "uploads need the Meta app id")
	}
	token, err := s.token(num)
	if err != nil {
		return whatsapp.BusinessProfile{}, err
	}
	handle, err := s.Graph.UploadFile(ctx, token, s.AppID, mimeType, data)
	if err != nil {
		return whatsapp.BusinessProfile{}, whatsapp.Refusal("upload the photo", err)
	}
	bp, err := s.Profile(ctx, num)
	if err != nil {
		return bp, err
	}
	return s.writeProfile(ctx, num, bp, handle, actor, "profile photo changed")
}

func (s *Service) writeProfile(ctx context.Context, num domain.Number, bp whatsapp.BusinessProfile, handle, actor, what string) (whatsapp.BusinessProfile, error) {
	token, err := s.token(num)
	if err != nil {
		return bp, err
	}
	if err := s.Graph.UpdateBusinessProfile(ctx, token, num.PhoneNumberID, bp, handle); err != nil {
		return bp, whatsapp.Refusal("save the business profile", err)
	}
	if err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		return tx.AddNumberEvent(ctx, num, domain.NumberEvent{Kind: domain.NumberProfile, To: what, Source: actor})
	}); err != nil {
		return bp, err
	}
	s.announce(ctx, num, nil)
	return s.Profile(ctx, num)
}
