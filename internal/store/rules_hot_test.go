package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRulesHotStatementsPrepare checks that the per-message statements of
// consent and tier slots prepare on SQLite: one that failed would silently
// run unprepared.
func TestRulesHotStatementsPrepare(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "hot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{qContactInWorkspace, qAddConsent, qContactConsent, qTierUsage, qTakeTierSlot} {
		if _, ok := db.prepared(q); !ok {
			t.Errorf("not prepared: %s", q)
		}
	}
}
