package outbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{B: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *env) upload(t *testing.T, workspaceID int64, mime string, data []byte) domain.Media {
	t.Helper()
	m, err := e.db.CreateMedia(context.Background(), domain.Media{WorkspaceID: workspaceID, MimeType: mime, Filename: "blue.png"}, data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sentMedia is the object under the type of the last send Meta received.
func (e *env) sentMedia(t *testing.T, typ string) map[string]any {
	t.Helper()
	sent := e.sent()
	if len(sent) == 0 {
		t.Fatal("nothing was sent")
	}
	var req map[string]map[string]any
	_ = json.Unmarshal(sent[len(sent)-1].Request, &req)
	return req[typ]
}

func (e *env) submitMedia(t *testing.T, typ, body string) domain.Message {
	t.Helper()
	m, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: typ, Body: json.RawMessage(body)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) deliverSent(t *testing.T, id int64) {
	t.Helper()
	if err := e.svc.Deliver(context.Background(), id, false); err != nil {
		t.Fatal(err)
	}
	if got := e.message(t, id); got.Status != domain.StatusSent {
		t.Fatalf("message %d: %+v", id, got)
	}
}

func TestSendStoredMediaUploadsItOncePerNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "send me the photo")
		data := pngFile(t)
		up := e.upload(t, e.ws.ID, "image/png", data)

		msg := e.submitMedia(t, "image", fmt.Sprintf(`{"media_id":"%d","caption":"The blue one"}`, up.ID))
		if msg.Text != "The blue one" || string(msg.Payload) != fmt.Sprintf(`{"caption":"The blue one","media_id":%d}`, up.ID) {
			t.Fatalf("stored: %q %s", msg.Text, msg.Payload)
		}
		if linked, _ := db.MediaByID(ctx, e.ws.ID, up.ID); linked.MessageID != msg.ID {
			t.Errorf("upload linked to %d, want %d", linked.MessageID, msg.ID)
		}
		e.deliverSent(t, msg.ID)
		obj := e.sentMedia(t, "image")
		metaID, _ := obj["id"].(string)
		if metaID == "" || obj["media_id"] != nil || obj["caption"] != "The blue one" {
			t.Fatalf("Meta got %v", obj)
		}
		if got, _ := db.MediaForJob(ctx, up.ID); got.MetaMediaID != metaID || got.NumberID != e.num.ID {
			t.Errorf("cached Meta id: %+v", got)
		}
		// What Meta holds under that id is our file.
		info, err := e.graph.MediaInfo(ctx, token, metaID)
		if err != nil {
			t.Fatal(err)
		}
		if got, mime, err := e.graph.DownloadMedia(ctx, token, info.URL); err != nil || mime != "image/png" || !bytes.Equal(got, data) {
			t.Fatalf("Meta's copy: %q %d bytes %v", mime, len(got), err)
		}

		// Sent again: the cached id, no second upload.
		again := e.submitMedia(t, "document", fmt.Sprintf(`{"media_id":%d,"filename":"blue.png"}`, up.ID))
		e.deliverSent(t, again.ID)
		if id := e.sentMedia(t, "document")["id"]; id != metaID {
			t.Errorf("second send used %v, want the cached %s", id, metaID)
		}

		// Meta keeps uploads 30 days: an old id is replaced before then.
		clock.Advance(29*24*time.Hour + time.Hour)
		e.inbound(t, customer, "and again?")
		late := e.submitMedia(t, "image", fmt.Sprintf(`{"media_id":%d}`, up.ID))
		e.deliverSent(t, late.ID)
		if id := e.sentMedia(t, "image")["id"]; id == metaID || id == nil {
			t.Errorf("a 29-day-old id was reused: %v", id)
		}
	})
}

func TestMediaSendIsCheckedBeforeItIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		img := e.upload(t, e.ws.ID, "image/png", pngFile(t))
		other, err := db.CreateWorkspace(ctx, "other", "Other")
		if err != nil {
			t.Fatal(err)
		}
		theirs := e.upload(t, other.ID, "image/png", pngFile(t))
		cases := map[string]struct{ typ, body string }{
			"unknown media_id":        {"image", `{"media_id":999999}`},
			"another workspace's":     {"image", fmt.Sprintf(`{"media_id":%d}`, theirs.ID)},
			"not an id":               {"image", `{"media_id":"abc"}`},
			"media_id and link":       {"image", fmt.Sprintf(`{"media_id":%d,"link":"https://x.example/a.png"}`, img.ID)},
			"no file":                 {"image", `{"caption":"where is it?"}`},
			"caption on a sticker":    {"sticker", `{"link":"https://x.example/a.webp","caption":"no"}`},
			"a png sent as video":     {"video", fmt.Sprintf(`{"media_id":%d}`, img.ID)},
			"a png sent as a sticker": {"sticker", fmt.Sprintf(`{"media_id":%d}`, img.ID)},
		}
		for name, c := range cases {
			_, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: c.typ, Body: json.RawMessage(c.body)})
			if domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Errorf("%s: %v, want invalid_argument", name, err)
				continue
			}
			wantCode(t, err, domain.CodeInvalidArgument)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'outbound'`); n != 0 {
			t.Errorf("%d refused sends were stored", n)
		}
		// Meta's own id and links pass through untouched.
		byMeta := e.submitMedia(t, "image", `{"id":"1013859600285441"}`)
		if string(byMeta.Payload) != `{"id":"1013859600285441"}` {
			t.Errorf("payload rewritten: %s", byMeta.Payload)
		}
	})
}

func TestMetaRefusingTheUploadFailsTheSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		fake := e.upload(t, e.ws.ID, "image/png", []byte("not really a png"))
		msg := e.submitMedia(t, "image", fmt.Sprintf(`{"media_id":%d}`, fake.ID))
		if err := e.svc.Deliver(context.Background(), msg.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := e.message(t, msg.ID); got.Status != domain.StatusFailed || got.ErrorCode != 131053 {
			t.Errorf("message after a refused upload: %+v", got)
		}
		if len(e.sent()) != 0 {
			t.Error("the message was sent without its file")
		}
	})
}
