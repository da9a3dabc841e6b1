package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// maxMediaBody bounds an upload request: the largest file WhatsApp sends
// plus room for the multipart framing and the filename field.
const maxMediaBody = domain.MaxMediaBytes + 1<<20

// sniffed are the types net/http recognises for certain: an upload that
// claims one of them must look like it, which is the mismatch Meta itself
// refuses most often (131053).
var sniffed = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "application/pdf": true}

// mediaJSON answers an upload.
type mediaJSON struct {
	ID       int64  `json:"id"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"size"`
	Filename string `json:"filename"`
	URL      string `json:"url"`
	Status   string `json:"status"`
}

// postMedia stores a file to send: multipart/form-data with the file in
// "file" and, optionally, its name in "filename". The type is the part's
// Content-Type (or, when that says nothing, the name's extension); it must
// be one WhatsApp sends, within the cap for its kind (spec §9.4).
func (s *server) postMedia(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	up, err := readMediaUpload(w, r)
	if err == nil {
		err = up.check()
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.DB.CreateMedia(r.Context(), domain.Media{WorkspaceID: p.WorkspaceID, MimeType: up.mime, Filename: up.filename, CreatedBy: p.UserID}, up.data)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, mediaJSON{ID: m.ID, MimeType: m.MimeType, Size: m.Size, Filename: m.Filename, URL: view.MediaURL(m.ID), Status: string(m.Status)})
}

type mediaUpload struct {
	mime, filename string
	data           []byte
	hasFile        bool
}

const multipartRemedy = `Send multipart/form-data with the file in a part named "file" (curl -F file=@photo.jpg).`

func readMediaUpload(w http.ResponseWriter, r *http.Request) (*mediaUpload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMediaBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalidArgument, multipartRemedy, "the request is not multipart/form-data")
	}
	up := &mediaUpload{}
	named := "" // the filename field wins over the part's own name
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if named != "" {
				up.filename = named
			}
			return up, nil
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		switch part.FormName() {
		case "file":
			up.hasFile, up.filename = true, part.FileName()
			up.mime = strings.TrimSpace(part.Header.Get("Content-Type"))
			up.data, err = io.ReadAll(io.LimitReader(part, domain.MaxMediaBytes+1))
		case "filename":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, 1<<10))
			named = strings.TrimSpace(string(b))
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
	}
}

func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return domain.Errorf(domain.CodeTooLarge, "WhatsApp carries files of at most 100 MB (documents); send a smaller file.", "the upload is larger than %d bytes", int64(maxMediaBody))
	}
	return domain.Errorf(domain.CodeInvalidArgument, multipartRemedy, "the multipart body could not be read")
}

// check settles the name and type and applies §9.4.
func (up *mediaUpload) check() error {
	if !up.hasFile {
		return domain.Errorf(domain.CodeInvalidArgument, multipartRemedy, `no "file" part in the upload`)
	}
	up.filename = cleanFilename(up.filename)
	if bare := domain.BareMIME(up.mime); bare == "" || bare == "application/octet-stream" {
		up.mime = domain.MIMEByFilename(up.filename)
	}
	bare := domain.BareMIME(up.mime)
	k, ok := domain.MediaKindOf(bare)
	switch {
	case !ok:
		t := up.mime
		if t == "" {
			t = "a file of unknown type"
		}
		return domain.Errorf(domain.CodeInvalidArgument, "WhatsApp sends "+domain.SupportedMIMEs()+"; convert the file or send a link.", "%s is not a type WhatsApp sends", t)
	case len(up.data) == 0:
		return domain.Errorf(domain.CodeInvalidArgument, "Choose the file again; it arrived empty.", "the file is empty")
	case int64(len(up.data)) > k.MaxBytes:
		return domain.Errorf(domain.CodeTooLarge, capRemedy(k), "the %s is %s; WhatsApp sends %s files of at most %s", k.Type, humanBytes(int64(len(up.data))), bare, humanBytes(k.MaxBytes))
	}
	if got := domain.BareMIME(http.DetectContentType(up.data)); sniffed[bare] && got != bare {
		return domain.Errorf(domain.CodeInvalidArgument, "Upload it with its real type (or the right file extension).", "the file is declared as %s but its content is %s", bare, got)
	}
	return nil
}

func capRemedy(k domain.MediaKind) string {
	if k.Type == "document" {
		return "Send a smaller file, or share a link to it."
	}
	return "Compress it, or send a link to it."
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cleanFilename keeps the last path element of a name a browser or a
// client sent, without control characters, at most 200 characters.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if name == "." || name == "/" {
		return ""
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

// getMedia serves a stored file to whoever may see its message: another
// workspace's file, or one in a conversation agents_see hides from p, is
// not found. Documents download under their name; the rest show inline.
func (s *server) getMedia(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	var m domain.Media
	if err == nil {
		m, err = s.DB.MediaByID(r.Context(), p.WorkspaceID, id)
	}
	if err == nil {
		err = s.mediaVisible(r, p, m)
	}
	if err == nil {
		err = mediaServable(m)
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		writeError(w, r, err)
		return
	}
	h := w.Header()
	etag := `"` + m.SHA256 + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=86400")
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == "*" || strings.Contains(inm, etag)) {
		w.WriteHeader(http.StatusNotModified) // the bytes are not even read
		return
	}
	m, data, err := s.DB.MediaData(r.Context(), p.WorkspaceID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.Set("Content-Type", m.MimeType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", disposition(m))
	http.ServeContent(w, r, "", m.UpdatedAt, bytes.NewReader(data)) // ranges, for seeking in audio and video
}

// mediaVisible applies agents_see: a file goes with its message's
// conversation; an upload no message sent yet, with its uploader.
func (s *server) mediaVisible(r *http.Request, p domain.Principal, m domain.Media) error {
	if m.MessageID != 0 {
		msg, err := s.DB.MessageByID(r.Context(), p.WorkspaceID, m.MessageID)
		if err == nil {
			_, err = s.inbox().Visible(r.Context(), p, msg.ConversationID)
		}
		return err
	}
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err == nil && see.Restricted(p) && m.CreatedBy != p.UserID {
		err = domain.ErrNotFound
	}
	return err
}

func mediaServable(m domain.Media) error {
	switch m.Status {
	case domain.MediaPending:
		return domain.Errorf(domain.CodeUnavailable, `Try again in a few seconds: the message's media.status turns "ready" (a message.updated event says when).`,
			"the file is still being downloaded from WhatsApp")
	case domain.MediaFailed:
		return domain.Errorf(domain.CodeNotFound, "Ask the customer to send the file again.", "the file could not be downloaded: %s", m.Error)
	}
	return nil
}

func disposition(m domain.Media) string {
	if domain.InlineMedia(m.MimeType) {
		return "inline"
	}
	name := m.Filename
	if name == "" {
		name = "document"
	}
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": name}); d != "" {
		return d
	}
	return "attachment"
}
