package meta

import (
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"
)

// Business profile (§8.3): GET and POST /{phone}/whatsapp_business_profile
// with Meta's field limits. A profile_picture_handle from the Resumable
// Upload API becomes a profile_picture_url the simulator serves.

type businessProfile struct {
	About       string   `json:"about,omitempty"`
	Address     string   `json:"address,omitempty"`
	Description string   `json:"description,omitempty"`
	Email       string   `json:"email,omitempty"`
	Websites    []string `json:"websites,omitempty"`
	Vertical    string   `json:"vertical,omitempty"`
	PictureID   string   `json:"picture_id,omitempty"` // key of s.pictures
}

var profileFields = []string{"about", "address", "description", "email", "profile_picture_url", "websites", "vertical"}

// verticals: the documented enum plus the newer ones (§8.3, partly
// unconfirmed), which the simulator accepts rather than reject a valid call.
var verticals = []string{"UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN",
	"FINANCE", "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL",
	"RESTAURANT", "NOT_A_BIZ", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS", "MATRIMONY"}

const (
	maxAbout       = 139
	maxAddress     = 256
	maxDescription = 512
	maxEmail       = 128
	maxWebsites    = 2
	maxWebsite     = 256
	maxPicture     = 5 << 20 // WhatsApp images
)

func (s *Server) serveBusinessProfile(w http.ResponseWriter, r *http.Request, phoneID string) {
	ns, gerr := s.authorize(r, phoneID, strings.ToLower(r.Method))
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if r.Method == http.MethodGet {
		want := wantFields(r, profileFields)
		for _, f := range want {
			if !slices.Contains(profileFields, f) && f != "messaging_product" {
				writeGraphError(w, errUnknownFieldOn(f, "WhatsAppBusinessProfile"))
				return
			}
		}
		s.mu.Lock()
		pr := ns.info.Profile
		s.mu.Unlock()
		out := map[string]any{"messaging_product": "whatsapp"}
		for _, f := range want {
			switch f {
			case "about":
				setNonEmpty(out, f, pr.About)
			case "address":
				setNonEmpty(out, f, pr.Address)
			case "description":
				setNonEmpty(out, f, pr.Description)
			case "email":
				setNonEmpty(out, f, pr.Email)
			case "vertical":
				setNonEmpty(out, f, pr.Vertical)
			case "websites":
				if len(pr.Websites) > 0 {
					out[f] = pr.Websites
				}
			case "profile_picture_url":
				if pr.PictureID != "" {
					out[f] = baseURL(r) + "/_sim/pps/" + pr.PictureID
				}
			}
		}
		writeGraphJSON(w, http.StatusOK, map[string]any{"data": []any{out}})
		return
	}
	p, gerr := graphParams(w, r)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if gerr := s.updateProfile(ns, p); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func setNonEmpty(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// updateProfile validates every given field first and changes nothing on
// an error, like one Graph call.
func (s *Server) updateProfile(ns *numberState, p map[string]any) *graphError {
	if _, ok := p["messaging_product"]; !ok {
		return errRequired("messaging_product")
	}
	if mp, _ := paramString(p, "messaging_product"); mp != "whatsapp" {
		return errParam("messaging_product", "must be one of {whatsapp}")
	}
	s.mu.Lock()
	pr := ns.info.Profile
	s.mu.Unlock()
	pr.Websites = slices.Clone(pr.Websites)
	text := func(name string, min, max int, dst *string) *graphError {
		if _, present := p[name]; !present {
			return nil
		}
		v, ok := paramString(p, name)
		if !ok {
			return errParam(name, "must be a string")
		}
		if n := utf8.RuneCountInString(v); n < min || n > max {
			if min > 0 {
				return errParam(name, fmt.Sprintf("must be between %d and %d characters long", min, max))
			}
			return errParam(name, fmt.Sprintf("must be at most %d characters long", max))
		}
		*dst = v
		return nil
	}
	for _, f := range []struct {
		name     string
		min, max int
		dst      *string
	}{{"about", 1, maxAbout, &pr.About}, {"address", 0, maxAddress, &pr.Address},
		{"description", 0, maxDescription, &pr.Description}, {"email", 0, maxEmail, &pr.Email}} {
		if gerr := text(f.name, f.min, f.max, f.dst); gerr != nil {
			return gerr
		}
	}
	if _, present := p["email"]; present && pr.Email != "" {
		if a, err := mail.ParseAddress(pr.Email); err != nil || a.Address != pr.Email || !strings.Contains(a.Address, ".") {
			return errParam("email", "must be a valid email address")
		}
	}
	if _, present := p["vertical"]; present {
		v, _ := paramString(p, "vertical")
		if !slices.Contains(verticals, v) {
			return errParam("vertical", "must be one of {"+strings.Join(verticals, ", ")+"}")
		}
		pr.Vertical = v
	}
	if _, present := p["websites"]; present {
		sites, ok := paramList(p, "websites")
		if !ok {
			return errParam("websites", "must be an array of URLs")
		}
		if len(sites) > maxWebsites {
			return errParam("websites", fmt.Sprintf("must have at most %d elements", maxWebsites))
		}
		for i, site := range sites {
			if len(site) > maxWebsite || !isHTTPURL(site) {
				return errParam(fmt.Sprintf("websites[%d]", i), fmt.Sprintf("must be an http:// or https:// URL of at most %d characters", maxWebsite))
			}
		}
		pr.Websites = sites
	}
	var pic *picture
	if _, present := p["profile_picture_handle"]; present {
		h, _ := paramString(p, "profile_picture_handle")
		s.mu.Lock()
		u := s.uploadByHandle(h)
		s.mu.Unlock()
		switch {
		case u == nil:
			return errParam("profile_picture_handle", "must be a file handle from the Resumable Upload API")
		case u.mime != "image/jpeg" && u.mime != "image/jpg" && u.mime != "image/png":
			return errParam("profile_picture_handle", "must be a JPEG or PNG image")
		case len(u.data) > maxPicture:
			return errParam("profile_picture_handle", fmt.Sprintf("must be an image of at most %d bytes", maxPicture))
		}
		mime := u.mime
		if mime == "image/jpg" {
			mime = "image/jpeg"
		}
		pic = &picture{MIME: mime, Data: u.data}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pic != nil {
		pr.PictureID = newNumericID()
		s.pictures[pr.PictureID] = pic
		if old := ns.info.Profile.PictureID; old != "" {
			delete(s.pictures, old)
		}
	}
	ns.info.Profile = pr
	s.changed()
	return nil
}
