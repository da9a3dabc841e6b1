package meta

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Persistence (Config.StatePath). New loads the file; every change bumps
// a generation counter and nudges a saver goroutine, which writes at most
// once per StateSaveInterval, and Close writes a last time. Handlers only
// ever do a non-blocking channel send: the copy of the state is taken
// under s.mu by the saver, and encoding and disk I/O happen outside it.
// A failed write is logged and retried on the next change or at Close.
// Changes made after Close (the handler keeps answering) are not saved.

const defaultStateSaveInterval = 500 * time.Millisecond

// persister is the saver goroutine and its bookkeeping.
type persister struct {
	s     *Server
	path  string
	every time.Duration
	kick  chan struct{} // buffered 1: a pending nudge means "something changed"
	stop  chan struct{}
	done  chan struct{}

	// Only the saver goroutine touches these, and Close after it ended.
	saved uint64    // generation of the last successful save
	last  time.Time // end of the last write attempt
}

// changed records a change worth saving. Callers hold s.mu; it never
// blocks.
func (s *Server) changed() {
	if s.persist == nil {
		return
	}
	s.gen++
	select {
	case s.persist.kick <- struct{}{}:
	default:
	}
}

// openState loads cfg.StatePath into s and starts the saver. A missing
// file is a fresh start. An unparsable one is renamed aside to
// <path>.corrupt-<unix> with a warning, then a fresh start. A file that
// exists but cannot be read disables saving for this run, so it is never
// overwritten with an empty state.
func (s *Server) openState() {
	path := s.cfg.StatePath
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			s.log.Warn("meta sim: cannot create the state directory", "path", path, "err", err)
		}
	case err != nil:
		s.log.Warn("meta sim: cannot read the state file; state will not be saved", "path", path, "err", err)
		return
	default:
		st, err := decodeState(b)
		if err != nil {
			aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
			if rerr := os.Rename(path, aside); rerr != nil {
				s.log.Warn("meta sim: state file is corrupt and cannot be moved aside; state will not be saved",
					"path", path, "err", err, "rename_err", rerr)
				return
			}
			s.log.Warn("meta sim: state file is corrupt; moved aside, starting fresh", "path", path, "moved_to", aside, "err", err)
		} else {
			s.restore(st)
		}
	}
	p := &persister{s: s, path: path, every: s.cfg.StateSaveInterval,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.persist = p
	go p.run()
}

// run saves after each nudge, waiting first until StateSaveInterval has
// passed since the previous write, so a burst of changes costs one write.
func (p *persister) run() {
	defer close(p.done)
	for {
		select {
		case <-p.kick:
		case <-p.stop:
			return
		}
		if wait := time.Until(p.last.Add(p.every)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.stop:
				t.Stop()
				return // Close saves
			}
		}
		p.save()
	}
}

// close stops the saver and writes whatever it had not written yet.
func (p *persister) close() {
	close(p.stop)
	<-p.done
	p.save()
}

// save writes the current state unless nothing changed since the last
// successful write.
func (p *persister) save() {
	st, gen := p.s.snapshot()
	if gen == p.saved {
		return
	}
	b, err := encodeState(st)
	if err == nil {
		err = writeFileAtomic(p.path, b)
	}
	p.last = time.Now()
	if err != nil {
		p.s.log.Warn("meta sim: cannot save the state file", "path", p.path, "err", err)
	} else {
		p.saved = gen
	}
	if hook := p.s.cfg.stateSaved; hook != nil {
		hook(err)
	}
}

// writeFileAtomic replaces path with b so that a crash leaves either the
// old file or the new one: temp file in the same directory, fsync, rename,
// then fsync of the directory. The file is 0600: it holds access tokens.
func writeFileAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: not every platform can sync a directory
		_ = d.Close()
	}
	return nil
}
