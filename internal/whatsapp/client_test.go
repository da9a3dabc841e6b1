package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testToken = "EAAG-secret-token"

// newTestClient serves h and returns a client pointed at it.
func newTestClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return NewClient(srv.URL+"/", "v24.0", srv.Client())
}

func TestSend(t *testing.T) {
	msg := OutgoingMessage{To: "+16505551234", Type: "text", Text: &Text{Body: "Hello"}, BizOpaqueCallbackData: "m-1"}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v24.0/106540352242922/messages" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers: %v", r.Header)
		}
		body, _ := io.ReadAll(r.Body)
		want, _ := msg.MarshalJSON()
		if string(body) != string(want) {
			t.Errorf("body %s", body)
		}
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],
			"messages":[{"id":"wamid.HBgL","message_status":"accepted"}]}`)
	})
	res, err := c.Send(context.Background(), testToken, "106540352242922", msg)
	if err != nil {
		t.Fatal(err)
	}
	want := SendResult{WAID: "16505551234", Input: "+16505551234", WAMID: "wamid.HBgL", MessageStatus: "accepted"}
	if res != want {
		t.Errorf("got %+v", res)
	}
}

func TestGetPhoneNumberAndMarkRead(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if r.URL.Path != "/v24.0/106540352242922" || r.URL.Query().Get("fields") != phoneNumberFields {
				t.Errorf("GET %s", r.URL)
			}
			io.WriteString(w, `{"verified_name":"Lucky Shrub","code_verification_status":"VERIFIED","display_phone_number":"15550783881",
				"quality_rating":"GREEN","platform_type":"CLOUD_API","throughput":{"level":"STANDARD"},"id":"106540352242922","extra":1}`)
		case http.MethodPost:
			var got map[string]string
			json.NewDecoder(r.Body).Decode(&got)
			if got["status"] != "read" || got["message_id"] != "wamid.in" || got["messaging_product"] != "whatsapp" {
				t.Errorf("mark read body %v", got)
			}
			io.WriteString(w, `{"success":true}`)
		}
	})
	pn, err := c.GetPhoneNumber(context.Background(), testToken, "106540352242922")
	if err != nil {
		t.Fatal(err)
	}
	if pn.VerifiedName != "Lucky Shrub" || pn.Throughput.Level != "STANDARD" || pn.QualityRating != "GREEN" {
		t.Errorf("got %+v", pn)
	}
	if err := c.MarkRead(context.Background(), testToken, "106540352242922", "wamid.in"); err != nil {
		t.Fatal(err)
	}
}

func TestNoVersionAndBadInput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/123/messages" {
			t.Errorf("path %s", r.URL.Path)
		}
		io.WriteString(w, `{"success":false}`)
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "", nil)
	if err := c.MarkRead(context.Background(), testToken, "123", "w"); err == nil || !IsAmbiguous(err) {
		t.Errorf("success:false: %v", err)
	}
	for _, tok := range []string{"", "a b", "a\nb"} {
		if err := c.MarkRead(context.Background(), tok, "123", "w"); err == nil || IsAmbiguous(err) || IsRetryable(err) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	if err := c.MarkRead(context.Background(), testToken, "", "w"); err == nil {
		t.Error("empty phone number id accepted")
	}
}

func TestGraphErrors(t *testing.T) {
	cases := []struct {
		status                         int
		body                           string
		code                           int
		fromMeta, transient, ambiguous bool
	}{
		{400, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
			"error_data":{"messaging_product":"whatsapp","details":"More than 24 hours"},"fbtrace_id":"Az8"}}`, 131047, true, false, false},
		{400, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_subcode":2494055}}`, 130429, true, true, false},
		{401, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463}}`, 190, true, false, false},
		{500, `{"error":{"message":"(#131045) Incorrect certificate","code":131045}}`, 131045, true, false, false},
		{500, `{"error":{"message":"(#131000) Something went wrong","code":"131000"}}`, 131000, true, true, false},
		{400, `{"error":{"message":"x","code":999999,"is_transient":true}}`, 999999, true, true, false},
		{502, `<html>Bad Gateway</html>`, 0, false, true, true},
		{504, ``, 0, false, true, true},
		{503, `upstream overloaded`, 0, false, true, false},
		{404, `{"not":"graph"}`, 0, false, false, false},
	}
	for _, tc := range cases {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		})
		_, err := c.Send(context.Background(), testToken, "1", OutgoingMessage{To: "2", Type: "text", Text: &Text{Body: "x"}})
		var ge *GraphError
		if !errors.As(err, &ge) {
			t.Fatalf("%d %s: %T %v", tc.status, tc.body, err, err)
		}
		if ge.HTTPStatus != tc.status || ge.Code != tc.code || ge.FromMeta() != tc.fromMeta ||
			ge.Transient() != tc.transient || IsAmbiguous(err) != tc.ambiguous {
			t.Errorf("%d %s: got %+v transient=%v ambiguous=%v", tc.status, tc.body, ge, ge.Transient(), IsAmbiguous(err))
		}
		if IsRetryable(err) != (tc.transient && !tc.ambiguous) {
			t.Errorf("%d %s: IsRetryable=%v", tc.status, tc.body, IsRetryable(err))
		}
		if title, remedy := ge.Explain(); title == "" || remedy == "" {
			t.Errorf("%d: empty explanation", tc.status)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("token leaked: %v", err)
		}
	}
}

func TestGraphErrorFields(t *testing.T) {
	ge := parseGraphError(400, []byte(`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
		"error_subcode":2494055,"error_data":{"details":"More than 24 hours"},"fbtrace_id":"Az8"}}`))
	want := GraphError{HTTPStatus: 400, Code: 131047, Subcode: 2494055, Type: "OAuthException", Message: "(#131047) Re-engagement message",
		Title: "Re-engagement message", Details: "More than 24 hours", FBTraceID: "Az8", enveloped: true}
	if *ge != want {
		t.Errorf("got %+v", *ge)
	}
	ge = parseGraphError(400, []byte(`{"error":{"message":"m","code":100,"error_user_title":"Bad","error_user_msg":"Too long","error_data":"{\"details\":\"inner\"}"}}`))
	if ge.Title != "Bad" || ge.Details != "inner" {
		t.Errorf("string error_data: %+v", ge)
	}
	ge = parseGraphError(400, []byte(`{"error":{"message":"m","code":100,"error_user_msg":"Too long"}}`))
	if ge.Details != "Too long" {
		t.Errorf("error_user_msg fallback: %+v", ge)
	}
	ge = parseGraphError(500, []byte(strings.Repeat("x", 5000)))
	if len(ge.Message) > maxErrorText+4 {
		t.Errorf("non-JSON body not truncated: %d", len(ge.Message))
	}
}

func TestAmbiguity(t *testing.T) {
	send := func(c *Client, ctx context.Context) error {
		_, err := c.Send(ctx, testToken, "1", OutgoingMessage{To: "2", Type: "text", Text: &Text{Body: "x"}})
		return err
	}
	hijack := func(w http.ResponseWriter, raw string) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString(raw)
		buf.Flush()
		conn.Close()
	}
	servers := map[string]http.HandlerFunc{
		"closed before answer": func(w http.ResponseWriter, r *http.Request) { io.ReadAll(r.Body); hijack(w, "") },
		"reset mid-response": func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			hijack(w, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"messages\"")
		},
		"garbage 200":   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>") },
		"no message id": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"messages":[]}`) },
		"huge 200": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"x":"`+strings.Repeat("a", maxResponseBytes)+`"}`)
		},
		"timeout after write": func(w http.ResponseWriter, r *http.Request) { io.ReadAll(r.Body); <-r.Context().Done() },
	}
	for name, h := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := send(newTestClient(t, h), ctx)
		cancel()
		var ce *CallError
		if !errors.As(err, &ce) || !IsAmbiguous(err) || IsRetryable(err) {
			t.Errorf("%s: want ambiguous CallError, got %T %v", name, err, err)
		}
	}
}

func TestNotSentIsNotAmbiguous(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	refused := NewClient("http://"+addr, "v24.0", nil)
	dnsFail := NewClient("http://graph.invalid", "v24.0", &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "graph.invalid", IsNotFound: true}}
		},
	}})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := map[string]struct {
		c   *Client
		ctx context.Context
	}{
		"refused":  {refused, context.Background()},
		"dns":      {dnsFail, context.Background()},
		"canceled": {refused, canceled},
	}
	for name, tc := range cases {
		_, err := tc.c.Send(tc.ctx, testToken, "1", OutgoingMessage{To: "2", Type: "text", Text: &Text{Body: "x"}})
		var ce *CallError
		if !errors.As(err, &ce) || IsAmbiguous(err) {
			t.Errorf("%s: %T %v ambiguous=%v", name, err, err, IsAmbiguous(err))
		}
		if wantRetry := name != "canceled"; IsRetryable(err) != wantRetry {
			t.Errorf("%s: IsRetryable=%v", name, IsRetryable(err))
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("token leaked: %v", err)
		}
	}
}

func TestIsAmbiguousForeignErrors(t *testing.T) {
	cases := map[error]bool{
		nil:                            false,
		errors.New("x"):                false,
		io.ErrUnexpectedEOF:            true,
		context.DeadlineExceeded:       true,
		&net.OpError{Op: "dial"}:       false,
		&net.DNSError{Err: "nxdomain"}: false,
		&net.OpError{Op: "read", Err: errors.New("x")}: false,
	}
	for err, want := range cases {
		if got := IsAmbiguous(err); got != want {
			t.Errorf("IsAmbiguous(%v) = %v", err, got)
		}
	}
}
