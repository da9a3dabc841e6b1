package meta

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Resumable Upload API (Graph guides/upload), the source of business
// profile picture handles (§8.3): POST /{app-id}/uploads?file_length=
// &file_type= opens a session {"id":"upload:…"}; POST /upload:… with a
// file_offset header and the bytes as body appends them and, once
// file_length bytes are in, answers {"h":"<handle>"}; GET /upload:… tells
// the offset to resume from. Sessions live in memory only.

var uploadTypes = []string{"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"}

const maxUpload = 100 << 20 // the largest WhatsApp media (documents)

// upload is a session and, when complete, its handle.
type upload struct {
	length int64
	mime   string
	data   []byte
	handle string
}

// picture is a stored profile picture, served at /_sim/pps/{id}.
type picture struct {
	MIME string `json:"mime_type"`
	Data []byte `json:"data"`
}

func (s *Server) createUploadSession(w http.ResponseWriter, r *http.Request, appID string) {
	token := bearer(r)
	s.mu.Lock()
	_, gerr := s.tokenGrants(token)
	s.mu.Unlock()
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if appID != s.appID() {
		writeGraphError(w, errUnsupported("post", appID))
		return
	}
	p, gerr := graphParams(w, r)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	lengthStr, _ := paramString(p, "file_length")
	mime, _ := paramString(p, "file_type")
	length, err := strconv.ParseInt(lengthStr, 10, 64)
	switch {
	case lengthStr == "":
		writeGraphError(w, errRequired("file_length"))
		return
	case err != nil || length <= 0 || length > maxUpload:
		writeGraphError(w, errParam("file_length", fmt.Sprintf("must be a number of bytes between 1 and %d", int64(maxUpload))))
		return
	case mime == "":
		writeGraphError(w, errRequired("file_type"))
		return
	case !slices.Contains(uploadTypes, mime):
		writeGraphError(w, errParam("file_type", "must be one of {"+strings.Join(uploadTypes, ", ")+"}"))
		return
	}
	id := "upload:" + base64.RawURLEncoding.EncodeToString([]byte("sim:"+randomString(24, alnum)))
	s.mu.Lock()
	s.uploads[id] = &upload{length: length, mime: mime}
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, map[string]string{"id": id})
}

// serveUploadSession is GET (offset) and POST (bytes) on an upload id.
func (s *Server) serveUploadSession(w http.ResponseWriter, r *http.Request, id string) {
	token := bearer(r)
	s.mu.Lock()
	_, gerr := s.tokenGrants(token)
	u := s.uploads[id]
	s.mu.Unlock()
	switch {
	case gerr != nil:
		writeGraphError(w, gerr)
		return
	case u == nil:
		writeGraphError(w, errUnsupported(strings.ToLower(r.Method), id))
		return
	case r.Method == http.MethodGet:
		s.mu.Lock()
		off := len(u.data)
		s.mu.Unlock()
		writeGraphJSON(w, http.StatusOK, map[string]any{"id": id, "file_offset": off})
		return
	case r.Method != http.MethodPost:
		writeGraphError(w, errUnsupported(strings.ToLower(r.Method), id))
		return
	}
	offset, err := strconv.ParseInt(r.Header.Get("file_offset"), 10, 64)
	if err != nil {
		writeGraphError(w, errRequired("file_offset"))
		return
	}
	chunk, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		writeGraphError(w, errBadRequest("Could not read the uploaded bytes."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case u.handle != "":
		writeGraphJSON(w, http.StatusOK, map[string]string{"h": u.handle})
		return
	case offset != int64(len(u.data)):
		writeGraphError(w, errParam("file_offset", fmt.Sprintf("must be %d, the number of bytes received so far", len(u.data))))
		return
	case int64(len(u.data)+len(chunk)) > u.length:
		writeGraphError(w, errParam("file_length", fmt.Sprintf("is %d, but more bytes were sent", u.length)))
		return
	}
	u.data = append(u.data, chunk...)
	if int64(len(u.data)) < u.length {
		writeGraphJSON(w, http.StatusOK, map[string]any{"id": id, "file_offset": len(u.data)})
		return
	}
	u.handle = "4::" + base64.StdEncoding.EncodeToString([]byte(u.mime+":"+randomString(32, alnum)))
	writeGraphJSON(w, http.StatusOK, map[string]string{"h": u.handle})
}

// uploadByHandle finds a finished upload. Callers hold s.mu.
func (s *Server) uploadByHandle(h string) *upload {
	for _, u := range s.uploads {
		if u.handle != "" && u.handle == h {
			return u
		}
	}
	return nil
}

// servePicture serves a profile picture publicly, like Meta's CDN URLs.
func (s *Server) servePicture(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.pictures[id]
	s.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.MIME)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(p.Data)
}
