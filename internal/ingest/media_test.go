package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/view"
)

func inboundMedia(wamid, typ, object, extra string) string {
	return envelope("106540352242922", fmt.Sprintf(`"contacts":[{"profile":{"name":"Ada"},"wa_id":"447700900123"}],"messages":[{"from":"447700900123","id":%q,"timestamp":"1780000000","type":%q,%q:%s%s}]`,
		wamid, typ, typ, object, extra))
}

// mediaOf returns the file recorded for the message with wamid.
func (e *env) mediaOf(t *testing.T, wamid string) domain.Media {
	t.Helper()
	ctx := context.Background()
	var msg domain.Message
	err := e.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		msg, err = tx.MessageByWAMID(ctx, e.num.ID, wamid)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.MediaOfMessages(ctx, e.ws.ID, []int64{msg.ID}, nil)
	if err != nil || len(rows) != 1 {
		t.Fatalf("media of %s: %+v %v", wamid, rows, err)
	}
	return rows[0]
}

func downloadJobs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	args := "args"
	if db.Dialect == store.SQLite {
		args = "json(args)" // River keeps JSONB there
	}
	rows, err := db.R.QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = 'media_download' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var raw []byte
		var args struct {
			MediaID int64 `json:"media_id"`
		}
		if err := rows.Scan(&raw); err != nil || json.Unmarshal(raw, &args) != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		ids = append(ids, args.MediaID)
	}
	return ids
}

func TestInboundMediaIsRecordedWithItsDownloadJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := setup(t, db, clock)
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		j, err := jobs.New(db, jobs.Config{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		e.a.MediaJobs = j

		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		img := inboundMedia("wamid.img", "image", `{"id":"1003383421387256","mime_type":"image/jpeg","sha256":"abc","caption":"the crack"}`, "")
		e.store(t, img)
		e.apply(t)
		m := e.mediaOf(t, "wamid.img")
		if m.Status != domain.MediaPending || m.MetaMediaID != "1003383421387256" || m.MimeType != "image/jpeg" || m.Direction != domain.Inbound || m.NumberID != e.num.ID {
			t.Fatalf("image media = %+v", m)
		}
		if got := downloadJobs(t, db); len(got) != 1 || got[0] != m.ID {
			t.Fatalf("download jobs %v, want [%d]", got, m.ID)
		}
		var created view.Message
		for created.ID == 0 {
			select {
			case ev := <-sub.C:
				if ev.Type == domain.EventMessageCreated {
					_ = json.Unmarshal(ev.Data, &created)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no message.created event")
			}
		}
		if created.Media == nil || created.Media.Status != "pending" || created.Media.MimeType != "image/jpeg" || created.Media.URL != "" {
			t.Errorf("message.created media = %+v", created.Media)
		}

		// A retried delivery records nothing more.
		clock.Advance(2 * time.Hour)
		e.store(t, img)
		e.apply(t)
		if got := downloadJobs(t, db); len(got) != 1 {
			t.Errorf("a retried webhook enqueued again: %v", got)
		}

		// Meta could not fetch it from the phone: failed, never downloaded.
		big := inboundMedia("wamid.big", "document", `{"mime_type":"application/pdf","filename":"scan.pdf"}`,
			`,"errors":[{"code":131052,"title":"Media download error","message":"Media download error","error_data":{"details":"Unable to download the media sent by the user."}}]`)
		noID := inboundMedia("wamid.noid", "sticker", `{"mime_type":"image/webp"}`, "")
		e.store(t, big)
		e.store(t, noID)
		e.apply(t)
		if f := e.mediaOf(t, "wamid.big"); f.Status != domain.MediaFailed || !strings.Contains(f.Error, "131052") || !strings.Contains(f.Error, "100 MB") || f.Filename != "scan.pdf" {
			t.Errorf("131052 media = %+v", f)
		}
		if f := e.mediaOf(t, "wamid.noid"); f.Status != domain.MediaFailed || !strings.Contains(f.Error, "no media id") {
			t.Errorf("media without id = %+v", f)
		}
		if got := downloadJobs(t, db); len(got) != 1 {
			t.Errorf("failed files got download jobs: %v", got)
		}

		// Without a job queue the file is still recorded.
		e.a.MediaJobs = nil
		e.store(t, inboundMedia("wamid.vid", "video", `{"id":"55","mime_type":"video/mp4"}`, ""))
		e.apply(t)
		if f := e.mediaOf(t, "wamid.vid"); f.Status != domain.MediaPending {
			t.Errorf("video media = %+v", f)
		}
	})
}
