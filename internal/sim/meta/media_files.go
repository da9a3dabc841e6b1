package meta

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Media bytes are kept out of the state file, which is rewritten whole on
// every save: each file is written once, beside it, in <StatePath>.media/
// when it is stored, and removed on DELETE. The state file keeps the
// metadata (stateFile.Media), so a restarted simulator still serves every
// live media id, as Meta does for 30 days (uploads) or 7 (webhooks); a
// product that cached an uploaded id keeps sending with it.

var mediaIDRe = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

func (s *Server) mediaDir() string {
	if s.cfg.StatePath == "" || s.persist == nil {
		return ""
	}
	return s.cfg.StatePath + ".media"
}

// writeMediaFile stores an item's bytes on disk when state is persisted. A
// failed write is logged: the bytes stay in memory for this run.
func (s *Server) writeMediaFile(it *mediaItem) {
	dir := s.mediaDir()
	if dir == "" || !mediaIDRe.MatchString(it.ID) {
		return
	}
	err := os.MkdirAll(dir, 0o700)
	if err == nil {
		err = writeFileAtomic(filepath.Join(dir, it.ID), it.data)
	}
	if err != nil {
		s.log.Warn("meta sim: cannot save a media file; it will not survive a restart", "id", it.ID, "err", err)
	}
}

func (s *Server) removeMediaFile(id string) {
	if dir := s.mediaDir(); dir != "" && mediaIDRe.MatchString(id) {
		_ = os.Remove(filepath.Join(dir, id))
	}
}

// mediaData returns an item's bytes, reading them back from disk after a
// restart.
func (s *Server) mediaData(it *mediaItem) ([]byte, error) {
	s.mu.Lock()
	data := it.data
	s.mu.Unlock()
	if data != nil {
		return data, nil
	}
	dir := s.mediaDir()
	if dir == "" || !mediaIDRe.MatchString(it.ID) {
		return nil, errors.New("media bytes are gone")
	}
	return os.ReadFile(filepath.Join(dir, it.ID))
}

// snapshotMedia lists the live media. Callers hold s.mu.
func (s *Server) snapshotMedia(st *stateFile) {
	now := s.now()
	for _, it := range s.media {
		if now.Before(it.Expires) {
			c := *it
			c.data = nil
			st.Media = append(st.Media, c)
		}
	}
	slices.SortFunc(st.Media, func(a, b mediaItem) int { return strings.Compare(a.ID, b.ID) })
}

// restoreMedia installs the saved metadata; expired media and media whose
// file is missing are dropped, and the files of expired ones removed.
func (s *Server) restoreMedia(st *stateFile) {
	dir := s.cfg.StatePath + ".media"
	now := s.now()
	for i := range st.Media {
		it := st.Media[i]
		if !mediaIDRe.MatchString(it.ID) {
			continue
		}
		path := filepath.Join(dir, it.ID)
		if !now.Before(it.Expires) {
			_ = os.Remove(path)
			continue
		}
		if _, err := os.Stat(path); err != nil {
			continue
		}
		s.media[it.ID] = &it
	}
}

// prepareInboundMedia gives a customer's media message real bytes behind
// its id: data when the test supplied them, else a small valid file of
// the type. It fills id, mime_type and sha256 in the content (unless set)
// and returns the item to store, or nil when the content names a media id
// the simulator already holds (a forwarded upload) or is malformed (left
// to completeContent to refuse).
func (s *Server) prepareInboundMedia(in Inbound, content any) (*mediaItem, any) {
	m, ok := content.(map[string]any)
	if content == nil {
		m, ok = map[string]any{}, true
	}
	if !ok {
		return nil, content
	}
	id, _ := m["id"].(string)
	if id != "" && in.Data == nil && s.hasMedia(id) {
		return nil, m
	}
	if id == "" {
		id = newNumericID()
		m["id"] = id
	}
	mt, _ := m["mime_type"].(string)
	if mt == "" {
		mt = mediaMIME[in.Type]
		m["mime_type"] = mt
	}
	data := in.Data
	if data == nil {
		data = sampleMedia(mt)
	}
	sum := mediaHash(data)
	if _, set := m["sha256"]; !set {
		m["sha256"] = sum
	}
	now := s.now()
	it := &mediaItem{ID: id, PhoneID: in.PhoneNumberID, MIME: mt, SHA256: sum, Size: int64(len(data)), Inbound: true,
		Created: now, Expires: now.Add(inboundMediaTTL), data: data}
	if s.persist != nil {
		s.writeMediaFile(it)
	}
	return it, m
}

// sampleMedia is a small but valid file of the type, so a product can
// decode what it downloads.
func sampleMedia(mt string) []byte {
	switch bareMIME(mt) {
	case "image/jpeg":
		var b bytes.Buffer
		_ = jpeg.Encode(&b, sampleImage(), &jpeg.Options{Quality: 80})
		return b.Bytes()
	case "image/png":
		var b bytes.Buffer
		_ = png.Encode(&b, sampleImage())
		return b.Bytes()
	case "image/webp":
		// A 1×1 lossless WebP (VP8L).
		b, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
		return b
	case "application/pdf":
		return samplePDF()
	case "audio/ogg":
		// An Ogg page header (capture pattern, version, BOS flag): enough
		// for sniffers; players will find no stream in it.
		return append([]byte("OggS\x00\x02"), make([]byte, 22)...)
	case "video/mp4":
		return []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free")
	case "text/plain":
		return []byte("Sent from the GoHavi simulator.\n")
	}
	return []byte("GoHavi simulator sample for " + mt + "\n")
}

func sampleImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			img.Set(x, y, color.RGBA{R: uint8(x * 32), G: 160, B: uint8(y * 32), A: 255})
		}
	}
	return img
}

// samplePDF is a one-page PDF with a correct cross-reference table.
func samplePDF() []byte {
	const text = "BT /F1 12 Tf 20 50 Td (GoHavi sample) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
