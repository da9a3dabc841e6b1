package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestTemplatesUpsertGetListDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		if _, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: a.ID, WABAID: "w1", Name: "x"}); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("missing language: %v", err)
		}
		in := domain.Template{WorkspaceID: a.ID, WABAID: "w1", Name: "order_update", Language: "en_US", Category: "UTILITY", Status: "PENDING",
			Components: []byte(`[{"type":"BODY","text":"Hi {{1}}"}]`), ParameterFormat: "POSITIONAL"}
		t1, err := db.UpsertTemplate(ctx, in)
		if err != nil || t1.ID == 0 || t1.MetaID != "" || t1.Quality != "UNKNOWN" || t1.Status != "PENDING" || !t1.CreatedAt.Equal(t0) ||
			string(t1.Components) != string(in.Components) || t1.ParameterFormat != "POSITIONAL" || !t1.PausedUntil.IsZero() {
			t.Fatalf("insert: %v %+v", err, t1)
		}
		// A sync from Meta updates by (workspace, WABA, name, language).
		clock.Advance(time.Minute)
		pause := t0.Add(3 * time.Hour)
		in.MetaID, in.Status, in.Quality, in.Reason, in.PausedUntil, in.Category = "m1", "APPROVED", "GREEN", "", pause, "MARKETING"
		t2, err := db.UpsertTemplate(ctx, in)
		if err != nil || t2.ID != t1.ID || t2.MetaID != "m1" || t2.Status != "APPROVED" || t2.Quality != "GREEN" || t2.Category != "MARKETING" ||
			!t2.PausedUntil.Equal(pause) || !t2.CreatedAt.Equal(t0) || !t2.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("update: %v %+v", err, t2)
		}
		// Empty meta id and quality keep the stored ones; nil components are "[]".
		in.MetaID, in.Quality, in.Components = "", "", nil
		t3, err := db.UpsertTemplate(ctx, in)
		if err != nil || t3.ID != t1.ID || t3.MetaID != "m1" || t3.Quality != "GREEN" || string(t3.Components) != "[]" {
			t.Fatalf("update keeping: %v %+v", err, t3)
		}
		// Other languages, WABAs and workspaces are distinct rows.
		fr, _ := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: a.ID, WABAID: "w1", Name: "order_update", Language: "fr", Status: "APPROVED"})
		al, _ := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: a.ID, WABAID: "w1", Name: "alpha", Language: "en_US", Status: "APPROVED"})
		bt, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: b.ID, WABAID: "w1", Name: "order_update", Language: "en_US", Status: "PENDING"})
		if err != nil || bt.ID == t1.ID || fr.ID == t1.ID {
			t.Fatalf("distinct rows: %v %+v", err, bt)
		}

		list, err := db.ListTemplates(ctx, a.ID)
		if err != nil || len(list) != 3 || list[0].ID != al.ID || list[1].ID != t1.ID || list[2].ID != fr.ID {
			t.Fatalf("list: %v %+v", err, list)
		}
		if l, _ := db.ListTemplates(ctx, b.ID); len(l) != 1 || l[0].ID != bt.ID {
			t.Fatalf("list b: %+v", l)
		}
		if got, err := db.TemplateByID(ctx, a.ID, t1.ID); err != nil || got.Name != "order_update" || got.MetaID != "m1" {
			t.Fatalf("by id: %v %+v", err, got)
		}
		if _, err := db.TemplateByID(ctx, b.ID, t1.ID); !domain.IsNotFound(err) {
			t.Fatalf("by id across workspaces: %v", err)
		}
		if got, err := db.TemplateByName(ctx, a.ID, "w1", "order_update", "fr"); err != nil || got.ID != fr.ID {
			t.Fatalf("by name: %v %+v", err, got)
		}
		if got, err := db.TemplateByName(ctx, b.ID, "w1", "order_update", "en_US"); err != nil || got.ID != bt.ID {
			t.Fatalf("by name b: %v %+v", err, got)
		}
		if _, err := db.TemplateByName(ctx, b.ID, "w1", "alpha", "en_US"); !domain.IsNotFound(err) {
			t.Fatalf("by name across workspaces: %v", err)
		}
		if err := db.DeleteTemplate(ctx, b.ID, t1.ID); !domain.IsNotFound(err) {
			t.Fatalf("delete across workspaces: %v", err)
		}
		if err := db.DeleteTemplate(ctx, a.ID, t1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TemplateByID(ctx, a.ID, t1.ID); !domain.IsNotFound(err) {
			t.Fatalf("deleted still there: %v", err)
		}
		if err := db.DeleteTemplate(ctx, a.ID, t1.ID); !domain.IsNotFound(err) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestTemplateWebhookUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		mk := func(ws int64, waba, meta, name, lang string) domain.Template {
			tp, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: ws, WABAID: waba, MetaID: meta, Name: name, Language: lang, Status: "PENDING", Quality: "GREEN"})
			if err != nil {
				t.Fatal(err)
			}
			return tp
		}
		// The same WABA connected in two workspaces, plus a decoy WABA.
		ta := mk(a.ID, "w1", "m1", "promo", "en")
		tb := mk(b.ID, "w1", "m1", "promo", "en")
		tfr := mk(a.ID, "w1", "m2", "promo", "fr")
		other := mk(a.ID, "w2", "m9", "promo", "en")
		fresh := mk(a.ID, "w1", "", "welcome", "en")

		apply := func(fn func(tx *store.Tx) ([]domain.Template, error)) []domain.Template {
			t.Helper()
			var out []domain.Template
			err := db.WithTx(ctx, func(tx *store.Tx) (err error) { out, err = fn(tx); return err })
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		ids := func(ts []domain.Template) map[int64]bool {
			m := map[int64]bool{}
			for _, x := range ts {
				m[x.ID] = true
			}
			return m
		}
		clock.Advance(time.Minute)
		pause := t0.Add(4 * time.Hour)
		// By meta id: both workspaces, not the fr or other-WABA rows.
		got := apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateStatus(ctx, "w1", "m1", "promo", "en", "PAUSED", "", pause)
		})
		if m := ids(got); len(got) != 2 || !m[ta.ID] || !m[tb.ID] || got[0].Status != "PAUSED" || !got[0].PausedUntil.Equal(pause) || !got[0].UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("status by meta id: %+v", got)
		}
		for _, id := range []int64{tfr.ID, other.ID} {
			if x, _ := db.TemplateByID(ctx, a.ID, id); x.Status != "PENDING" {
				t.Fatalf("unrelated template changed: %+v", x)
			}
		}
		// By name and language when no meta id is given; un-pausing clears it.
		got = apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateStatus(ctx, "w1", "", "promo", "fr", "REJECTED", "INVALID_FORMAT", time.Time{})
		})
		if len(got) != 1 || got[0].ID != tfr.ID || got[0].Status != "REJECTED" || got[0].Reason != "INVALID_FORMAT" {
			t.Fatalf("status by name: %+v", got)
		}
		got = apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateStatus(ctx, "w1", "m1", "", "", "APPROVED", "", time.Time{})
		})
		if len(got) != 2 || got[0].Status != "APPROVED" || !got[0].PausedUntil.IsZero() {
			t.Fatalf("unpause: %+v", got)
		}
		// A meta id not stored yet falls back to name+language and records it.
		got = apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateStatus(ctx, "w1", "m5", "welcome", "en", "APPROVED", "", time.Time{})
		})
		if len(got) != 1 || got[0].ID != fresh.ID || got[0].MetaID != "m5" || got[0].Status != "APPROVED" {
			t.Fatalf("fallback: %+v", got)
		}
		// Unknown template: nothing changes, no error.
		if got := apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateStatus(ctx, "w1", "m404", "nope", "en", "APPROVED", "", time.Time{})
		}); len(got) != 0 {
			t.Fatalf("unknown template changed rows: %+v", got)
		}
		// Quality by meta id, and by name.
		got = apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateQuality(ctx, "w1", "m1", "promo", "en", "RED")
		})
		if m := ids(got); len(got) != 2 || !m[ta.ID] || !m[tb.ID] || got[0].Quality != "RED" || got[0].Status != "APPROVED" {
			t.Fatalf("quality: %+v", got)
		}
		got = apply(func(tx *store.Tx) ([]domain.Template, error) {
			return tx.SetTemplateQuality(ctx, "w2", "", "promo", "en", "YELLOW")
		})
		if len(got) != 1 || got[0].ID != other.ID || got[0].Quality != "YELLOW" {
			t.Fatalf("quality by name: %+v", got)
		}
		if x, _ := db.TemplateByID(ctx, a.ID, tfr.ID); x.Quality != "GREEN" {
			t.Fatalf("fr quality changed: %+v", x)
		}
	})
}

func TestTemplateTTL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		in := domain.Template{WorkspaceID: a.ID, WABAID: "w1", MetaID: "m1", Name: "visit_reminder", Language: "en_US",
			Category: "UTILITY", Status: "APPROVED", TTLSeconds: 3600}
		t1, err := db.UpsertTemplate(ctx, in)
		if err != nil || t1.TTLSeconds != 3600 {
			t.Fatalf("insert: %v %+v", err, t1)
		}
		// Templates without a TTL read 0, the column default.
		plain, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: a.ID, WABAID: "w1", Name: "plain", Language: "en_US"})
		if err != nil || plain.TTLSeconds != 0 {
			t.Fatalf("no TTL: %v %+v", err, plain)
		}

		clock.Advance(time.Minute)
		t2, err := db.SetTemplateTTL(ctx, a.ID, t1.ID, -1)
		if err != nil || t2.TTLSeconds != -1 || !t2.UpdatedAt.Equal(t0.Add(time.Minute)) || t2.Status != "APPROVED" || t2.MetaID != "m1" {
			t.Fatalf("set: %v %+v", err, t2)
		}
		if got, _ := db.TemplateByID(ctx, a.ID, t1.ID); got.TTLSeconds != -1 {
			t.Fatalf("by id: %+v", got)
		}
		if list, _ := db.ListTemplates(ctx, a.ID); len(list) != 2 || list[1].TTLSeconds != -1 {
			t.Fatalf("list: %+v", list)
		}
		if _, err := db.SetTemplateTTL(ctx, b.ID, t1.ID, 60); !domain.IsNotFound(err) {
			t.Fatalf("across workspaces: %v", err)
		}
		if got, _ := db.TemplateByName(ctx, a.ID, "w1", "visit_reminder", "en_US"); got.TTLSeconds != -1 {
			t.Fatalf("changed by another workspace: %+v", got)
		}

		// A sync carries Meta's value, including back to the default.
		in.TTLSeconds = 600
		if got, err := db.UpsertTemplate(ctx, in); err != nil || got.ID != t1.ID || got.TTLSeconds != 600 {
			t.Fatalf("sync: %v %+v", err, got)
		}
		in.TTLSeconds = 0
		if got, err := db.UpsertTemplate(ctx, in); err != nil || got.TTLSeconds != 0 {
			t.Fatalf("sync to default: %v %+v", err, got)
		}
		// Webhook updates leave it alone.
		if _, err := db.SetTemplateTTL(ctx, a.ID, t1.ID, 900); err != nil {
			t.Fatal(err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			_, err := tx.SetTemplateStatus(ctx, "w1", "m1", "visit_reminder", "en_US", "PAUSED", "", time.Time{})
			return err
		})
		if got, _ := db.TemplateByID(ctx, a.ID, t1.ID); err != nil || got.Status != "PAUSED" || got.TTLSeconds != 900 {
			t.Fatalf("after status webhook: %v %+v", err, got)
		}
	})
}
