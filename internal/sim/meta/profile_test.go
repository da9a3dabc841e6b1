package meta

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// upload runs the Resumable Upload API in two chunks and returns the handle.
func (e *env) upload(t *testing.T, base, mime string, data []byte) string {
	t.Helper()
	code, out := call(t, "POST", base+"/v24.0/"+DefaultAppID+"/uploads?file_length="+strconv.Itoa(len(data))+"&file_type="+mime, e.num.AccessToken, "")
	if code != 200 || !strings.HasPrefix(out["id"].(string), "upload:") {
		t.Fatalf("session: %d %v", code, out)
	}
	session := out["id"].(string)
	half := len(data) / 2
	post := func(offset int, chunk []byte) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+"/v24.0/"+session, bytes.NewReader(chunk))
		req.Header.Set("Authorization", "OAuth "+e.num.AccessToken)
		req.Header.Set("file_offset", strconv.Itoa(offset))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	if code, out := post(0, data[:half]); code != 200 || out["file_offset"] != float64(half) {
		t.Fatalf("first chunk: %d %v", code, out)
	}
	// Resuming asks where to continue; a wrong offset is refused.
	if code, out := call(t, "GET", base+"/v24.0/"+session, e.num.AccessToken, ""); code != 200 || out["file_offset"] != float64(half) {
		t.Fatalf("offset: %d %v", code, out)
	}
	if code, out := post(0, data[half:]); code != 400 || errCode(out) != 100 {
		t.Fatalf("wrong offset: %d %v", code, out)
	}
	code, out = post(half, data[half:])
	if code != 200 || !strings.HasPrefix(out["h"].(string), "4::") {
		t.Fatalf("last chunk: %d %v", code, out)
	}
	return out["h"].(string)
}

func TestBusinessProfile(t *testing.T) {
	e := newEnv(t, Config{})
	path := e.num.PhoneNumberID + "/whatsapp_business_profile"
	status, out := e.graph(t, "GET", path+"?fields=about,websites", e.num.AccessToken, "")
	if status != 200 || mustJSON(out) != `{"data":[{"messaging_product":"whatsapp"}]}` {
		t.Fatalf("empty profile: %d %v", status, out)
	}
	// Meta's own example sends websites as a JSON string of an array.
	body := `{"messaging_product":"whatsapp","about":"Succulent specialists!","address":"1 Hacker Way, Menlo Park, CA 94025",
		"description":"At Lucky Shrub, we specialize in succulents.","email":"lucky@luckyshrub.com","vertical":"RETAIL",
		"websites":"[\n  \"https://www.luckyshrub.com\"\n]"}`
	if status, out := e.graph(t, "POST", path, e.num.AccessToken, body); status != 200 || out["success"] != true {
		t.Fatalf("update: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", path+"?fields=about,address,description,email,profile_picture_url,websites,vertical", e.num.AccessToken, "")
	p := out["data"].([]any)[0].(map[string]any)
	if p["about"] != "Succulent specialists!" || p["email"] != "lucky@luckyshrub.com" || p["vertical"] != "RETAIL" ||
		mustJSON(p["websites"]) != `["https://www.luckyshrub.com"]` || p["messaging_product"] != "whatsapp" || p["profile_picture_url"] != nil {
		t.Errorf("profile %v", p)
	}

	long := func(n int) string { return strings.Repeat("a", n) }
	for _, c := range []struct{ name, body, param string }{
		{"empty about", `{"about":""}`, "about"},
		{"long about", `{"about":"` + long(140) + `"}`, "about"},
		{"long address", `{"address":"` + long(257) + `"}`, "address"},
		{"long description", `{"description":"` + long(513) + `"}`, "description"},
		{"bad email", `{"email":"not-an-email"}`, "email"},
		{"long email", `{"email":"` + long(120) + `@example.com"}`, "email"},
		{"three websites", `{"websites":["https://a.example","https://b.example","https://c.example"]}`, "websites"},
		{"website scheme", `{"websites":["ftp://a.example"]}`, "websites[0]"},
		{"long website", `{"websites":["https://` + long(250) + `.example"]}`, "websites[0]"},
		{"vertical", `{"vertical":"SPACESHIPS"}`, "vertical"},
		{"handle", `{"profile_picture_handle":"4::nope"}`, "profile_picture_handle"},
	} {
		status, out := e.graph(t, "POST", path, e.num.AccessToken, `{"messaging_product":"whatsapp",`+c.body[1:])
		inner := wantGraphError(t, c.name, status, out, 400, 100)
		if !strings.HasPrefix(inner["message"].(string), "(#100) Param "+c.param+" ") {
			t.Errorf("%s: message %v", c.name, inner["message"])
		}
	}
	status, out = e.graph(t, "POST", path, e.num.AccessToken, `{"about":"x"}`)
	wantGraphError(t, "no messaging_product", status, out, 400, 100)
	_, out = e.graph(t, "GET", path+"?fields=about", e.num.AccessToken, "")
	if out["data"].([]any)[0].(map[string]any)["about"] != "Succulent specialists!" {
		t.Error("a rejected update changed the profile")
	}
	status, out = e.graph(t, "GET", path+"?fields=nickname", e.num.AccessToken, "")
	wantGraphError(t, "unknown field", status, out, 400, 100)
}

func TestProfilePictureUpload(t *testing.T) {
	e := newEnv(t, Config{})
	// Mounted under a prefix, as the product mounts the sandbox.
	mux := http.NewServeMux()
	mux.Handle("/sim/", http.StripPrefix("/sim", e.sim.Handler()))
	site := httptest.NewServer(mux)
	defer site.Close()
	base := site.URL + "/sim"

	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 301)...)
	handle := e.upload(t, base, "image/png", png)
	status, out := call(t, "POST", base+"/v24.0/"+e.num.PhoneNumberID+"/whatsapp_business_profile", e.num.AccessToken,
		`{"messaging_product":"whatsapp","profile_picture_handle":"`+handle+`"}`)
	if status != 200 {
		t.Fatalf("set picture: %d %v", status, out)
	}
	_, out = call(t, "GET", base+"/v24.0/"+e.num.PhoneNumberID+"/whatsapp_business_profile?fields=profile_picture_url", e.num.AccessToken, "")
	pic, _ := out["data"].([]any)[0].(map[string]any)["profile_picture_url"].(string)
	if !strings.HasPrefix(pic, base+"/_sim/pps/") {
		t.Fatalf("profile_picture_url %q", pic)
	}
	resp, err := http.Get(pic)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("picture: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}

	// A PDF handle is no picture; bad sessions are refused.
	pdf := e.upload(t, base, "application/pdf", []byte("%PDF-1.4 tiny"))
	status, out = call(t, "POST", base+"/v24.0/"+e.num.PhoneNumberID+"/whatsapp_business_profile", e.num.AccessToken,
		`{"messaging_product":"whatsapp","profile_picture_handle":"`+pdf+`"}`)
	wantGraphError(t, "pdf picture", status, out, 400, 100)
	for _, q := range []string{"file_length=10&file_type=image/gif", "file_type=image/png", "file_length=0&file_type=image/png"} {
		status, out := call(t, "POST", base+"/v24.0/"+DefaultAppID+"/uploads?"+q, e.num.AccessToken, "")
		wantGraphError(t, q, status, out, 400, 100)
	}
	status, out = call(t, "POST", base+"/v24.0/999/uploads?file_length=1&file_type=image/png", e.num.AccessToken, "")
	wantGraphError(t, "another app", status, out, 400, 100)
	status, out = call(t, "POST", base+"/v24.0/"+DefaultAppID+"/uploads?file_length=1&file_type=image/png", "", "")
	wantGraphError(t, "no token", status, out, 401, 190)
}
