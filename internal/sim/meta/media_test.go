package meta

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // decodes the generated sample
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const mediaCustomer = "16505551234"

// uploadMedia posts a multipart media upload; fields "" are left out.
func (e *env) uploadMedia(t *testing.T, token, product, typ, fileType, filename string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if product != "" {
		_ = mw.WriteField("messaging_product", product)
	}
	if typ != "" {
		_ = mw.WriteField("type", typ)
	}
	if data != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		if fileType != "" {
			h.Set("Content-Type", fileType)
		}
		pw, _ := mw.CreatePart(h)
		_, _ = pw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *env) uploadOK(t *testing.T, mime string, data []byte) string {
	t.Helper()
	code, out := e.uploadMedia(t, e.num.AccessToken, "whatsapp", mime, mime, "f", data)
	if code != 200 {
		t.Fatalf("upload %s: %d %v", mime, code, out)
	}
	return out["id"].(string)
}

// fetch GETs url with token ("" for none) and returns status, type, body.
func fetch(t *testing.T, url, token string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func (e *env) mediaInfo(t *testing.T, id string) map[string]any {
	t.Helper()
	code, out := call(t, "GET", e.api.URL+"/v24.0/"+id, e.num.AccessToken, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %v", id, code, out)
	}
	return out
}

func TestMediaUploadRetrieveDownloadDelete(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	png := sampleMedia("image/png")
	id := e.uploadOK(t, "image/png", png)

	info := e.mediaInfo(t, id)
	sum := sha256.Sum256(png)
	if info["messaging_product"] != "whatsapp" || info["id"] != id || info["mime_type"] != "image/png" ||
		info["file_size"] != float64(len(png)) || info["sha256"] != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("media info = %v", info)
	}
	url := info["url"].(string)
	if !strings.HasPrefix(url, e.api.URL+lookasidePath+"?mid=") {
		t.Fatalf("url %q is not on the simulator's lookaside path", url)
	}
	if code, ctype, body := fetch(t, url, e.num.AccessToken); code != 200 || ctype != "image/png" || !bytes.Equal(body, png) {
		t.Fatalf("download: %d %q, %d bytes", code, ctype, len(body))
	}
	for name, token := range map[string]string{"no token": "", "unknown token": "EAAGnope"} {
		if code, _, _ := fetch(t, url, token); code != http.StatusNotFound {
			t.Errorf("download with %s: %d, want 404", name, code)
		}
	}
	if code, out := call(t, "GET", e.api.URL+"/v24.0/"+id+"?phone_number_id=999", e.num.AccessToken, ""); code != 400 || errCode(out) != 100 {
		t.Errorf("GET with another phone_number_id: %d %v", code, out)
	}
	if code, out := call(t, "GET", e.api.URL+"/v24.0/"+id, "EAAGnope", ""); code != 401 || errCode(out) != 190 {
		t.Errorf("GET with a bad token: %d %v", code, out)
	}

	clock.Advance(mediaURLTTL)
	if code, _, _ := fetch(t, url, e.num.AccessToken); code != http.StatusNotFound {
		t.Errorf("download after 5 minutes: %d, want 404", code)
	}
	fresh := e.mediaInfo(t, id)["url"].(string)
	if code, _, body := fetch(t, fresh, e.num.AccessToken); code != 200 || !bytes.Equal(body, png) {
		t.Errorf("download with a fresh url: %d", code)
	}

	if code, out := call(t, "DELETE", e.api.URL+"/v24.0/"+id, e.num.AccessToken, ""); code != 200 || out["success"] != true {
		t.Fatalf("delete: %d %v", code, out)
	}
	if code, out := call(t, "GET", e.api.URL+"/v24.0/"+id, e.num.AccessToken, ""); code != 400 || errCode(out) != 100 {
		t.Errorf("GET after delete: %d %v", code, out)
	}
	if code, _, _ := fetch(t, fresh, e.num.AccessToken); code != http.StatusNotFound {
		t.Errorf("download after delete: %d, want 404", code)
	}
	if code, out := call(t, "DELETE", e.api.URL+"/v24.0/"+id, e.num.AccessToken, ""); code != 400 || errCode(out) != 100 {
		t.Errorf("second delete: %d %v", code, out)
	}
}

func TestMediaUploadExpiresAfter30Days(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	id := e.uploadOK(t, "application/pdf", sampleMedia("application/pdf"))
	clock.Advance(uploadedMediaTTL - time.Second)
	e.mediaInfo(t, id)
	clock.Advance(time.Second)
	if code, out := call(t, "GET", e.api.URL+"/v24.0/"+id, e.num.AccessToken, ""); code != 400 || errCode(out) != 100 {
		t.Errorf("GET after 30 days: %d %v", code, out)
	}
}

func TestMediaUploadValidation(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.num.AccessToken
	jpg, png := sampleMedia("image/jpeg"), sampleMedia("image/png")
	cases := []struct {
		name                       string
		token, product, typ, ftype string
		data                       []byte
		status, code               int
		detail                     string
	}{
		{"no messaging_product", tok, "", "image/png", "image/png", png, 400, 100, "messaging_product"},
		{"wrong messaging_product", tok, "sms", "image/png", "image/png", png, 400, 100, "messaging_product"},
		{"no file", tok, "whatsapp", "image/png", "", nil, 400, 100, "file"},
		{"unsupported type", tok, "whatsapp", "image/gif", "image/gif", []byte("GIF89a"), 400, 131053, "image/gif"},
		{"content is not what it says", tok, "whatsapp", "image/jpeg", "image/jpeg", png, 400, 131053, "image/png"},
		{"type disagrees with the file", tok, "whatsapp", "image/jpeg", "image/png", png, 400, 131053, "does not match"},
		{"empty file", tok, "whatsapp", "text/plain", "text/plain", []byte{}, 400, 131053, "empty"},
		{"image over 5 MB", tok, "whatsapp", "image/jpeg", "image/jpeg", append(jpg, make([]byte, 5<<20)...), 400, 131053, "limit"},
		{"sticker over 500 KB", tok, "whatsapp", "image/webp", "image/webp", append(sampleMedia("image/webp"), make([]byte, 500<<10)...), 400, 131053, "limit"},
		{"bad token", "EAAGnope", "whatsapp", "image/png", "image/png", png, 401, 190, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.uploadMedia(t, c.token, c.product, c.typ, c.ftype, "f", c.data)
			if status != c.status || errCode(out) != c.code || !strings.Contains(errDetails(out)+fmt.Sprint(out), c.detail) {
				t.Errorf("got %d %v; want %d code %d mentioning %q", status, out, c.status, c.code, c.detail)
			}
		})
	}
	// A type given only by the type field is taken.
	if status, out := e.uploadMedia(t, tok, "whatsapp", "image/png", "", "f", png); status != 200 {
		t.Errorf("file without its own content type: %d %v", status, out)
	}
	code, out := call(t, "POST", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"/media", tok, `{"messaging_product":"whatsapp"}`)
	if code != 400 || errCode(out) != 100 {
		t.Errorf("JSON body: %d %v", code, out)
	}
}

func mediaSend(typ, obj string) string {
	return `{"messaging_product":"whatsapp","to":"` + mediaCustomer + `","type":"` + typ + `","` + typ + `":` + obj + `}`
}

func TestSendMediaByID(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: mediaCustomer, Text: "hi"})
	id := e.uploadOK(t, "image/png", sampleMedia("image/png"))

	e.sendOK(t, mediaSend("image", `{"id":"`+id+`","caption":"look"}`))
	e.sendOK(t, mediaSend("document", `{"id":"`+id+`","filename":"p.png"}`))
	e.sendOK(t, mediaSend("image", `{"link":"https://example.com/a.jpg"}`))
	code, out := e.send(t, mediaSend("image", `{"id":"123456789012345"}`))
	if code != 400 || errCode(out) != 131009 || !strings.Contains(errDetails(out), "image['id']") {
		t.Errorf("unknown media id: %d %v", code, out)
	}
	if code, out := e.send(t, mediaSend("video", `{"id":"`+id+`"}`)); code != 400 || errCode(out) != 131053 {
		t.Errorf("png as video: %d %v", code, out)
	}
	other := e.sim.AddNumber(NumberSpec{VerifiedName: "Other"})
	e.inject(t, Inbound{PhoneNumberID: other.PhoneNumberID, From: mediaCustomer, Text: "hi"})
	code, out = call(t, "POST", e.api.URL+"/v24.0/"+other.PhoneNumberID+"/messages", other.AccessToken, mediaSend("image", `{"id":"`+id+`"}`))
	if code != 400 || errCode(out) != 131009 {
		t.Errorf("another number's media id: %d %v", code, out)
	}
}

// inboundMedia returns the media object of the webhook carrying wamid.
func (e *env) inboundMedia(t *testing.T, wamid, typ string) map[string]any {
	t.Helper()
	var obj map[string]any
	waitFor(t, "webhook "+wamid, func() bool {
		for _, m := range e.rc.list("messages") {
			if m["id"] == wamid {
				obj, _ = m[typ].(map[string]any)
				return true
			}
		}
		return false
	})
	if obj == nil {
		t.Fatalf("webhook for %s has no %s object", wamid, typ)
	}
	return obj
}

func (e *env) download(t *testing.T, mediaID string) (string, []byte) {
	t.Helper()
	info := e.mediaInfo(t, mediaID)
	code, ctype, body := fetch(t, info["url"].(string), e.num.AccessToken)
	if code != 200 || int(info["file_size"].(float64)) != len(body) {
		t.Fatalf("download %s: %d, %d bytes, info %v", mediaID, code, len(body), info)
	}
	return ctype, body
}

func TestInboundMediaIsDownloadable(t *testing.T) {
	e := newEnv(t, Config{})
	given := []byte("%PDF-1.4 the customer's own invoice")
	wamid := e.inject(t, Inbound{From: mediaCustomer, Type: "document", Data: given,
		Content: json.RawMessage(`{"caption":"invoice","filename":"invoice.pdf"}`)})
	doc := e.inboundMedia(t, wamid, "document")
	sum := sha256.Sum256(given)
	if doc["sha256"] != base64.StdEncoding.EncodeToString(sum[:]) || doc["filename"] != "invoice.pdf" || doc["mime_type"] != "application/pdf" {
		t.Errorf("document object = %v", doc)
	}
	if ctype, body := e.download(t, doc["id"].(string)); ctype != "application/pdf" || !bytes.Equal(body, given) {
		t.Errorf("download = %q %q", ctype, body)
	}

	// Without data, every type gets a small file that is what it says.
	for typ, want := range map[string]string{"image": "image/jpeg", "sticker": "image/webp", "document": "application/pdf", "video": "video/mp4"} {
		wamid := e.inject(t, Inbound{From: mediaCustomer, Type: typ})
		obj := e.inboundMedia(t, wamid, typ)
		_, body := e.download(t, obj["id"].(string))
		if got := http.DetectContentType(body); got != want {
			t.Errorf("%s sample sniffs as %q, want %q", typ, got, want)
		}
		if typ == "image" {
			if _, _, err := image.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("sample image does not decode: %v", err)
			}
		}
	}

	// The control API takes the bytes as base64.
	data := sampleMedia("image/png")
	code, out := call(t, "POST", e.api.URL+"/_sim/inbound", "", fmt.Sprintf(`{"phone_number_id":%q,"from":%q,"type":"image","image":{"mime_type":"image/png"},"data":%q}`,
		e.num.PhoneNumberID, mediaCustomer, base64.StdEncoding.EncodeToString(data)))
	if code != 200 {
		t.Fatalf("control inbound: %d %v", code, out)
	}
	img := e.inboundMedia(t, out["id"].(string), "image")
	if ctype, body := e.download(t, img["id"].(string)); ctype != "image/png" || !bytes.Equal(body, data) {
		t.Errorf("control API media: %q, %d bytes", ctype, len(body))
	}
	// The phone page shows it from the control API, which needs no token.
	if code, ctype, body := fetch(t, e.api.URL+"/_sim/media/"+img["id"].(string), ""); code != 200 || ctype != "image/png" || !bytes.Equal(body, data) {
		t.Errorf("phone page media: %d %q", code, ctype)
	}
	if code, _, _ := fetch(t, e.api.URL+"/_sim/media/1", ""); code != http.StatusNotFound {
		t.Errorf("unknown media on the phone page: %d", code)
	}
}

func TestMediaSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Config{StatePath: path})
	data := sampleMedia("image/jpeg")
	id := e.uploadOK(t, "image/jpeg", data)
	gone := e.uploadOK(t, "image/jpeg", data)
	if code, _ := call(t, "DELETE", e.api.URL+"/v24.0/"+gone, e.num.AccessToken, ""); code != 200 {
		t.Fatal("delete failed")
	}
	e.sim.Close()

	e2 := newEnv(t, Config{StatePath: path})
	if _, body := e2.download(t, id); !bytes.Equal(body, data) {
		t.Error("uploaded media changed across a restart")
	}
	if code, _ := call(t, "GET", e2.api.URL+"/v24.0/"+gone, e2.num.AccessToken, ""); code != 400 {
		t.Errorf("deleted media is back after a restart: %d", code)
	}
}
