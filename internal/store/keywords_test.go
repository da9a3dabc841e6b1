package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// effective renders the enabled keywords as "lang/action/word", and the
// switched-off ones with a leading "-".
func effective(t *testing.T, db *store.DB, ws int64) map[string]bool {
	t.Helper()
	ks, err := db.Keywords(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range ks {
		s := k.Language + "/" + k.Action + "/" + k.Word
		if !k.Enabled {
			s = "-" + s
		}
		if !k.Builtin {
			s += "*"
		}
		out[s] = true
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code domain.Code) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func TestKeywordDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		ks, err := db.Keywords(ctx, a.ID)
		if err != nil || len(ks) != len(store.BuiltinKeywords()) {
			t.Fatalf("defaults: %v %d", err, len(ks))
		}
		langs := map[string]bool{}
		for _, k := range ks {
			if !k.Builtin || !k.Enabled || k.Word != store.NormalizeKeyword(k.Word) {
				t.Fatalf("default %+v", k)
			}
			langs[k.Language] = true
		}
		for _, l := range []string{"en", "es", "pt", "fr", "de", "it", "ru"} {
			if !langs[l] {
				t.Errorf("no default keyword for %s", l)
			}
		}
		// Grouped: by language, opt-out before opt-in, then by word.
		if ks[0].Language != "de" || ks[len(ks)-1].Language != "ru" {
			t.Fatalf("order: first %+v last %+v", ks[0], ks[len(ks)-1])
		}
		m := effective(t, db, a.ID)
		for _, s := range []string{"en/opt_out/stop", "en/opt_out/stop all", "en/opt_in/yes", "fr/opt_out/arrêt", "ru/opt_out/стоп"} {
			if !m[s] {
				t.Errorf("missing %s in %v", s, m)
			}
		}
		if v, err := db.KeywordsVersion(ctx, a.ID); err != nil || v != 0 {
			t.Fatalf("version %d %v", v, err)
		}
		if _, err := db.KeywordsVersion(ctx, 9999); !domain.IsNotFound(err) {
			t.Fatalf("unknown workspace: %v", err)
		}
	})
}

func TestAddAndRemoveKeywords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")

		k, err := db.AddKeyword(ctx, a.ID, store.Keyword{Language: "HI", Action: domain.ConsentOptOut, Word: "  रुको "})
		if err != nil || k != (store.Keyword{Language: "hi", Action: domain.ConsentOptOut, Word: "रुको", Enabled: true}) {
			t.Fatalf("add: %v %+v", err, k)
		}
		if _, err := db.AddKeyword(ctx, a.ID, store.Keyword{Language: "pt_br", Action: domain.ConsentOptIn, Word: "VOLTAR  AGORA"}); err != nil {
			t.Fatal(err)
		}
		m := effective(t, db, a.ID)
		if !m["hi/opt_out/रुको*"] || !m["pt-BR/opt_in/voltar agora*"] {
			t.Fatalf("own words: %v", m)
		}
		if m := effective(t, db, b.ID); m["hi/opt_out/रुको*"] {
			t.Fatal("another workspace sees the word")
		}
		if v, _ := db.KeywordsVersion(ctx, a.ID); v != 2 {
			t.Fatalf("version after two adds: %d", v)
		}
		if v, _ := db.KeywordsVersion(ctx, b.ID); v != 0 {
			t.Fatalf("other workspace's version: %d", v)
		}

		// A word means one thing per workspace.
		for _, c := range []struct {
			what string
			k    store.Keyword
			in   string // the message must mention this
		}{
			{"same word again", store.Keyword{Language: "hi", Action: domain.ConsentOptOut, Word: "रुको"}, "already one of your opt-out keywords"},
			{"own word, other action", store.Keyword{Language: "hi", Action: domain.ConsentOptIn, Word: "रुको"}, "cannot both opt out and opt in"},
			{"own word, other language", store.Keyword{Language: "ur", Action: domain.ConsentOptOut, Word: "रुको"}, "(hi)"},
			{"built-in word", store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: "Stop"}, "built-in opt-out"},
			{"built-in word, other action", store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: "YES"}, "cannot both opt out and opt in"},
			{"built-in word, other language", store.Keyword{Language: "es", Action: domain.ConsentOptOut, Word: "basta"}, "(it)"},
		} {
			_, err := db.AddKeyword(ctx, a.ID, c.k)
			wantCode(t, c.what, err, domain.CodeConflict)
			if !strings.Contains(err.Error(), c.in) {
				t.Errorf("%s: %v does not say %q", c.what, err, c.in)
			}
		}
		for _, c := range []struct {
			what string
			k    store.Keyword
		}{
			{"empty word", store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: "  "}},
			{"long word", store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: strings.Repeat("é", store.MaxKeywordRunes+1)}},
			{"control character", store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: "st\u0000op"}},
			{"bad action", store.Keyword{Language: "en", Action: "opt_out_marketing", Word: "halt"}},
			{"bad language", store.Keyword{Language: "english!", Action: domain.ConsentOptOut, Word: "halt"}},
			{"one-letter language", store.Keyword{Language: "e", Action: domain.ConsentOptOut, Word: "halt"}},
			{"long region", store.Keyword{Language: "en-verylongregion", Action: domain.ConsentOptOut, Word: "halt"}},
		} {
			_, err := db.AddKeyword(ctx, a.ID, c.k)
			wantCode(t, c.what, err, domain.CodeInvalidArgument)
		}
		if _, err := db.AddKeyword(ctx, a.ID, store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: strings.Repeat("é", store.MaxKeywordRunes)}); err != nil {
			t.Fatalf("64 characters: %v", err)
		}
		if v, _ := db.KeywordsVersion(ctx, a.ID); v != 3 {
			t.Fatalf("refused changes moved the version: %d", v)
		}

		// Removing: own words go; built-in words are switched off instead.
		if err := db.RemoveKeyword(ctx, b.ID, "रुको"); !domain.IsNotFound(err) {
			t.Fatalf("another workspace removes the word: %v", err)
		}
		if err := db.RemoveKeyword(ctx, a.ID, " रुको"); err != nil {
			t.Fatal(err)
		}
		if m := effective(t, db, a.ID); m["hi/opt_out/रुको*"] {
			t.Fatal("removed word still listed")
		}
		wantCode(t, "remove again", db.RemoveKeyword(ctx, a.ID, "रुको"), domain.CodeNotFound)
		wantCode(t, "remove built-in", db.RemoveKeyword(ctx, a.ID, "END"), domain.CodeConflict)
		wantCode(t, "unknown workspace", db.RemoveKeyword(ctx, 9999, "x"), domain.CodeNotFound)
		// The removed word can now mean the opposite.
		if _, err := db.AddKeyword(ctx, a.ID, store.Keyword{Language: "hi", Action: domain.ConsentOptIn, Word: "रुको"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSwitchBuiltinKeywords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		k, err := db.SetBuiltinKeyword(ctx, a.ID, "End", false)
		if err != nil || k != (store.Keyword{Language: "en", Action: domain.ConsentOptOut, Word: "end", Builtin: true}) {
			t.Fatalf("off: %v %+v", err, k)
		}
		if _, err := db.SetBuiltinKeyword(ctx, a.ID, "end", false); err != nil {
			t.Fatalf("off twice: %v", err)
		}
		if m := effective(t, db, a.ID); !m["-en/opt_out/end"] || m["en/opt_out/end"] {
			t.Fatalf("switched off: %v", m)
		}
		if m := effective(t, db, b.ID); !m["en/opt_out/end"] {
			t.Fatal("switched off for another workspace too")
		}
		wantCode(t, "not built in", func() error { _, err := db.SetBuiltinKeyword(ctx, a.ID, "halt", false); return err }(), domain.CodeNotFound)
		wantCode(t, "unknown workspace", func() error { _, err := db.SetBuiltinKeyword(ctx, 9999, "end", false); return err }(), domain.CodeNotFound)

		// Switched off, a built-in word may be filed under another language
		// or action; it cannot be switched back on while it is.
		if _, err := db.SetBuiltinKeyword(ctx, a.ID, "basta", false); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddKeyword(ctx, a.ID, store.Keyword{Language: "es", Action: domain.ConsentOptOut, Word: "BASTA"}); err != nil {
			t.Fatal(err)
		}
		if m := effective(t, db, a.ID); !m["-it/opt_out/basta"] || !m["es/opt_out/basta*"] {
			t.Fatalf("re-filed: %v", m)
		}
		_, err = db.SetBuiltinKeyword(ctx, a.ID, "basta", true)
		wantCode(t, "on while own", err, domain.CodeConflict)
		if err := db.RemoveKeyword(ctx, a.ID, "basta"); err != nil {
			t.Fatal(err)
		}
		if k, err := db.SetBuiltinKeyword(ctx, a.ID, "basta", true); err != nil || !k.Enabled {
			t.Fatalf("on: %v %+v", err, k)
		}
		if m := effective(t, db, a.ID); !m["it/opt_out/basta"] {
			t.Fatalf("back on: %v", m)
		}
		// Every change, and only a change, moves the version (one per call).
		if v, _ := db.KeywordsVersion(ctx, a.ID); v != 6 {
			t.Fatalf("version %d", v)
		}

		// In a transaction, as the applier reads them.
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			v, err := tx.KeywordsVersion(ctx, a.ID)
			if err != nil || v != 6 {
				return fmt.Errorf("tx version %d %v", v, err)
			}
			ks, err := tx.Keywords(ctx, a.ID)
			if err != nil {
				return err
			}
			for _, k := range ks {
				if k.Word == "end" && k.Enabled {
					return fmt.Errorf("end enabled in tx")
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestKeywordReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		rs, err := db.KeywordReplies(ctx, a.ID)
		if err != nil || len(rs) != 2 || rs[0] != (store.KeywordReply{Language: "en", Action: domain.ConsentOptOut, Text: store.DefaultKeywordReply(domain.ConsentOptOut), Default: true}) ||
			rs[1].Action != domain.ConsentOptIn || !rs[1].Default {
			t.Fatalf("defaults: %v %+v", err, rs)
		}
		text := func(ws int64, lang, action string) string {
			t.Helper()
			s, err := db.KeywordReplyText(ctx, ws, lang, action)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if got := text(a.ID, "hi", domain.ConsentOptOut); got != store.DefaultKeywordReply(domain.ConsentOptOut) || !strings.Contains(got, "unsubscribed") {
			t.Fatalf("fallback: %q", got)
		}

		r, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "pt", Action: domain.ConsentOptOut, Text: "  Você não receberá mais mensagens. "})
		if err != nil || r != (store.KeywordReply{Language: "pt", Action: domain.ConsentOptOut, Text: "Você não receberá mais mensagens."}) {
			t.Fatalf("set pt: %v %+v", err, r)
		}
		if _, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "en", Action: domain.ConsentOptOut, Text: "Bye from Acme."}); err != nil {
			t.Fatal(err)
		}
		// The language, then its primary subtag, then English, then built in.
		for _, c := range []struct{ lang, action, want string }{
			{"pt", domain.ConsentOptOut, "Você não receberá mais mensagens."},
			{"pt_BR", domain.ConsentOptOut, "Você não receberá mais mensagens."},
			{"hi", domain.ConsentOptOut, "Bye from Acme."},
			{"", domain.ConsentOptOut, "Bye from Acme."},
			{"pt", domain.ConsentOptIn, store.DefaultKeywordReply(domain.ConsentOptIn)},
		} {
			if got := text(a.ID, c.lang, c.action); got != c.want {
				t.Errorf("%s %s: %q, want %q", c.lang, c.action, got, c.want)
			}
		}
		if got := text(b.ID, "pt", domain.ConsentOptOut); got != store.DefaultKeywordReply(domain.ConsentOptOut) {
			t.Fatalf("another workspace got %q", got)
		}
		rs, _ = db.KeywordReplies(ctx, a.ID)
		if len(rs) != 3 || rs[0].Text != "Bye from Acme." || rs[0].Default || rs[1].Action != domain.ConsentOptIn || !rs[1].Default || rs[2].Language != "pt" {
			t.Fatalf("replies: %+v", rs)
		}
		// Saving again replaces; an empty text falls back again.
		if _, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "pt", Action: domain.ConsentOptOut, Text: "Tchau."}); err != nil {
			t.Fatal(err)
		}
		if got := text(a.ID, "pt-BR", domain.ConsentOptOut); got != "Tchau." {
			t.Fatalf("replaced: %q", got)
		}
		r, err = db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "pt", Action: domain.ConsentOptOut, Text: " "})
		if err != nil || r != (store.KeywordReply{Language: "pt", Action: domain.ConsentOptOut, Text: "Bye from Acme.", Default: true}) {
			t.Fatalf("cleared: %v %+v", err, r)
		}
		wantCode(t, "bad language", func() error {
			_, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "1", Action: domain.ConsentOptOut, Text: "x"})
			return err
		}(), domain.CodeInvalidArgument)
		wantCode(t, "bad action", func() error {
			_, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "en", Action: "stop", Text: "x"})
			return err
		}(), domain.CodeInvalidArgument)
		wantCode(t, "too long", func() error {
			_, err := db.SetKeywordReply(ctx, a.ID, store.KeywordReply{Language: "en", Action: domain.ConsentOptIn, Text: strings.Repeat("a", store.MaxKeywordReplyRunes+1)})
			return err
		}(), domain.CodeInvalidArgument)
	})
}

func TestNormalizeLanguage(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "EN": "en", "pt_br": "pt-BR", "pt-BR": "pt-BR", "zh-hant": "zh-Hant", "es-419": "es-419", " hi ": "hi", "fil": "fil"} {
		if got, err := store.NormalizeLanguage(in); err != nil || got != want {
			t.Errorf("NormalizeLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "e", "english language", "en-", "en-US-x", "12", "en-b", "ру"} {
		if got, err := store.NormalizeLanguage(in); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Errorf("NormalizeLanguage(%q) = %q, %v; want invalid", in, got, err)
		}
	}
}
