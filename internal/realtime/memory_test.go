package realtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

func TestMemoryIsolationAndOrder(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	ctx := context.Background()
	s1a, s1b, s2 := h.Subscribe(1), h.Subscribe(1), h.Subscribe(2)

	var published []domain.Event
	for i := range 10 {
		ev, err := h.Publish(ctx, domain.Event{WorkspaceID: 1, Type: domain.EventMessageCreated, Data: fmt.Appendf(nil, `{"n":%d}`, i)})
		if err != nil {
			t.Fatal(err)
		}
		published = append(published, ev)
	}
	assertIncreasing(t, published)

	for _, s := range []*Subscription{s1a, s1b} {
		got := recvN(t, s, 10, time.Second)
		for i := range got {
			if got[i].ID != published[i].ID || string(got[i].Data) != string(published[i].Data) {
				t.Fatalf("event %d: got %+v want %+v", i, got[i], published[i])
			}
		}
	}
	expectNone(t, s2, 20*time.Millisecond)

	ev, _ := h.Publish(ctx, domain.Event{WorkspaceID: 2, Type: domain.EventConversationUpdated})
	if got := recvN(t, s2, 1, time.Second)[0]; got.ID != ev.ID || got.WorkspaceID != 2 {
		t.Fatalf("workspace 2 got %+v", got)
	}
	expectNone(t, s1a, 20*time.Millisecond)
}

func TestMemoryConcurrentPublishersKeepIDOrder(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	s := h.Subscribe(7)
	const writers, each = 4, 10 // 40 < buffer, so nobody lags
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if _, err := h.Publish(context.Background(), domain.Event{WorkspaceID: 7}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	assertIncreasing(t, recvN(t, s, writers*each, time.Second))
}

func TestMemoryLaggingSubscriberDropped(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	slow, fast := h.Subscribe(1), h.Subscribe(1)

	publish := func(n int) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range n {
				if _, err := h.Publish(context.Background(), domain.Event{WorkspaceID: 1}); err != nil {
					t.Error(err)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("publisher blocked on a slow subscriber")
		}
	}
	// Fill both buffers, let only fast drain, then overflow slow.
	publish(SubscriptionBuffer)
	got := recvN(t, fast, SubscriptionBuffer, time.Second)
	publish(10)
	got = append(got, recvN(t, fast, 10, time.Second)...)
	assertIncreasing(t, got)

	if !slow.Lagged() {
		t.Fatal("slow subscriber not marked lagged")
	}
	// It keeps what was buffered (a gap-free prefix), then sees the close.
	n := 0
	for range slow.C {
		n++
	}
	if n != SubscriptionBuffer {
		t.Fatalf("slow subscriber drained %d events, want %d", n, SubscriptionBuffer)
	}
	if fast.Lagged() || h.Subscribers() != 1 {
		t.Fatalf("fast lagged=%v subscribers=%d", fast.Lagged(), h.Subscribers())
	}
	slow.Close() // already dropped: must not panic
}

func TestMemoryClose(t *testing.T) {
	h := NewMemory()
	s := h.Subscribe(1)
	gone := h.Subscribe(1)
	gone.Close()
	gone.Close()
	if _, ok := <-gone.C; ok {
		t.Fatal("closed subscription delivered")
	}
	if h.Subscribers() != 1 {
		t.Fatalf("subscribers = %d", h.Subscribers())
	}

	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-s.C; ok || s.Lagged() {
		t.Fatalf("after hub Close: open=%v lagged=%v", ok, s.Lagged())
	}
	s.Close()
	if _, err := h.Publish(context.Background(), domain.Event{WorkspaceID: 1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("publish after close: %v", err)
	}
	if _, ok := <-h.Subscribe(1).C; ok {
		t.Fatal("subscribe after close returned an open channel")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryPublishCanceledContext(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Publish(ctx, domain.Event{WorkspaceID: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseID(t *testing.T) {
	if id, err := ParseID(FormatID(42)); err != nil || id != 42 {
		t.Fatalf("round trip: %d %v", id, err)
	}
	for _, bad := range []string{"", "x", "-1", "0"} {
		if _, err := ParseID(bad); err == nil {
			t.Fatalf("ParseID(%q) accepted", bad)
		}
	}
}
