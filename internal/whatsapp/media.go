package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
)

// MaxMediaBytes is the largest file WhatsApp carries (§9.4: documents);
// a customer's larger file arrives as an inbound error 131052 instead.
const MaxMediaBytes = 100 << 20

// maxDownload is MaxMediaBytes, lowered by tests.
var maxDownload int64 = MaxMediaBytes

// ErrMediaTooLarge is a download that would exceed MaxMediaBytes; it is
// not read.
var ErrMediaTooLarge = errors.New("whatsapp: media is larger than 100 MB")

// MediaFile is what GET /{media-id} tells about a file (§9.2). URL is
// valid for 5 minutes and needs the access token.
type MediaFile struct {
	ID       string
	URL      string
	MimeType string
	SHA256   string // opaque: base64 or hex depending on Meta's era
	Size     int64
}

// UploadMedia stores a file at Meta for phoneNumberID (§9.1) and returns
// its media id, usable in sends from that number for 30 days. A retry
// after an ambiguous failure at worst leaves an unused copy at Meta.
func (c *Client) UploadMedia(ctx context.Context, token, phoneNumberID, mimeType, filename string, data []byte) (string, error) {
	if err := checkToken(token); err != nil {
		return "", err
	}
	p, err := c.path(phoneNumberID, "/media")
	if err != nil {
		return "", err
	}
	if filename == "" {
		filename = "file"
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", mimeType)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(filename)+`"`)
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	_, _ = part.Write(data)
	if err := mw.Close(); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	err = c.send(ctx, request{method: http.MethodPost, path: p, auth: "Bearer " + token, body: body.Bytes(), contentType: mw.FormDataContentType()}, &out)
	if err == nil && out.ID == "" {
		err = &CallError{Method: http.MethodPost, Path: p, Sent: true, Err: errors.New("no media id in the answer")}
	}
	return out.ID, err
}

// quoteEscaper is mime/multipart's own escaping of a quoted filename.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// MediaInfo asks Meta where a media id can be downloaded (§9.2).
func (c *Client) MediaInfo(ctx context.Context, token, mediaID string) (MediaFile, error) {
	p, err := c.path(mediaID, "")
	if err != nil {
		return MediaFile{}, err
	}
	var out struct {
		ID       string  `json:"id"`
		URL      string  `json:"url"`
		MimeType string  `json:"mime_type"`
		SHA256   string  `json:"sha256"`
		FileSize flexInt `json:"file_size"` // §9.2: a number or a string
	}
	if err := c.do(ctx, http.MethodGet, p, token, nil, &out); err != nil {
		return MediaFile{}, err
	}
	if out.URL == "" {
		return MediaFile{}, &CallError{Method: http.MethodGet, Path: p, Sent: true, Err: errors.New("no url in the answer")}
	}
	return MediaFile{ID: out.ID, URL: out.URL, MimeType: out.MimeType, SHA256: out.SHA256, Size: int64(out.FileSize)}, nil
}

// DownloadMedia fetches a media URL from MediaInfo with the access token
// (§9.3) and returns the bytes and their Content-Type. A refusal (a 404
// once the URL expired or the token is wrong) is a *GraphError; a file
// over MaxMediaBytes is ErrMediaTooLarge. The client's timeout is lifted
// when ctx has a deadline, since a large file may take longer than a
// Graph call is allowed to.
func (c *Client) DownloadMedia(ctx context.Context, token, mediaURL string) ([]byte, string, error) {
	if err := checkToken(token); err != nil {
		return nil, "", err
	}
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("whatsapp: media url %q is not an http(s) URL", mediaURL)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) { wrote.Store(info.Err == nil) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	if _, ok := ctx.Deadline(); ok && hc.Timeout > 0 {
		copied := *hc
		copied.Timeout = 0
		hc = &copied
	}
	callErr := func(err error) error {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &CallError{Method: http.MethodGet, Path: u.Path, Sent: wrote.Load(), Err: err}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", callErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return nil, "", parseGraphError(resp.StatusCode, body)
	}
	if resp.ContentLength > maxDownload {
		return nil, "", ErrMediaTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	switch {
	case err != nil:
		return nil, "", callErr(fmt.Errorf("read media: %w", err))
	case int64(len(data)) > maxDownload:
		return nil, "", ErrMediaTooLarge
	}
	return data, resp.Header.Get("Content-Type"), nil
}
