package ingest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// KeywordSet is one workspace's enabled keywords, ready to match.
type KeywordSet map[string]keywordMeaning

type keywordMeaning struct{ action, language string }

// NewKeywordSet indexes the enabled keywords of ks (store.Keywords).
func NewKeywordSet(ks []store.Keyword) KeywordSet {
	s := make(KeywordSet, len(ks))
	for _, k := range ks {
		if k.Enabled {
			s[store.NormalizeKeyword(k.Word)] = keywordMeaning{k.Action, k.Language}
		}
	}
	return s
}

// maxKeywordBytes bounds the bodies worth normalising: a keyword is at most
// store.MaxKeywordRunes characters of up to 4 bytes, and a customer may
// pad it with some white space.
const maxKeywordBytes = 2 * 4 * store.MaxKeywordRunes

// mayBeKeyword is false for a body too long to be any keyword.
func mayBeKeyword(body string) bool {
	return len(body) <= maxKeywordBytes || len(strings.TrimSpace(body)) <= maxKeywordBytes
}

// Match returns the action (domain.ConsentOptOut or domain.ConsentOptIn)
// and language of the keyword body is, when the whole body, trimmed, with
// runs of spaces folded to one and lower-cased, is one ("stop" opts out,
// "please stop" does not); else "", "".
func (s KeywordSet) Match(body string) (action, language string) {
	if !mayBeKeyword(body) {
		return "", "" // skip folding a long text
	}
	m := s[store.NormalizeKeyword(body)]
	return m.action, m.language
}

var defaultKeywords = NewKeywordSet(store.BuiltinKeywords())

// KeywordAction matches body against the built-in keywords only, as a
// workspace that changed none of them sees it.
func KeywordAction(body string) string {
	action, _ := defaultKeywords.Match(body)
	return action
}

// keywordsRecheck is how long a node trusts its copy of a workspace's
// keywords before asking whether they changed. A change made through this
// node's API takes effect at once (Keywords.Invalidate); one made through
// another node's within this long.
const keywordsRecheck = 3 * time.Second

// Keywords caches each workspace's keyword set for the applier, which
// matches every inbound text: without it, every message would read the
// lists. A stale entry costs one small read of the workspace's keywords
// version; only a changed version reloads the lists.
type Keywords struct {
	clock domain.Clock
	mu    sync.RWMutex
	ws    map[int64]*cachedKeywords
	epoch uint64 // counts Invalidate calls
}

// cachedKeywords is replaced, never changed, so readers need no lock on it.
type cachedKeywords struct {
	set     KeywordSet
	version int64
	checked time.Time
}

// keywordSource is where the lists are read: the apply transaction.
type keywordSource interface {
	KeywordsVersion(ctx context.Context, workspaceID int64) (int64, error)
	Keywords(ctx context.Context, workspaceID int64) ([]store.Keyword, error)
}

// NewKeywords returns an empty cache that trusts an entry for
// keywordsRecheck by clock.
func NewKeywords(clock domain.Clock) *Keywords {
	return &Keywords{clock: clock, ws: map[int64]*cachedKeywords{}}
}

// Invalidate drops a workspace's entry; the next message reloads it. The
// API calls it after changing the workspace's keywords on this node.
func (k *Keywords) Invalidate(workspaceID int64) {
	k.mu.Lock()
	delete(k.ws, workspaceID)
	k.epoch++
	k.mu.Unlock()
}

// set returns the workspace's keyword set, read through src when the
// cached one is missing or due for a check. Concurrent apply loops may
// both reload a workspace; the last one stored wins, which is harmless.
func (k *Keywords) set(ctx context.Context, src keywordSource, workspaceID int64) (KeywordSet, error) {
	now := k.clock.Now()
	k.mu.RLock()
	c, epoch := k.ws[workspaceID], k.epoch
	k.mu.RUnlock()
	if c != nil && now.Sub(c.checked) < keywordsRecheck {
		return c.set, nil
	}
	// The version is read before the lists: a change landing in between
	// leaves an older version with newer lists, and the next check reloads.
	v, err := src.KeywordsVersion(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	next := &cachedKeywords{version: v, checked: now}
	if c != nil && c.version == v {
		next.set = c.set
	} else {
		ks, err := src.Keywords(ctx, workspaceID)
		if err != nil {
			return nil, err
		}
		next.set = NewKeywordSet(ks)
	}
	k.mu.Lock()
	if k.epoch != epoch {
		// Invalidated while reading: what was read may predate the
		// change, so the next message checks the version again.
		next.checked = time.Time{}
	}
	k.ws[workspaceID] = next
	k.mu.Unlock()
	return next.set, nil
}
