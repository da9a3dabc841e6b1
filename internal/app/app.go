// Package app wires GoHavi together from a Config: database, jobs,
// realtime, ingest, the send pipeline, the HTTP server and, in sandbox
// mode, the in-process Cloud API simulator.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gohavi/gohavi/internal/config"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
)

// Base is what every command needs: the database and the token box.
type Base struct {
	Cfg   config.Config
	Log   *slog.Logger
	Clock domain.Clock
	DB    *store.DB
	Box   *secret.Box
	Key   []byte
	lock  *os.File
}

// Open connects to the database, migrates it (app schema and River's) and
// loads the secret key. Admin commands use it while a server runs.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Base, error) {
	b := &Base{Cfg: cfg, Log: log, Clock: domain.SystemClock{}}
	if !cfg.Postgres() {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", cfg.DataDir, err)
		}
	}
	key, err := loadKey(cfg)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.Key = key
	if b.Box, err = secret.NewBox(key); err != nil {
		b.Close()
		return nil, err
	}
	if b.DB, err = store.Open(ctx, cfg.DSN(), b.Clock); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.DB.Migrate(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := jobs.Migrate(ctx, b.DB); err != nil {
		b.Close()
		return nil, fmt.Errorf("migrate jobs: %w", err)
	}
	return b, nil
}

// Close releases the database and the data-dir lock.
func (b *Base) Close() {
	if b.DB != nil {
		b.DB.Close()
	}
	if b.lock != nil {
		b.lock.Close()
	}
}

// OpenForServe is Open for a server: on SQLite it claims the data dir
// first, so a refused second server touches nothing.
func OpenForServe(ctx context.Context, cfg config.Config, log *slog.Logger) (*Base, error) {
	lock, err := claimDataDir(cfg)
	if err != nil {
		return nil, err
	}
	b, err := Open(ctx, cfg, log)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	b.lock = lock
	return b, nil
}

// claimDataDir holds an exclusive flock for the life of a server: SQLite
// mode is single-node by construction, so a second server on the same file
// is refused (admin commands may still run beside it).
func claimDataDir(cfg config.Config) (*os.File, error) {
	if cfg.Postgres() {
		return nil, nil
	}
	dir := cfg.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "gohavi.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another gohavi server is using %s (SQLite allows one node; use PostgreSQL to run several)", dir)
	}
	return f, nil
}

func (b *Base) claimDataDir() error {
	if b.lock != nil {
		return nil
	}
	f, err := claimDataDir(b.Cfg)
	b.lock = f
	return err
}

// loadKey returns GOHAVI_SECRET_KEY, or on SQLite the key generated into
// the data dir on first run.
func loadKey(cfg config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		return secret.ParseKey(cfg.SecretKey)
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := secret.GenerateKey()
		if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return secret.ParseKey(k)
	}
	if err != nil {
		return nil, err
	}
	key, err := secret.ParseKey(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete it only if no tokens were stored with it)", path, err)
	}
	return key, nil
}

// derive makes a stable per-installation value from the master key, for
// sandbox credentials that must survive restarts without being stored.
func derive(key []byte, purpose string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gohavi sandbox " + purpose))
	return hex.EncodeToString(m.Sum(nil))[:40]
}
