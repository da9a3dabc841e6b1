package loop

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// A wake runs a pass long before the (hour-long) tick; wakes during a pass
// fold into one.
func TestWakeRunsAPass(t *testing.T) {
	var w Waker
	var passes atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, time.Hour, &w, func(context.Context) { passes.Add(1) })
	}()
	for i := range 3 {
		w.Wake()
		deadline := time.Now().Add(5 * time.Second)
		for passes.Load() < int32(i+2) {
			if time.Now().After(deadline) {
				t.Fatalf("wake %d ran no pass (%d passes)", i, passes.Load())
			}
			time.Sleep(time.Millisecond)
		}
	}
	cancel()
	<-done
	w.Wake()
	w.Wake() // never blocks, even with nobody running
	if NodeName() == NodeName() {
		t.Fatal("node names repeat")
	}
}
