package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func encoded(t testing.TB, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 6, 6))
	img.Set(2, 3, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// injectMedia plays a customer sending a file and returns their message
// once its media is no longer pending.
func (n *node) injectMedia(t *testing.T, o opt, from string, in meta.Inbound) view.Message {
	t.Helper()
	in.PhoneNumberID, in.From = sandboxPhone, from
	wamid, err := n.Sim.Inject(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	conv := n.conversationWith(t, o, from)
	var got view.Message
	eventually(t, 20*time.Second, "media of "+wamid+" downloaded", func() bool {
		for _, m := range n.messages(t, o, conv.ID) {
			if m.WAMID == wamid && m.Media != nil && m.Media.Status != "pending" {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// uploadMedia posts a multipart upload; partType "" leaves the part's
// Content-Type out.
func (n *node) uploadMedia(t *testing.T, o opt, partType, filename string, data []byte) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write(data)
	_ = mw.Close()
	return n.call(t, http.MethodPost, "/api/v1/media", body.Bytes(), o, withHeader("Content-Type", mw.FormDataContentType()))
}

func TestInboundMediaIsStoredAndServed(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		o := bearer(n.apiKey(t, "default"))
		other := bearer(n.apiKey(t, "other"))
		const who = "447700900811"
		photo := encoded(t, "jpeg")
		img := n.injectMedia(t, o, who, meta.Inbound{Name: "Mia", Type: "image", Data: photo,
			Content: json.RawMessage(`{"caption":"the crack","mime_type":"image/jpeg"}`)})
		m := img.Media
		if m.Status != "ready" || m.MimeType != "image/jpeg" || m.Size != int64(len(photo)) || !strings.HasPrefix(m.URL, "/api/v1/media/") || !strings.Contains(img.Text, "the crack") {
			t.Fatalf("image message = %+v, media %+v", img, m)
		}
		if got := n.message(t, o, img.ID).Media; got == nil || *got != *m {
			t.Errorf("GET /messages/{id} media = %+v, want %+v", got, m)
		}
		var tl struct {
			Data []struct {
				Kind  string      `json:"kind"`
				Media *view.Media `json:"media"`
				ID    int64       `json:"id"`
			} `json:"data"`
		}
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline", img.ConversationID), nil, o).want(t, http.StatusOK, &tl)
		found := false
		for _, it := range tl.Data {
			found = found || (it.ID == img.ID && it.Media != nil && it.Media.URL == m.URL)
		}
		if !found {
			t.Errorf("the timeline lacks the image's media")
		}

		r := n.call(t, http.MethodGet, m.URL, nil, o)
		if r.Status != 200 || !bytes.Equal(r.Body, photo) || r.Header.Get("Content-Type") != "image/jpeg" ||
			r.Header.Get("Content-Disposition") != "inline" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(r.Header.Get("Cache-Control"), "private") || r.Header.Get("ETag") == "" {
			t.Fatalf("GET %s: %d %v (%d bytes)", m.URL, r.Status, r.Header, len(r.Body))
		}
		if again := n.call(t, http.MethodGet, m.URL, nil, o, withHeader("If-None-Match", r.Header.Get("ETag"))); again.Status != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", again.Status)
		}
		n.call(t, http.MethodGet, m.URL, nil).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.call(t, http.MethodGet, m.URL, nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, "/api/v1/media/999999", nil, o).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// agents_see: a file goes with its conversation; an upload not sent
		// yet, with its uploader.
		_, ann := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"own_and_unassigned"}`, o).want(t, http.StatusOK, nil)
		if r := n.call(t, http.MethodGet, m.URL, nil, ann); r.Status != http.StatusOK {
			t.Errorf("Ann on an unassigned conversation: %d", r.Status)
		}
		n.assign(t, bobOpt, img.ConversationID, map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, m.URL, nil, ann).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if r := n.call(t, http.MethodGet, m.URL, nil, bobOpt); r.Status != http.StatusOK {
			t.Errorf("Bob on his conversation: %d", r.Status)
		}
		var bobs struct {
			URL string `json:"url"`
		}
		n.uploadMedia(t, bobOpt, "image/jpeg", "draft.jpg", photo).want(t, http.StatusCreated, &bobs)
		n.call(t, http.MethodGet, bobs.URL, nil, ann).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if r := n.call(t, http.MethodGet, bobs.URL, nil, bobOpt); r.Status != http.StatusOK {
			t.Errorf("Bob on his upload: %d", r.Status)
		}
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"all"}`, o).want(t, http.StatusOK, nil)

		pdf := []byte("%PDF-1.4\n% the customer's invoice\n%%EOF\n")
		doc := n.injectMedia(t, o, who, meta.Inbound{Type: "document", Data: pdf, Content: json.RawMessage(`{"filename":"invoice März.pdf"}`)})
		r = n.call(t, http.MethodGet, doc.Media.URL, nil, o)
		if r.Status != 200 || !bytes.Equal(r.Body, pdf) || r.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename*=utf-8''invoice%20M%C3%A4rz.pdf") || doc.Media.Filename != "invoice März.pdf" {
			t.Errorf("document: %d %v %+v", r.Status, r.Header, doc.Media)
		}

		// A file Meta could not fetch from the phone is failed, with why.
		body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"x","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",`+
			`"metadata":{"display_phone_number":"15550100001","phone_number_id":%q},"contacts":[{"profile":{"name":"Mia"},"wa_id":%q}],`+
			`"messages":[{"from":%q,"id":"wamid.toobig","timestamp":%q,"type":"video","video":{"mime_type":"video/mp4"},`+
			`"errors":[{"code":131052,"title":"Media download error","message":"Media download error","error_data":{"details":"Unable to download the media sent by the user."}}]}]}}]}]}`,
			sandboxPhone, who, who, unix())
		n.postWebhook(t, appSecret, []byte(body)).want(t, http.StatusOK, nil)
		n.settle(t)
		ws, err := n.EnsureWorkspace(context.Background(), "default")
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, msg := range n.messages(t, o, img.ConversationID) {
			if msg.WAMID != "wamid.toobig" {
				continue
			}
			seen = true
			if msg.Media == nil || msg.Media.Status != "failed" || msg.Media.URL != "" || !strings.Contains(msg.Media.Error, "131052") {
				t.Fatalf("failed media = %+v", msg.Media)
			}
			var id int64
			rows, _ := n.DB.MediaOfMessages(context.Background(), ws.ID, []int64{msg.ID}, nil)
			for _, r := range rows {
				id = r.ID
			}
			e := n.call(t, http.MethodGet, view.MediaURL(id), nil, o).wantError(t, http.StatusNotFound, domain.CodeNotFound)
			if !strings.Contains(e.Message, "131052") || e.Remedy == "" {
				t.Errorf("failed media error: %+v", e)
			}
		}
		if !seen {
			t.Error("the 131052 message is not in the thread")
		}

		sticker := n.injectMedia(t, o, who, meta.Inbound{Type: "sticker"})
		r = n.call(t, http.MethodGet, sticker.Media.URL, nil, o)
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/webp" || r.Header.Get("Content-Disposition") != "inline" || http.DetectContentType(r.Body) != "image/webp" {
			t.Errorf("sticker: %d %v", r.Status, r.Header)
		}
	})
}

func TestSendUploadedMediaThroughMeta(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		o := bearer(n.apiKey(t, "default"))
		const who = "447700900812"
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: who, Text: "photo please"}); err != nil {
			t.Fatal(err)
		}
		n.conversationWith(t, o, who)

		photo := encoded(t, "png")
		var up struct {
			ID       int64  `json:"id"`
			MimeType string `json:"mime_type"`
			Size     int64  `json:"size"`
			Filename string `json:"filename"`
			URL      string `json:"url"`
		}
		n.uploadMedia(t, o, "image/png", `C:\photos\blue.png`, photo).want(t, http.StatusCreated, &up)
		if up.ID == 0 || up.MimeType != "image/png" || up.Size != int64(len(photo)) || up.Filename != "blue.png" || up.URL != view.MediaURL(up.ID) {
			t.Fatalf("upload = %+v", up)
		}
		if r := n.call(t, http.MethodGet, up.URL, nil, o); r.Status != 200 || !bytes.Equal(r.Body, photo) {
			t.Fatalf("GET upload: %d", r.Status)
		}

		var queued view.Message
		n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": "+" + who, "type": "image",
			"image": map[string]any{"media_id": fmt.Sprint(up.ID), "caption": "The blue one"}}, o).want(t, http.StatusAccepted, &queued)
		if queued.Media == nil || queued.Media.URL != up.URL || queued.Media.Status != "ready" {
			t.Fatalf("queued message media = %+v", queued.Media)
		}
		sent := n.waitStatus(t, o, queued.ID, "sent", "delivered", "read")
		if sent.Media == nil || sent.Media.URL != up.URL {
			t.Errorf("sent message media = %+v", sent.Media)
		}

		var metaID string
		for _, s := range n.Sim.Sent(sandboxPhone) {
			var req struct {
				Image map[string]any `json:"image"`
			}
			_ = json.Unmarshal(s.Request, &req)
			if s.WaID == who && req.Image != nil {
				metaID, _ = req.Image["id"].(string)
				if req.Image["media_id"] != nil || req.Image["caption"] != "The blue one" {
					t.Errorf("Meta got %v", req.Image)
				}
			}
		}
		if metaID == "" {
			t.Fatal("Meta received no image send by id")
		}
		var token string
		for _, num := range n.Sim.Numbers() {
			if num.PhoneNumberID == sandboxPhone {
				token = num.AccessToken
			}
		}
		graph := whatsapp.NewClient(n.URL+"/sim", "v24.0", nil)
		info, err := graph.MediaInfo(context.Background(), token, metaID)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := graph.DownloadMedia(context.Background(), token, info.URL); err != nil || !bytes.Equal(got, photo) {
			t.Fatalf("Meta's copy: %d bytes, %v", len(got), err)
		}
	})
}

func TestMediaUploadIsValidated(t *testing.T) {
	t.Parallel()
	n := startNode(t, "sqlite")
	o := bearer(n.apiKey(t, "default"))
	jpg := encoded(t, "jpeg")
	n.uploadMedia(t, o, "image/gif", "a.gif", []byte("GIF89a....")).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	n.uploadMedia(t, o, "image/png", "a.png", jpg).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	n.uploadMedia(t, o, "image/jpeg", "a.jpg", nil).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	n.uploadMedia(t, o, "image/webp", "s.webp", append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 600<<10)...)).
		wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
	n.call(t, http.MethodPost, "/api/v1/media", `{"file":"x"}`, o).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	n.call(t, http.MethodPost, "/api/v1/media", []byte("x"), withHeader("Content-Type", "multipart/form-data; boundary=x")).
		wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)

	// No part type: the extension says.
	var up struct {
		MimeType string `json:"mime_type"`
	}
	n.uploadMedia(t, o, "", "photo.JPG", jpg).want(t, http.StatusCreated, &up)
	if up.MimeType != "image/jpeg" {
		t.Errorf("type from the extension: %q", up.MimeType)
	}

	n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": "+447700900813", "type": "image", "image": map[string]any{"media_id": 424242}}, o).
		wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
}
