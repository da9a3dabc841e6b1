package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

var t0 = storetest.T0

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestWorkspacesUsersSessionsKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, err := db.CreateWorkspace(ctx, "default", "Default")
		if err != nil || ws.ID == 0 {
			t.Fatalf("create workspace: %v %+v", err, ws)
		}
		if _, err := db.CreateWorkspace(ctx, "default", "Again"); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("duplicate slug: want conflict, got %v", err)
		}
		got, err := db.WorkspaceBySlug(ctx, "default")
		if err != nil || got.ID != ws.ID || !got.CreatedAt.Equal(t0) {
			t.Fatalf("by slug: %v %+v", err, got)
		}
		if _, err := db.WorkspaceByID(ctx, ws.ID+100); !domain.IsNotFound(err) {
			t.Fatalf("missing workspace: %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Fatalf("users before: %d", n)
		}
		u, err := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: " Owner@Example.com ", Name: "Owner", Role: domain.RoleOwner, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: "owner@example.com", Name: "X", Role: domain.RoleAgent, PasswordHash: "h"}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("duplicate email: %v", err)
		}
		byEmail, err := db.UserByEmail(ctx, "OWNER@example.com")
		if err != nil || byEmail.ID != u.ID || byEmail.Role != domain.RoleOwner {
			t.Fatalf("by email: %v %+v", err, byEmail)
		}
		other, _ := db.CreateWorkspace(ctx, "other", "Other")
		if _, err := db.UserByID(ctx, other.ID, u.ID); !domain.IsNotFound(err) {
			t.Fatalf("user visible from another workspace: %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Fatalf("users after: %d", n)
		}

		hash := []byte("0123456789abcdef0123456789abcdef")
		if err := db.CreateSession(ctx, domain.Session{TokenHash: hash, UserID: u.ID, WorkspaceID: ws.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if su, err := db.SessionUser(ctx, hash); err != nil || su.ID != u.ID {
			t.Fatalf("session user: %v", err)
		}
		clock.Advance(2 * time.Hour)
		if _, err := db.SessionUser(ctx, hash); !domain.IsNotFound(err) {
			t.Fatalf("expired session still valid: %v", err)
		}
		if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
		if err := db.CreateSession(ctx, domain.Session{TokenHash: hash, UserID: u.ID, WorkspaceID: ws.ID, ExpiresAt: clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionUser(ctx, hash); !domain.IsNotFound(err) {
			t.Fatalf("logged-out session still valid: %v", err)
		}

		k, err := db.CreateAPIKey(ctx, domain.APIKey{WorkspaceID: ws.ID, Name: "ci", Prefix: "abcd1234", Hash: []byte("keyhash")})
		if err != nil || k.ID == 0 {
			t.Fatal(err)
		}
		got2, err := db.APIKeyByHash(ctx, []byte("keyhash"))
		if err != nil || got2.WorkspaceID != ws.ID || got2.Name != "ci" {
			t.Fatalf("key by hash: %v %+v", err, got2)
		}
		if _, err := db.APIKeyByHash(ctx, []byte("nope")); !domain.IsNotFound(err) {
			t.Fatalf("unknown key: %v", err)
		}
	})
}

func TestNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		n, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w1", PhoneNumberID: "p1", DisplayPhoneNumber: "15550001", VerifiedName: "Shop", QualityRating: "GREEN", AccessTokenEnc: []byte{1, 2, 3}, Sandbox: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: b.ID, WABAID: "w1", PhoneNumberID: "p1", AccessTokenEnc: []byte{1}}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("same phone number in two workspaces: %v", err)
		}
		list, err := db.ListNumbers(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].ID != n.ID || !list[0].Sandbox || string(list[0].AccessTokenEnc) != "\x01\x02\x03" {
			t.Fatalf("list: %v %+v", err, list)
		}
		if list, _ := db.ListNumbers(ctx, b.ID); len(list) != 0 {
			t.Fatalf("other workspace sees numbers: %+v", list)
		}
		if _, err := db.NumberByID(ctx, b.ID, n.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace number: %v", err)
		}
		if got, err := db.NumberByPhoneNumberID(ctx, "p1"); err != nil || got.ID != n.ID {
			t.Fatalf("by phone number id: %v", err)
		}
		if err := db.UpdateNumberHealth(ctx, n.ID, "15550002", "Shop Ltd", "RED"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.NumberByID(ctx, a.ID, n.ID); got.QualityRating != "RED" || got.VerifiedName != "Shop Ltd" || got.DisplayPhoneNumber != "15550002" {
			t.Fatalf("health not updated: %+v", got)
		}
		if ids, err := db.WorkspacesWithNumbers(ctx); err != nil || len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("workspaces with numbers: %v %v", ids, err)
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "temp_store": "2", "wal_autocheckpoint": "0"} {
		var got string
		if err := db.W.QueryRow(`PRAGMA ` + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}
