package meta

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Media API (§9): POST /{phone}/media uploads a file and answers its id;
// GET /{media-id} answers a download URL on this host, valid 5 minutes;
// GET <url> with the bearer token returns the bytes; DELETE /{media-id}
// forgets it. Customers' media (Inject) lives in the same store, so a
// webhook's media id is downloadable the same way.

const (
	mediaURLTTL      = 5 * time.Minute     // §9.2: a media URL is valid 5 minutes
	uploadedMediaTTL = 30 * 24 * time.Hour // §9.1: uploaded media ids last 30 days
	inboundMediaTTL  = 7 * 24 * time.Hour  // §2.6: webhook media ids are downloadable 7 days
	maxMediaBytes    = 100 << 20           // §9.4: documents, the largest kind
	lookasidePath    = "/_sim/lookaside/whatsapp_business/attachments/"
)

// mediaItem is a file Meta holds for a number.
type mediaItem struct {
	ID       string    `json:"id"`
	PhoneID  string    `json:"phone_number_id"`
	MIME     string    `json:"mime_type"`
	SHA256   string    `json:"sha256"` // base64, as Meta's current references show it
	Filename string    `json:"filename,omitempty"`
	Size     int64     `json:"file_size"`
	Inbound  bool      `json:"inbound,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	data     []byte    // nil once persisted and not yet read back (media_persist.go)
}

// mediaURL is one handed-out download URL.
type mediaURL struct {
	mediaID string
	expires time.Time
}

// mediaKind is a row of §9.4: the MIME types Meta accepts and their cap.
type mediaKind struct {
	kind string
	max  int64
}

// mediaKinds is §9.4 by bare MIME type (parameters such as "; codecs=opus"
// are ignored). Stickers may be 500 KB when animated and 100 KB when
// static; the simulator cannot tell them apart, so it applies the larger.
var mediaKinds = map[string]mediaKind{
	"audio/aac":                {"audio", 16 << 20},
	"audio/amr":                {"audio", 16 << 20},
	"audio/mpeg":               {"audio", 16 << 20},
	"audio/mp4":                {"audio", 16 << 20},
	"audio/ogg":                {"audio", 16 << 20},
	"text/plain":               {"document", maxMediaBytes},
	"application/pdf":          {"document", maxMediaBytes},
	"application/vnd.ms-excel": {"document", maxMediaBytes},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"document", maxMediaBytes},
	"application/msword": {"document", maxMediaBytes},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {"document", maxMediaBytes},
	"application/vnd.ms-powerpoint":                                             {"document", maxMediaBytes},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"document", maxMediaBytes},
	"image/jpeg": {"image", 5 << 20},
	"image/png":  {"image", 5 << 20},
	"image/webp": {"sticker", 500 << 10},
	"video/mp4":  {"video", 16 << 20},
	"video/3gpp": {"video", 16 << 20},
}

// sniffable are the types whose content net/http recognises for certain:
// a file declared as one of them must look like it (the mismatch §9.4
// calls the most common upload error).
var sniffable = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "application/pdf": true}

func bareMIME(v string) string {
	t, _, err := mime.ParseMediaType(v)
	if err != nil {
		t, _, _ = strings.Cut(v, ";")
	}
	return strings.ToLower(strings.TrimSpace(t))
}

func mediaHash(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// routeMedia serves the media paths and reports whether it did.
func (s *Server) routeMedia(w http.ResponseWriter, r *http.Request, segs []string) bool {
	switch {
	case len(segs) == 2 && segs[1] == "media" && r.Method == http.MethodPost:
		s.uploadMedia(w, r, segs[0])
	case len(segs) == 1 && r.Method == http.MethodDelete && !strings.HasPrefix(segs[0], "upload:"):
		s.deleteMedia(w, r, segs[0])
	case len(segs) == 1 && r.Method == http.MethodGet && s.hasMedia(segs[0]):
		s.getMedia(w, r, segs[0])
	default:
		return false
	}
	return true
}

// hasMedia reports a live media id; expired ones fall through to the
// generic "does not exist" answer, as at Meta.
func (s *Server) hasMedia(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.media[id]
	return it != nil && s.now().Before(it.Expires)
}

// uploadMedia is POST /{phone}/media (§9.1): multipart with
// messaging_product=whatsapp, the file with its content type, and type.
// type may be left out; when given it must agree with the file's.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, phoneID string) {
	ns, gerr := s.authorize(r, phoneID, "post")
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	up, gerr := readUpload(w, r)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if gerr := up.check(); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	now := s.now()
	it := &mediaItem{ID: newNumericID(), PhoneID: ns.PhoneNumberID, MIME: up.mime, SHA256: mediaHash(up.data), Filename: up.filename,
		Size: int64(len(up.data)), Created: now, Expires: now.Add(uploadedMediaTTL), data: up.data}
	s.writeMediaFile(it)
	s.mu.Lock()
	s.media[it.ID] = it
	s.changed()
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, map[string]string{"id": it.ID})
}

// mediaUpload is a parsed POST /{phone}/media body.
type mediaUpload struct {
	product, typ, mime, filename string
	data                         []byte
	hasFile                      bool
}

func readUpload(w http.ResponseWriter, r *http.Request) (*mediaUpload, *graphError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMediaBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errBadRequest("The request must be multipart/form-data with the fields messaging_product, file and type.")
	}
	up := &mediaUpload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, nil
		}
		if err != nil {
			return nil, readError(err)
		}
		limit := int64(4 << 10)
		if part.FormName() == "file" {
			limit = maxMediaBytes + 1
		}
		b, err := io.ReadAll(io.LimitReader(part, limit))
		if err != nil {
			return nil, readError(err)
		}
		switch part.FormName() {
		case "messaging_product":
			up.product = strings.TrimSpace(string(b))
		case "type":
			up.typ = strings.TrimSpace(string(b))
		case "file":
			up.hasFile, up.data, up.filename = true, b, part.FileName()
			up.mime = strings.TrimSpace(part.Header.Get("Content-Type"))
		}
	}
}

func readError(err error) *graphError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return newGraphError(131053, fmt.Sprintf("The file is larger than %d bytes, the largest WhatsApp accepts.", int64(maxMediaBytes)))
	}
	return errBadRequest("Could not read the multipart body.")
}

// check applies §9.4. Every media refusal is 131053, as §12.3 rule 9 has
// it; the details say which rule the file broke.
func (up *mediaUpload) check() *graphError {
	switch {
	case up.product == "":
		return errRequired("messaging_product")
	case up.product != "whatsapp":
		return errParam("messaging_product", `must be "whatsapp"`)
	case !up.hasFile:
		return errRequired("file")
	}
	if up.mime == "" || bareMIME(up.mime) == "application/octet-stream" {
		up.mime = up.typ
	}
	declared := bareMIME(up.mime)
	if up.typ != "" && bareMIME(up.typ) != declared {
		return newGraphError(131053, fmt.Sprintf("Param type (%s) does not match the file's content type (%s).", up.typ, up.mime))
	}
	k, ok := mediaKinds[declared]
	if !ok {
		return newGraphError(131053, fmt.Sprintf("Param file must be a file with one of the following types: %s. Received file of type '%s'.", supportedMIMEs(), up.mime))
	}
	if len(up.data) == 0 {
		return newGraphError(131053, "The uploaded file is empty.")
	}
	if sniffed := bareMIME(http.DetectContentType(up.data)); sniffable[declared] && sniffed != declared {
		return newGraphError(131053, fmt.Sprintf("The file is declared as %s but its content is %s.", declared, sniffed))
	}
	if int64(len(up.data)) > k.max {
		return newGraphError(131053, fmt.Sprintf("The %s file is %d bytes; the limit for %s is %d bytes.", k.kind, len(up.data), declared, k.max))
	}
	return nil
}

func supportedMIMEs() string {
	return strings.Join(slices.Sorted(maps.Keys(mediaKinds)), ", ")
}

// mediaFor authorises a media id call: a valid token first (190), then
// the media, which must be live, granted to the token and, when
// phone_number_id is given, that number's (§9.2); anything else is
// Graph's "does not exist" for the id. Callers hold s.mu.
func (s *Server) mediaFor(r *http.Request, id, method string) (*mediaItem, *graphError) {
	grants, gerr := s.tokenGrants(bearer(r))
	if gerr != nil {
		return nil, gerr
	}
	it := s.media[id]
	if it == nil || !s.now().Before(it.Expires) {
		return nil, errUnsupported(method, id)
	}
	ns := s.numbers[it.PhoneID]
	pn := r.URL.Query().Get("phone_number_id")
	if ns == nil || !grantedNumber(grants, ns) || (pn != "" && pn != it.PhoneID) {
		return nil, errUnsupported(method, id)
	}
	return it, nil
}

// getMedia is GET /{media-id} (§9.2).
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	it, gerr := s.mediaFor(r, id, "get")
	var link string
	if gerr == nil {
		now := s.now()
		for mid, u := range s.mediaURLs {
			if !now.Before(u.expires) {
				delete(s.mediaURLs, mid)
			}
		}
		mid := randomString(32, alnum)
		exp := now.Add(mediaURLTTL)
		s.mediaURLs[mid] = mediaURL{mediaID: id, expires: exp}
		link = fmt.Sprintf("%s%s?mid=%s&ext=%d&hash=%s", baseURL(r), lookasidePath, mid, exp.Unix(), randomString(24, alnum))
	}
	s.mu.Unlock()
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	writeGraphJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp", "url": link, "mime_type": it.MIME,
		"sha256": it.SHA256, "file_size": it.Size, "id": it.ID})
}

// deleteMedia is DELETE /{media-id} (§9.3).
func (s *Server) deleteMedia(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	it, gerr := s.mediaFor(r, id, "delete")
	if gerr == nil {
		delete(s.media, id)
		s.changed()
	}
	s.mu.Unlock()
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	s.removeMediaFile(it.ID)
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// serveLookaside is the download URL (§9.3): the bearer token in the
// Authorization header is required, and every failure (no or bad token,
// expired URL, deleted media) is a 404, which tells the client to fetch a
// new URL and then check its token.
func (s *Server) serveLookaside(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	s.mu.Lock()
	u, found := s.mediaURLs[r.URL.Query().Get("mid")]
	var it *mediaItem
	if found && s.now().Before(u.expires) {
		it = s.media[u.mediaID]
	}
	grants, gerr := s.tokenGrants(strings.TrimSpace(token))
	allowed := ok && gerr == nil && it != nil && s.numbers[it.PhoneID] != nil && grantedNumber(grants, s.numbers[it.PhoneID])
	s.mu.Unlock()
	if !allowed {
		http.Error(w, "URL signature expired or access denied", http.StatusNotFound)
		return
	}
	data, err := s.mediaData(it)
	if err != nil {
		http.Error(w, "media is no longer available", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", it.MIME)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	_, _ = w.Write(data)
}

// ctlMedia serves a file by media id to the phone page, which plays the
// customer: their phone holds what they sent and received, no token
// involved. Simulator only; images and stickers show inline.
func (s *Server) ctlMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	it := s.media[r.PathValue("id")]
	live := it != nil && s.now().Before(it.Expires)
	s.mu.Unlock()
	var data []byte
	var err error
	if live {
		data, err = s.mediaData(it)
	}
	if !live || err != nil {
		simctl.Error(w, http.StatusNotFound, "not_found", "no media "+r.PathValue("id"))
		return
	}
	w.Header().Set("Content-Type", it.MIME)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if k := mediaKinds[bareMIME(it.MIME)]; k.kind != "image" && k.kind != "sticker" {
		w.Header().Set("Content-Disposition", "attachment")
	}
	_, _ = w.Write(data)
}

// checkSendMedia checks the media id of a media send. An id this number
// does not hold is "Parameter value is not valid", 131009, a synchronous
// error per §4.2; a file of the wrong kind for the type is 131053
// (mismatched media, §4.2). Documents may carry any supported file.
func (s *Server) checkSendMedia(ns *numberState, req *sendRequest) *graphError {
	o, _ := req.object.(map[string]any)
	id, _ := o["id"].(string)
	if !mediaTypes[req.typ] || id == "" {
		return nil
	}
	s.mu.Lock()
	it := s.media[id]
	live := it != nil && s.now().Before(it.Expires) && it.PhoneID == ns.PhoneNumberID
	s.mu.Unlock()
	if !live {
		return errInvalid(p(req.typ, "id"), "no media with id "+id+" for this phone number; upload it with POST /"+ns.PhoneNumberID+"/media")
	}
	k := mediaKinds[bareMIME(it.MIME)]
	if req.typ != "document" && k.kind != req.typ {
		return newGraphError(131053, fmt.Sprintf("Media %s is %s, which cannot be sent as %s.", id, it.MIME, req.typ))
	}
	return nil
}
