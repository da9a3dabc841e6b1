package store_test

import (
	"context"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestWorkspaceSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, b, _, _ := inboxFixture(t, db)
		if s, err := db.WorkspaceSettings(ctx, a.ID); err != nil || s.BlockMarketingOnRed {
			t.Fatalf("default: %+v %v", s, err)
		}
		if err := db.SaveWorkspaceSettings(ctx, a.ID, store.Settings{BlockMarketingOnRed: true}); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.WorkspaceSettings(ctx, a.ID); !s.BlockMarketingOnRed {
			t.Fatal("not saved")
		}
		if s, _ := db.WorkspaceSettings(ctx, b.ID); s.BlockMarketingOnRed {
			t.Fatal("leaked to another workspace")
		}
		if err := db.SaveWorkspaceSettings(ctx, 9999, store.Settings{}); !domain.IsNotFound(err) {
			t.Fatalf("unknown workspace: %v", err)
		}
	})
}
