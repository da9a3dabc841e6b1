package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func counts(t *testing.T, db *store.DB, ws int64) string {
	t.Helper()
	ls, err := db.Labels(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, l := range ls {
		s += fmt.Sprintf("%s=%d ", l.Name, l.Conversations)
	}
	return s
}

func TestLabelCatalogueAndConversationLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		var conv2 int64
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			c, err := tx.UpsertContact(ctx, f.a.ID, "447700900124", "+447700900124", "Second")
			if err != nil {
				return err
			}
			conv2, err = tx.EnsureConversation(ctx, f.a.ID, f.na.ID, c.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// The catalogue: one normalised name, a colour given or picked.
		vip, err := db.CreateLabel(ctx, f.a.ID, "  VIP  ", "")
		if err != nil || vip.Name != "vip" || len(vip.Color) != 7 || vip.Color[0] != '#' {
			t.Fatalf("create vip: %v %+v", err, vip)
		}
		if again, _ := db.CreateLabel(ctx, f.b.ID, "vip", ""); again.Color != vip.Color {
			t.Fatalf("picked colours differ for one name: %s %s", again.Color, vip.Color)
		}
		_, err = db.CreateLabel(ctx, f.a.ID, "Vip", "#000000")
		wantCode(t, "duplicate label", err, domain.CodeConflict)
		if l, err := db.CreateLabel(ctx, f.a.ID, "Needs   Reply", "#ABCDEF"); err != nil || l.Name != "needs reply" || l.Color != "#abcdef" {
			t.Fatalf("create needs reply: %v %+v", err, l)
		}
		if _, err := db.CreateLabel(ctx, f.a.ID, "billing", ""); err != nil {
			t.Fatal(err)
		}
		for _, bad := range [][2]string{{"", ""}, {"a/b", ""}, {"x,y", ""}, {"123456789012345678901234567890123", ""}, {"ok", "blue"}, {"ok", "#12345g"}} {
			_, err := db.CreateLabel(ctx, f.a.ID, bad[0], bad[1])
			wantCode(t, fmt.Sprintf("label %q colour %q", bad[0], bad[1]), err, domain.CodeInvalidArgument)
		}

		// Replace the set: normalised, deduplicated, sorted; a repeat
		// changes nothing; an unknown label refuses the whole set.
		got, changed, err := db.SetConversationLabels(ctx, f.a.ID, f.convA, []string{"VIP", "billing", "vip "})
		if err != nil || !changed || fmt.Sprint(got) != "[billing vip]" {
			t.Fatalf("set: %v %v %v", got, changed, err)
		}
		if got, changed, err = db.SetConversationLabels(ctx, f.a.ID, f.convA, []string{"billing", "vip"}); err != nil || changed {
			t.Fatalf("same set again: %v %v %v", got, changed, err)
		}
		_, _, err = db.SetConversationLabels(ctx, f.a.ID, f.convA, []string{"vip", "nope", "typo"})
		wantCode(t, "unknown labels", err, domain.CodeInvalidArgument)
		_, _, err = db.SetConversationLabels(ctx, f.a.ID, f.convA, []string{"bad/name"})
		wantCode(t, "invalid label", err, domain.CodeInvalidArgument)
		if ls, _ := db.ConversationLabels(ctx, f.a.ID, f.convA); fmt.Sprint(ls) != "[billing vip]" {
			t.Fatalf("a refused set changed the labels: %v", ls)
		}

		// Add and remove one.
		_, _, err = db.AddConversationLabel(ctx, f.a.ID, conv2, "support")
		wantCode(t, "add unknown", err, domain.CodeInvalidArgument)
		if got, changed, err = db.AddConversationLabel(ctx, f.a.ID, conv2, "VIP"); err != nil || !changed || fmt.Sprint(got) != "[vip]" {
			t.Fatalf("add: %v %v %v", got, changed, err)
		}
		if _, changed, _ = db.AddConversationLabel(ctx, f.a.ID, conv2, "vip"); changed {
			t.Fatal("adding a label twice changed something")
		}
		if got, changed, err = db.RemoveConversationLabel(ctx, f.a.ID, f.convA, "Billing"); err != nil || !changed || fmt.Sprint(got) != "[vip]" {
			t.Fatalf("remove: %v %v %v", got, changed, err)
		}
		if _, changed, _ = db.RemoveConversationLabel(ctx, f.a.ID, f.convA, "billing"); changed {
			t.Fatal("removing an absent label changed something")
		}
		if got := counts(t, db, f.a.ID); got != "billing=0 needs reply=0 vip=2 " {
			t.Fatalf("counts = %q", got)
		}
		if l, err := db.LabelByName(ctx, f.a.ID, "VIP"); err != nil || l.Conversations != 2 {
			t.Fatalf("LabelByName: %v %+v", err, l)
		}
		m, err := db.LabelsOfConversations(ctx, f.a.ID, []int64{f.convA, conv2, f.convB})
		if err != nil || fmt.Sprint(m[f.convA], m[conv2], m[f.convB]) != "[vip] [vip] []" {
			t.Fatalf("LabelsOfConversations: %v %v", err, m)
		}

		// Clearing with an empty set.
		if got, changed, err = db.SetConversationLabels(ctx, f.a.ID, conv2, []string{}); err != nil || !changed || len(got) != 0 {
			t.Fatalf("clear: %v %v %v", got, changed, err)
		}
		if _, _, err := db.SetConversationLabels(ctx, f.a.ID, conv2, []string{"vip"}); err != nil {
			t.Fatal(err)
		}

		// Tenancy: b can neither see nor label a's conversations, and a's
		// catalogue is not b's.
		_, _, err = db.SetConversationLabels(ctx, f.b.ID, f.convA, []string{"vip"})
		wantCode(t, "b sets a's labels", err, domain.CodeNotFound)
		_, _, err = db.RemoveConversationLabel(ctx, f.b.ID, f.convA, "vip")
		wantCode(t, "b removes a's label", err, domain.CodeNotFound)
		_, err = db.ConversationLabels(ctx, f.b.ID, f.convA)
		wantCode(t, "b reads a's labels", err, domain.CodeNotFound)
		_, _, err = db.AddConversationLabel(ctx, f.a.ID, f.convA, "needs reply")
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(t, db, f.b.ID); got != "vip=0 " {
			t.Fatalf("b's counts = %q", got)
		}

		// Audiences select on the same names, whatever the case asked.
		var selected []int64
		err = db.AudienceContacts(ctx, f.a.ID, f.na.ID, domain.Audience{Labels: []string{" VIP"}}, nil, func(c store.AudienceContact) error {
			selected = append(selected, c.ID)
			return nil
		})
		if err != nil || len(selected) != 2 {
			t.Fatalf("audience by label: %v %v", err, selected)
		}

		// Recolour; delete takes the label off every conversation.
		if l, err := db.RecolorLabel(ctx, f.a.ID, "vip", "#111111"); err != nil || l.Color != "#111111" || l.Conversations != 2 {
			t.Fatalf("recolor: %v %+v", err, l)
		}
		_, err = db.RecolorLabel(ctx, f.a.ID, "nope", "#111111")
		wantCode(t, "recolor unknown", err, domain.CodeNotFound)
		removed, err := db.DeleteLabel(ctx, f.a.ID, "VIP")
		if err != nil || removed != 2 {
			t.Fatalf("delete: %v %d", err, removed)
		}
		_, err = db.DeleteLabel(ctx, f.a.ID, "vip")
		wantCode(t, "delete again", err, domain.CodeNotFound)
		if ls, _ := db.ConversationLabels(ctx, f.a.ID, f.convA); fmt.Sprint(ls) != "[needs reply]" {
			t.Fatalf("labels after delete: %v", ls)
		}
		if got := counts(t, db, f.b.ID); got != "vip=0 " {
			t.Fatalf("a's delete touched b: %q", got)
		}
	})
}

func TestConversationLabelLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		var names []string
		for i := range domain.MaxConversationLabels + 1 {
			names = append(names, fmt.Sprint("l", i))
			if _, err := db.CreateLabel(ctx, f.a.ID, names[i], ""); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := db.SetConversationLabels(ctx, f.a.ID, f.convA, names)
		wantCode(t, "too many labels", err, domain.CodeInvalidArgument)
		if _, _, err := db.SetConversationLabels(ctx, f.a.ID, f.convA, names[:domain.MaxConversationLabels]); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.AddConversationLabel(ctx, f.a.ID, f.convA, names[domain.MaxConversationLabels])
		wantCode(t, "one too many", err, domain.CodeInvalidArgument)
		if _, changed, err := db.AddConversationLabel(ctx, f.a.ID, f.convA, names[0]); err != nil || changed {
			t.Fatalf("re-adding a carried label at the limit: %v %v", changed, err)
		}
	})
}
