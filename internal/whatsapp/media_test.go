package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	meta "github.com/gohavi/gohavi/internal/sim/meta"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// pngBytes is a 1×1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

func TestMediaUploadInfoDownload(t *testing.T) {
	clock := &stepClock{t: time.Unix(1_780_000_000, 0)}
	env := newSimEnv(t, meta.Config{Now: clock.Now})
	ctx := t.Context()
	id, err := env.client.UploadMedia(ctx, simToken, simPhone, "image/png", `café "1".png`, pngBytes)
	if err != nil || id == "" {
		t.Fatalf("upload: %q %v", id, err)
	}
	info, err := env.client.MediaInfo(ctx, simToken, id)
	sum := sha256.Sum256(pngBytes)
	if err != nil || info.ID != id || info.MimeType != "image/png" || info.Size != int64(len(pngBytes)) ||
		info.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || !strings.HasPrefix(info.URL, env.srv.URL) {
		t.Fatalf("info: %+v %v", info, err)
	}
	data, mime, err := env.client.DownloadMedia(ctx, simToken, info.URL)
	if err != nil || mime != "image/png" || !bytes.Equal(data, pngBytes) {
		t.Fatalf("download: %q %d bytes %v", mime, len(data), err)
	}

	// An expired URL is a 404 from the download host: not Meta's
	// envelope, not transient; the remedy is a new URL.
	clock.Advance(5 * time.Minute)
	_, _, err = env.client.DownloadMedia(ctx, simToken, info.URL)
	var ge *GraphError
	if !errors.As(err, &ge) || ge.HTTPStatus != http.StatusNotFound || ge.FromMeta() || IsRetryable(err) {
		t.Fatalf("expired url: %v", err)
	}
	if _, _, err := env.client.DownloadMedia(ctx, "EAAGother", info.URL); err == nil {
		t.Fatal("download with another token succeeded")
	}
}

func TestMediaErrorsAreClassified(t *testing.T) {
	env := newSimEnv(t, meta.Config{})
	ctx := t.Context()
	_, err := env.client.UploadMedia(ctx, simToken, simPhone, "image/gif", "a.gif", []byte("GIF89a"))
	var ge *GraphError
	if !errors.As(err, &ge) || ge.Code != 131053 || ge.Transient() {
		t.Fatalf("unsupported type: %v", err)
	}
	_, err = env.client.MediaInfo(ctx, simToken, "123456789012345")
	if !errors.As(err, &ge) || ge.Code != 100 || ge.Transient() {
		t.Fatalf("unknown media id: %v", err)
	}
	if _, err := env.client.MediaInfo(ctx, "", "1"); err == nil {
		t.Fatal("empty token accepted")
	}
	if _, _, err := env.client.DownloadMedia(ctx, simToken, "file:///etc/passwd"); err == nil {
		t.Fatal("a non-http URL was fetched")
	}
}

func TestDownloadMediaSizeCap(t *testing.T) {
	old := maxDownload
	maxDownload = 1 << 10
	t.Cleanup(func() { maxDownload = old })
	big := bytes.Repeat([]byte{'x'}, 2<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+simToken {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length: the cap applies while reading
		}
		_, _ = w.Write(big)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "v24.0", srv.Client())
	for _, u := range []string{srv.URL + "/f", srv.URL + "/f?chunked=1"} {
		if _, _, err := c.DownloadMedia(t.Context(), simToken, u); !errors.Is(err, ErrMediaTooLarge) {
			t.Errorf("%s: %v, want ErrMediaTooLarge", u, err)
		}
	}
}
