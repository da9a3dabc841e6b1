package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// mediaMessage adds an inbound image message to a's conversation.
func (f *threadFixture) mediaMessage(t *testing.T, db *store.DB) domain.Message {
	t.Helper()
	f.wamids++
	var m domain.Message
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, _, err = tx.InsertMessage(context.Background(), domain.Message{WorkspaceID: f.a.ID, ConversationID: f.convA, NumberID: f.na.ID,
			ContactID: f.contactA.ID, Direction: domain.Inbound, Type: "image", WAMID: fmt.Sprint("wamid.media", f.wamids), Status: domain.StatusReceived})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func insertInboundMedia(t *testing.T, db *store.DB, m domain.Media) (domain.Media, error) {
	t.Helper()
	var out domain.Media
	err := db.WithTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.InsertMedia(context.Background(), m)
		return err
	})
	return out, err
}

func TestInboundMediaLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		msg := f.mediaMessage(t, db)
		m, err := insertInboundMedia(t, db, domain.Media{WorkspaceID: f.a.ID, MessageID: msg.ID, NumberID: f.na.ID, Direction: domain.Inbound,
			MetaMediaID: "1003383421387256", MimeType: "image/jpeg", Status: domain.MediaPending})
		if err != nil || m.ID == 0 || m.MessageID != msg.ID || m.Status != domain.MediaPending || m.CreatedAt != storetest.T0 {
			t.Fatalf("insert: %+v %v", m, err)
		}
		if _, err := insertInboundMedia(t, db, domain.Media{WorkspaceID: f.a.ID, MessageID: msg.ID, Direction: domain.Inbound, Status: domain.MediaPending}); err == nil {
			t.Error("a second file for the same message was accepted")
		}
		if _, err := db.MediaByID(ctx, f.b.ID, m.ID); !domain.IsNotFound(err) {
			t.Errorf("another workspace reads the file: %v", err)
		}

		clock.Advance(time.Minute)
		if got, ok, err := db.NoteMediaFailure(ctx, m.ID, "Meta answered 404", false); err != nil || !ok || got.Status != domain.MediaPending || got.Attempts != 1 || got.Error != "Meta answered 404" {
			t.Fatalf("first failure: %+v %v %v", got, ok, err)
		}
		data := []byte("\xff\xd8\xff the jpeg")
		got, ok, err := db.StoreMediaData(ctx, m.ID, "application/octet-stream", data)
		sum := sha256.Sum256(data)
		if err != nil || !ok || got.Status != domain.MediaReady || got.Size != int64(len(data)) || got.SHA256 != hex.EncodeToString(sum[:]) ||
			got.MimeType != "image/jpeg" || got.Error != "" || got.Attempts != 2 || !got.UpdatedAt.Equal(storetest.T0.Add(time.Minute)) {
			t.Fatalf("store: %+v %v %v", got, ok, err)
		}
		if _, ok, err := db.StoreMediaData(ctx, m.ID, "", []byte("other")); err != nil || ok {
			t.Errorf("a duplicate download overwrote a ready file: %v %v", ok, err)
		}
		if _, ok, err := db.NoteMediaFailure(ctx, m.ID, "late", true); err != nil || ok {
			t.Errorf("a late failure touched a ready file: %v %v", ok, err)
		}
		read, bytesRead, err := db.MediaData(ctx, f.a.ID, m.ID)
		if err != nil || !bytes.Equal(bytesRead, data) || read.Status != domain.MediaReady {
			t.Fatalf("data: %+v %q %v", read, bytesRead, err)
		}
		if _, _, err := db.MediaData(ctx, f.b.ID, m.ID); !domain.IsNotFound(err) {
			t.Errorf("another workspace reads the bytes: %v", err)
		}

		// Giving up.
		msg2 := f.mediaMessage(t, db)
		m2, err := insertInboundMedia(t, db, domain.Media{WorkspaceID: f.a.ID, MessageID: msg2.ID, Direction: domain.Inbound, Status: domain.MediaPending})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.NoteMediaFailure(ctx, m2.ID, "gone", true); err != nil || !ok || got.Status != domain.MediaFailed || got.Attempts != 1 {
			t.Fatalf("final failure: %+v %v %v", got, ok, err)
		}
		if byJob, err := db.MediaForJob(ctx, m2.ID); err != nil || byJob.Status != domain.MediaFailed {
			t.Errorf("for job: %+v %v", byJob, err)
		}
		if _, ok, _ := db.StoreMediaData(ctx, m2.ID, "", data); ok {
			t.Error("a failed file was stored")
		}
	})
}

func TestUploadedMediaLinkAndCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		data := make([]byte, 3<<20) // large enough to leave the row's page
		_, _ = rand.Read(data)
		up, err := db.CreateMedia(ctx, domain.Media{WorkspaceID: f.a.ID, MimeType: "application/pdf", Filename: "price list.pdf", CreatedBy: f.ada.ID}, data)
		if err != nil || up.Status != domain.MediaReady || up.Direction != domain.Outbound || up.Size != int64(len(data)) || up.MessageID != 0 || up.CreatedBy != f.ada.ID {
			t.Fatalf("create: %+v %v", up, err)
		}
		if _, got, err := db.MediaData(ctx, f.a.ID, up.ID); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("3 MB round trip: %d bytes, %v", len(got), err)
		}

		first, second := f.message(t, db), f.message(t, db)
		for _, msgID := range []int64{first.ID, second.ID} {
			err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.LinkMedia(ctx, f.a.ID, up.ID, msgID) })
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := db.MediaByID(ctx, f.a.ID, up.ID); got.MessageID != first.ID {
			t.Errorf("linked to %d, want the first message %d", got.MessageID, first.ID)
		}
		if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.LinkMedia(ctx, f.b.ID, up.ID, second.ID) }); err != nil {
			t.Fatal(err)
		}

		// A page finds files by message and by id, in one query, and only
		// the workspace's.
		in := f.mediaMessage(t, db)
		inMedia, err := insertInboundMedia(t, db, domain.Media{WorkspaceID: f.a.ID, MessageID: in.ID, Direction: domain.Inbound, Status: domain.MediaPending})
		if err != nil {
			t.Fatal(err)
		}
		page, err := db.MediaOfMessages(ctx, f.a.ID, []int64{in.ID, second.ID}, []int64{up.ID})
		if err != nil || len(page) != 2 {
			t.Fatalf("page: %+v %v", page, err)
		}
		ids := map[int64]bool{page[0].ID: true, page[1].ID: true}
		if !ids[up.ID] || !ids[inMedia.ID] {
			t.Errorf("page ids %v, want %d and %d", ids, up.ID, inMedia.ID)
		}
		if other, err := db.MediaOfMessages(ctx, f.b.ID, []int64{in.ID}, []int64{up.ID}); err != nil || len(other) != 0 {
			t.Errorf("another workspace's page: %+v %v", other, err)
		}
		if none, err := db.MediaOfMessages(ctx, f.a.ID, nil, nil); err != nil || none != nil {
			t.Errorf("empty page: %+v %v", none, err)
		}

		clock.Advance(time.Hour)
		if err := db.SetMediaMeta(ctx, up.ID, f.na.ID, "1037543291543636"); err != nil {
			t.Fatal(err)
		}
		got, err := db.MediaForJob(ctx, up.ID)
		if err != nil || got.NumberID != f.na.ID || got.MetaMediaID != "1037543291543636" || !got.MetaAt.Equal(storetest.T0.Add(time.Hour)) {
			t.Errorf("cached Meta id: %+v %v", got, err)
		}
	})
}
