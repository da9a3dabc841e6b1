package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// importContacts uploads a contacts CSV through the import API.
func importContacts(t testing.TB, a api, csv string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "contacts.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, csv)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", a.base+"/api/v1/contacts/import", &body)
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d %s", resp.StatusCode, out)
	}
}

type broadcastState struct {
	Status string         `json:"status"`
	Counts map[string]int `json:"counts"`
}

// TestBroadcastSurvivesSIGKILL runs a broadcast in a child process and
// kills it with SIGKILL at random moments, four times, restarting it on
// the same data dir each time. After the last restart the broadcast
// completes and the simulator, which counts per recipient, has given
// every eligible customer exactly one message: none skipped by a crash,
// none sent twice by a recovery. Sends in flight at a kill are settled
// from the status webhooks that carry our message id.
func TestBroadcastSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	const recipients, mps = 2000, 400
	secret := randomSecret(t)
	sim := startProc(t, "sim", nil, "sim", "--addr", "127.0.0.1:0", "--app-secret", secret,
		"--throughput", fmt.Sprint(mps), "--retry-max", "250ms")
	s := &simServer{proc: sim}
	s.URL = strings.TrimPrefix(sim.line(t, "simulator listening on http://", startTimeout), "simulator listening on ")
	numLine := sim.out.snapshot()
	for _, l := range numLine {
		if strings.HasPrefix(l, "number {") {
			_ = json.Unmarshal([]byte(strings.TrimPrefix(l, "number ")), &s.Number)
		}
	}
	s.ctl = simCtl{base: s.URL}
	env := append(productionEnv(s, secret), "GOHAVI_DATA_DIR="+t.TempDir(),
		"GOHAVI_BROADCAST_MAX_MPS="+fmt.Sprint(mps), "GOHAVI_BROADCAST_RECONCILE_GRACE=3s")
	srv := startServer(t, "serve", env...)
	s.setWebhook(t, srv.URL+"/webhooks/whatsapp")
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	a.do(t, "POST", "/api/v1/whatsapp/numbers", map[string]string{"waba_id": s.Number.WABAID,
		"phone_number_id": s.Number.PhoneNumberID, "access_token": s.Number.AccessToken}, http.StatusCreated, nil)
	appointmentTemplate(t, a, s.ctl, s.Number.WABAID, "crash_sale", "Hi {{1}}, the sale is on.")

	var csv strings.Builder
	csv.WriteString("phone,name,tags,opt_in_source,opt_in_evidence\n")
	want := make([]string, recipients)
	for i := range recipients {
		want[i] = fmt.Sprintf("447911%06d", 100000+i)
		fmt.Fprintf(&csv, "+%s,Customer %d,crash,web form,row %d\n", want[i], i, i)
	}
	importContacts(t, a, csv.String())
	var created struct{ ID int64 }
	a.do(t, "POST", "/api/v1/broadcasts", map[string]any{"name": "crash", "template": map[string]any{"name": "crash_sale", "language": "en_US",
		"parameters": []string{"{{first_name|there}}"}}, "audience": map[string]any{"tags": []string{"crash"}}}, http.StatusCreated, &created)
	path := fmt.Sprintf("/api/v1/broadcasts/%d", created.ID)
	a.do(t, "POST", path+"/launch", nil, http.StatusOK, nil)

	for kill := range 4 {
		time.Sleep(time.Duration(200+rand.IntN(900)) * time.Millisecond) // a random moment of the send
		srv.kill()
		var st broadcastState
		t.Logf("kill %d: simulator has %d messages", kill+1, sentTotal(t, s))
		srv = startServer(t, fmt.Sprintf("serve (restart %d)", kill+1), env...)
		s.setWebhook(t, srv.URL+"/webhooks/whatsapp")
		a.base = srv.URL
		a.do(t, "GET", path, nil, http.StatusOK, &st)
		if st.Status == "completed" {
			t.Logf("completed before kill %d", kill+2)
			break
		}
	}
	var st broadcastState
	if !eventually(2*time.Minute, func() bool {
		a.do(t, "GET", path, nil, http.StatusOK, &st)
		return st.Status == "completed"
	}) {
		t.Fatalf("broadcast did not complete: %+v", st)
	}
	var counts struct {
		Counts   map[string]int `json:"counts"`
		Repeated int            `json:"repeated"`
	}
	s.ctl.get(t, "/_sim/sent/counts?phone_number_id="+s.Number.PhoneNumberID, &counts)
	for _, wa := range want {
		if counts.Counts[wa] != 1 {
			t.Errorf("%s got %d messages", wa, counts.Counts[wa])
		}
	}
	if counts.Repeated != 0 || len(counts.Counts) != recipients {
		t.Logf("counts: %+v", st.Counts)
		t.Fatalf("%d recipients reached, %d more than once", len(counts.Counts), counts.Repeated)
	}
	var skipped struct {
		Data []map[string]any `json:"data"`
	}
	a.do(t, "GET", path+"/recipients?state=skipped&limit=3", nil, http.StatusOK, &skipped)
	if len(skipped.Data) > 0 {
		t.Logf("skipped, e.g.: %v", skipped.Data[0])
	}
	if st.Counts["sent"] != recipients || st.Counts["failed"] != 0 || st.Counts["skipped"] != 0 {
		t.Fatalf("counts after the crashes: %+v", st.Counts)
	}
}

func sentTotal(t testing.TB, s *simServer) int {
	var c struct{ Messages int }
	s.ctl.get(t, "/_sim/sent/counts?phone_number_id="+s.Number.PhoneNumberID, &c)
	return c.Messages
}
