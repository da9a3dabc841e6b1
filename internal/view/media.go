package view

import (
	"strconv"

	"github.com/gohavi/gohavi/internal/domain"
)

// MediaURL is where GoHavi serves a stored file: a path on this server,
// answered to the same session or API key as the rest of /api/v1, so the
// API and the realtime stream render it alike whatever host serves them.
func MediaURL(id int64) string { return "/api/v1/media/" + strconv.FormatInt(id, 10) }

// NewMedia renders a message's file; the URL is set once the bytes are
// stored.
func NewMedia(m domain.Media) *Media {
	out := &Media{MimeType: m.MimeType, Filename: m.Filename, Size: m.Size, Status: string(m.Status), Error: m.Error}
	if m.Status == domain.MediaReady {
		out.URL = MediaURL(m.ID)
	}
	if m.Status != domain.MediaFailed {
		out.Error = "" // a retry's error is not the outcome
	}
	return out
}
