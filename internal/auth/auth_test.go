package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHashAndCheckPassword(t *testing.T) {
	start := time.Now()
	h, err := HashPassword("correct horse battery")
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Logf("hashing took %v; the budget is ~150 ms (slow under -race)", d)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("not a PHC string: %s", h)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"correct horse batterY", "correct horse battery ", "", strings.Repeat("x", 2000)} {
		if ok, err := CheckPassword(h, wrong); ok || err != nil {
			t.Errorf("wrong password %q: %v %v", wrong, ok, err)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("salt reused")
	}
	if NeedsRehash(h) {
		t.Error("fresh hash needs rehash")
	}
}

func TestCheckPasswordUsesStoredParams(t *testing.T) {
	// A hash made with other parameters (as after DefaultParams is raised)
	// still verifies, and is flagged for rehash.
	salt := []byte("0123456789abcdef")
	key := argon2id("old password", salt, Params{Memory: 64, Time: 1, Threads: 2}, 32)
	b64 := base64.RawStdEncoding
	h := "$argon2id$v=19$m=64,t=1,p=2$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if ok, err := CheckPassword(h, "old password"); !ok || err != nil {
		t.Fatalf("stored params ignored: %v %v", ok, err)
	}
	if !NeedsRehash(h) {
		t.Error("old params not flagged")
	}
}

func TestPasswordLength(t *testing.T) {
	if _, err := HashPassword("1234567"); !errors.Is(err, ErrPasswordTooShort) {
		t.Errorf("7 chars: %v", err)
	}
	if _, err := HashPassword("ééééééé"); !errors.Is(err, ErrPasswordTooShort) {
		t.Errorf("7 runes in 14 bytes: %v", err)
	}
	if _, err := HashPassword(strings.Repeat("a", 1025)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("1025 bytes: %v", err)
	}
	if _, err := HashPassword(strings.Repeat("a", 1024)); err != nil {
		t.Errorf("1024 bytes: %v", err)
	}
	if _, err := HashPassword("12345678"); err != nil {
		t.Errorf("8 chars: %v", err)
	}
}

func TestMalformedHashes(t *testing.T) {
	s := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	k := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	bad := []string{
		"",
		"plain",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=19456,t=2,p=1$" + s + "$" + k,
		"$argon2id$v=16$m=19456,t=2,p=1$" + s + "$" + k,
		"$argon2id$v=19x$m=19456,t=2,p=1$" + s + "$" + k,
		"$argon2id$v=19$m=19456,t=2$" + s + "$" + k,
		"$argon2id$v=19$m=19456,t=2,p=1,x=1$" + s + "$" + k,
		"$argon2id$v=19$m=4294967295,t=2,p=1$" + s + "$" + k,
		"$argon2id$v=19$m=19456,t=0,p=1$" + s + "$" + k,
		"$argon2id$v=19$m=19456,t=2,p=0$" + s + "$" + k,
		"$argon2id$v=19$m=-1,t=2,p=1$" + s + "$" + k,
		"$argon2id$v=19$m=19456,t=2,p=1$" + s + "$" + k + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$" + k,
		"$argon2id$v=19$m=19456,t=2,p=1$" + s + "$" + s[:8],
	}
	for _, h := range bad {
		if ok, err := CheckPassword(h, "whatever password"); ok || !errors.Is(err, ErrInvalidHash) {
			t.Errorf("%q: %v %v", h, ok, err)
		}
		if !NeedsRehash(h) {
			t.Errorf("%q: malformed hash should need rehash", h)
		}
	}
}

func TestCheckNoUser(t *testing.T) {
	if CheckNoUser("any password at all") {
		t.Fatal("CheckNoUser returned true")
	}
}

func TestConcurrentHashing(t *testing.T) {
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			h, err := HashPassword("parallel password")
			if err != nil {
				t.Error(err)
				return
			}
			if ok, _ := CheckPassword(h, "parallel password"); !ok {
				t.Error("mismatch under concurrency")
			}
		})
	}
	wg.Wait()
}

func TestNewToken(t *testing.T) {
	tok, hash := NewToken(PrefixAPIKey)
	if !strings.HasPrefix(tok, "ghk_") || len(tok) != 4+43 {
		t.Fatalf("token %q", tok)
	}
	body := strings.TrimPrefix(tok, "ghk_")
	if raw, err := base64.RawURLEncoding.DecodeString(body); err != nil || len(raw) != 32 {
		t.Fatalf("body: %d bytes, %v", len(raw), err)
	}
	want := sha256.Sum256([]byte(tok))
	if !bytes.Equal(hash, want[:]) || !bytes.Equal(HashToken(tok), hash) {
		t.Error("hash is not SHA-256 of the whole token")
	}
	tok2, hash2 := NewToken(PrefixAPIKey)
	if tok == tok2 || bytes.Equal(hash, hash2) {
		t.Error("tokens repeat")
	}
	if TokenPrefix(tok) != body[:8] {
		t.Errorf("TokenPrefix = %q, want %q", TokenPrefix(tok), body[:8])
	}
}

func TestTokenPrefix(t *testing.T) {
	// Works whatever the prefix, including none and ones containing "_",
	// which base64url bodies may contain too.
	for _, prefix := range []string{"", PrefixSession, "my_long_prefix_"} {
		tok, _ := NewToken(prefix)
		body := tok[len(prefix):]
		if got := TokenPrefix(tok); got != body[:8] {
			t.Errorf("prefix %q: got %q want %q", prefix, got, body[:8])
		}
	}
	for _, s := range []string{"", "ghk_short", "ghk_"} {
		if got := TokenPrefix(s); got != "" {
			t.Errorf("TokenPrefix(%q) = %q", s, got)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
