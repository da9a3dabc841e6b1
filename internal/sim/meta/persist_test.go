package meta

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chatStatuses renders a chat as "dir:status" pairs.
func chatStatuses(t *testing.T, sim *Server, phoneID, waID string) string {
	t.Helper()
	msgs, err := sim.Chat(phoneID, waID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Direction+":"+m.Status)
	}
	return strings.Join(out, ",")
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim", "state.json") // the directory is created
	// Timers too slow to fire: the second message is still "sent" at Close.
	e := newEnv(t, Config{StatePath: path, DeliveredAfter: time.Hour})
	in := e.inject(t, Inbound{From: customer, Name: "Ana", Text: "hi"})
	first := e.sendOK(t, textTo(customer, "Hello"))
	if err := e.sim.CustomerRead(e.num.PhoneNumberID, first); err != nil {
		t.Fatal(err)
	}
	second := e.sendOK(t, `{"messaging_product":"whatsapp","to":"`+customer+`","type":"text","text":{"body":"<b>&</b> café"},"biz_opaque_callback_data":"order-7","context":{"message_id":"`+in+`"}}`)
	if code, out := e.send(t, `{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`"}`); code != 200 {
		t.Fatalf("mark read: %d %v", code, out)
	}
	extra := e.sim.AddNumber(NumberSpec{VerifiedName: "Runtime", WebhookURL: "http://127.0.0.1:9/hook"})
	waitFor(t, "sent statuses", func() bool { return len(e.rc.statusesOf(second)) == 1 })
	before := e.sim.Sent(e.num.PhoneNumberID)
	e.sim.Close()

	e2 := newEnv(t, Config{StatePath: path}) // re-seeds the same number id
	if e2.num != e.num {
		t.Fatalf("seeded number after load: %+v, want %+v", e2.num, e.num)
	}
	if nums := e2.sim.Numbers(); len(nums) != 2 || nums[1] != extra {
		t.Errorf("numbers after load: %+v", nums)
	}
	// The message stuck in "sent" completes after the restart.
	waitFor(t, "delivered after restart", func() bool { return len(e2.rc.statusesOf(second)) == 1 })
	if got := chatStatuses(t, e2.sim, e.num.PhoneNumberID, customer); got != "in:read,out:read,out:delivered" {
		t.Errorf("chat after load: %s", got)
	}
	if st := e2.rc.statusesOf(second)[0]; st["status"] != "delivered" || st["biz_opaque_callback_data"] != "order-7" || st["pricing"] == nil {
		t.Errorf("resumed status %v", st)
	}
	after := e2.sim.Sent(e.num.PhoneNumberID)
	if len(after) != 2 || string(after[1].Request) != string(before[1].Request) || after[1].Context != in ||
		!after[1].Timestamp.Equal(before[1].Timestamp) || len(after[0].Statuses) != 2 {
		t.Errorf("sent after load: %+v", after)
	}
	if !e2.sim.ReadByBusiness(e.num.PhoneNumberID, in) {
		t.Error("business read mark lost")
	}

	// The window survived: a free-form reply is delivered, not 131047.
	reply := e2.sendOK(t, textTo(customer, "Still here"))
	waitFor(t, "reply delivered", func() bool { return len(e2.rc.statusesOf(reply)) == 2 })
	if got := statusNames(e2.rc.statusesOf(reply)); got != "sent,delivered" {
		t.Errorf("reply after restart: %s", got)
	}
	// The customer's name survived too.
	e2.inject(t, Inbound{From: customer, Text: "thanks"})
	waitFor(t, "inbound webhook", func() bool { return len(e2.rc.list("contacts")) == 1 })
	if name := e2.rc.list("contacts")[0]["profile"].(map[string]any)["name"]; name != "Ana" {
		t.Errorf("profile name after restart: %v", name)
	}
}

func TestStateReseedAndBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Config{StatePath: path, StateMaxMessages: 3})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	var sent []string
	for i := range 4 {
		sent = append(sent, e.sendOK(t, textTo(customer, fmt.Sprint("m", i))))
	}
	e.sim.Close()

	sim := New(Config{StatePath: path, Logger: quiet(), DeliveredAfter: -1, StateMaxMessages: 3})
	defer sim.Close()
	n := sim.AddNumber(NumberSpec{PhoneNumberID: e.num.PhoneNumberID, AccessToken: "EAAGnew", VerifiedName: "Renamed"})
	if n.AccessToken != "EAAGnew" || n.VerifiedName != "Renamed" || n.DisplayPhoneNumber != e.num.DisplayPhoneNumber {
		t.Errorf("re-seeded number %+v", n)
	}
	if again := sim.AddNumber(NumberSpec{PhoneNumberID: n.PhoneNumberID, VerifiedName: "Later"}); again != n {
		t.Errorf("only the first AddNumber after a load re-seeds: %+v", again)
	}
	got := sim.Sent(n.PhoneNumberID)
	if len(got) != 3 || got[0].ID != sent[1] || got[2].ID != sent[3] {
		t.Errorf("the file keeps the newest 3 messages: %+v", got)
	}
	e2 := &env{sim: sim, num: n, api: httptest.NewServer(sim.Handler())}
	defer e2.api.Close()
	if code, out := call(t, "POST", e2.api.URL+"/"+n.PhoneNumberID+"/messages", e.num.AccessToken, textTo(customer, "x")); code != 401 || errCode(out) != 190 {
		t.Errorf("the replaced token still works: %d %v", code, out)
	}
	// The window outlives the trimmed inbound message.
	id := e2.sendOK(t, textTo(customer, "after"))
	waitFor(t, "delivered", func() bool {
		s := sim.Sent(n.PhoneNumberID)
		return s[len(s)-1].ID == id && s[len(s)-1].Status == "delivered"
	})
}

func TestStateCorruptFileSetAside(t *testing.T) {
	for _, bad := range []string{`{"version":1,"numbers":[{`, `{"version":99,"numbers":[]}`, ``} {
		dir := t.TempDir()
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		sim := New(Config{StatePath: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if n := sim.Numbers(); len(n) != 0 {
			t.Errorf("%q: fresh start expected, got %+v", bad, n)
		}
		aside, _ := filepath.Glob(path + ".corrupt-*")
		if len(aside) != 1 {
			t.Fatalf("%q: set-aside files %v", bad, aside)
		}
		if b, _ := os.ReadFile(aside[0]); string(b) != bad {
			t.Errorf("%q: set-aside content %q", bad, b)
		}
		num := sim.AddNumber(NumberSpec{})
		sim.Close()
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "corrupt") {
			t.Errorf("%q: no warning logged: %s", bad, logs.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := decodeState(b)
		if err != nil || len(st.Numbers) != 1 || st.Numbers[0].PhoneNumberID != num.PhoneNumberID {
			t.Errorf("%q: fresh file %v %s", bad, err, b)
		}
		if tmp, _ := filepath.Glob(path + ".tmp-*"); len(tmp) != 0 {
			t.Errorf("temp files left: %v", tmp)
		}
	}
}

func TestStateConcurrentSendsWhileSaving(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var writes atomic.Int64
	e := newEnv(t, Config{StatePath: path, StateSaveInterval: time.Millisecond, AutoRead: true,
		stateSaved: func(err error) {
			if err != nil {
				t.Errorf("save: %v", err)
			}
			writes.Add(1)
		}})
	const workers, each = 8, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			to := fmt.Sprintf("1650555%04d", w)
			e.inject(t, Inbound{From: to, Text: "hi"})
			for i := range each {
				e.sendOK(t, textTo(to, fmt.Sprint(i)))
				_ = e.sim.CustomerReadAll(e.num.PhoneNumberID, to)
			}
		})
	}
	wg.Wait()
	waitFor(t, "a save during the traffic", func() bool { return writes.Load() > 0 })
	e.sim.Close()

	sim := New(Config{StatePath: path, Logger: quiet()})
	defer sim.Close()
	if got := len(sim.Sent(e.num.PhoneNumberID)); got != workers*each {
		t.Errorf("after reload: %d sent messages, want %d", got, workers*each)
	}
}

func TestStateSavesAreDebounced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	const every = 150 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	e := newEnv(t, Config{StatePath: path, StateSaveInterval: every, stateSaved: func(error) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
	}})
	start := time.Now()
	e.inject(t, Inbound{From: customer, Text: "hi"})
	var last string
	const requests = 30
	for i := range requests {
		last = e.sendOK(t, textTo(customer, fmt.Sprint(i)))
	}
	waitFor(t, "delivered", func() bool { return len(e.rc.statusesOf(last)) == 2 })
	elapsed := time.Since(start)
	// The trailing changes are written within an interval, without Close.
	waitFor(t, "everything saved without Close", func() bool {
		b, _ := os.ReadFile(path)
		st, err := decodeState(b)
		if err != nil || len(st.Numbers) != 1 || len(st.Numbers[0].Messages) != requests+1 {
			return false
		}
		return st.Numbers[0].Messages[requests].Status == "delivered"
	})
	elapsed = max(elapsed, time.Since(start)-every) // the wait for the trailing write may add one interval
	mu.Lock()
	n, times := len(at), append([]time.Time(nil), at...)
	mu.Unlock()
	t.Logf("%d writes in %v", n, elapsed)
	// 31 requests and 60 status changes, but at most one write per interval.
	if limit := int(elapsed/every) + 3; n > limit || n >= requests {
		t.Errorf("%d writes in %v for %d requests (limit %d)", n, elapsed, requests, limit)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < every-20*time.Millisecond {
			t.Errorf("writes %d and %d only %v apart", i-1, i, gap)
		}
	}
}

func TestStateUnreadableFileIsLeftAlone(t *testing.T) {
	path := t.TempDir() // a directory: exists but cannot be read as a file
	sim := New(Config{StatePath: path, Logger: quiet()})
	sim.AddNumber(NumberSpec{})
	sim.Close()
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("the unreadable path was replaced: %v %v", fi, err)
	}
	if aside, _ := filepath.Glob(path + ".*"); len(aside) != 0 {
		t.Errorf("unexpected files %v", aside)
	}
}

// TestStateOnboardingRoundTrip: what Embedded Signup, registration, Meta's
// reviews and the business profile changed survives a restart.
func TestStateOnboardingRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	e := newEnv(t, Config{StatePath: path, Now: clock.Now})
	override, _ := newVerifyingReceiver(t, "tok")
	res := e.signup(t, `{"verified_name":"Acme","business_name":"Acme Holdings"}`)
	token := e.exchange(t, res.Code)
	e.graph(t, "POST", res.WABAID+"/subscribed_apps", token, `{"override_callback_uri":"`+override.srv.URL+`","verify_token":"tok"}`)
	e.graph(t, "POST", res.PhoneNumberID, token, `{"webhook_configuration":{"override_callback_uri":"`+override.srv.URL+`/phone","verify_token":"tok"}}`)
	register := func(e *env) (int, map[string]any) {
		return e.graph(t, "POST", res.PhoneNumberID+"/register", token, `{"messaging_product":"whatsapp","pin":"123456"}`)
	}
	register(e)
	e.graph(t, "POST", res.PhoneNumberID, token, `{"new_display_name":"Acme Two"}`)
	e.control(t, "/_sim/display-name", `{"phone_number_id":"`+res.PhoneNumberID+`","decision":"APPROVED"}`)
	e.graph(t, "POST", res.PhoneNumberID, token, `{"new_display_name":"Acme Three"}`)
	e.control(t, "/_sim/number", `{"phone_number_id":"`+res.PhoneNumberID+`","throughput":"HIGH","quality_rating":"YELLOW"}`)
	e.control(t, "/_sim/business", `{"business_id":"`+res.BusinessID+`","verification_status":"verified"}`)
	e.control(t, "/_sim/health", `{"entity_type":"WABA","id":"`+res.WABAID+`","can_send_message":"LIMITED","additional_info":["slow down"]}`)
	e.control(t, "/_sim/health", `{"entity_type":"APP","can_send_message":"LIMITED","additional_info":["app limited"]}`)
	handle := e.upload(t, e.api.URL, "image/jpeg", []byte("\xff\xd8\xff jpeg bytes"))
	e.graph(t, "POST", res.PhoneNumberID+"/whatsapp_business_profile", token,
		`{"messaging_product":"whatsapp","about":"Plants","websites":["https://acme.example"],"profile_picture_handle":"`+handle+`"}`)
	clock.Advance(31 * 24 * time.Hour)
	if status, out := e.graph(t, "POST", res.PhoneNumberID+"/official_business_account", token, obaBody); status != 200 {
		t.Fatalf("OBA: %d %v", status, out)
	}
	for range 9 { // with the one after the restart, 10 in 72 h
		if status, out := register(e); status != 200 {
			t.Fatalf("register: %d %v", status, out)
		}
	}
	fields := "verified_name,new_display_name,new_name_status,name_status,status,throughput,quality_rating,is_pin_enabled," +
		"official_business_account,webhook_configuration,health_status,last_onboarded_time"
	_, before := e.graph(t, "GET", res.PhoneNumberID+"?fields="+fields, token, "")
	_, profileBefore := e.graph(t, "GET", res.PhoneNumberID+"/whatsapp_business_profile", token, "")
	e.sim.Close()

	e2 := newEnv(t, Config{StatePath: path, Now: clock.Now})
	status, after := e2.graph(t, "GET", res.PhoneNumberID+"?fields="+fields, token, "")
	if status != 200 {
		t.Fatalf("the business token did not survive: %d %v", status, after)
	}
	// webhook_configuration.application is the new env's receiver.
	delete(before["webhook_configuration"].(map[string]any), "application")
	delete(after["webhook_configuration"].(map[string]any), "application")
	if mustJSON(after) != mustJSON(before) {
		t.Errorf("number after restart:\n%s\nwant\n%s", mustJSON(after), mustJSON(before))
	}
	if after["verified_name"] != "Acme Two" || after["new_display_name"] != "Acme Three" || after["throughput"].(map[string]any)["level"] != "HIGH" {
		t.Errorf("number after restart %v", after)
	}
	_, profile := e2.graph(t, "GET", res.PhoneNumberID+"/whatsapp_business_profile", token, "")
	pic := profile["data"].([]any)[0].(map[string]any)["profile_picture_url"].(string)
	if strings.Replace(mustJSON(profile), e2.api.URL, "", 1) != strings.Replace(mustJSON(profileBefore), e.api.URL, "", 1) {
		t.Errorf("profile after restart %v, before %v", profile, profileBefore)
	}
	resp, err := http.Get(pic)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("picture after restart: %v %v", resp, err)
	}
	resp.Body.Close()
	_, subs := e2.graph(t, "GET", res.WABAID+"/subscribed_apps", token, "")
	if got := subs["data"].([]any)[0].(map[string]any)["override_callback_uri"]; got != override.srv.URL {
		t.Errorf("subscription after restart %v", subs)
	}
	_, biz := e2.graph(t, "GET", res.BusinessID+"?fields=name,verification_status", token, "")
	if biz["name"] != "Acme Holdings" || biz["verification_status"] != "verified" {
		t.Errorf("business after restart %v", biz)
	}
	// The register count survived: the 11th call in 72 h is refused.
	if status, out := register(e2); status != 200 {
		t.Fatalf("10th register: %d %v", status, out)
	}
	status, out := register(e2)
	wantGraphError(t, "11th register after restart", status, out, 400, 133016)
	// The seeded number kept its own token and the onboarding defaults.
	if status, out := e2.graph(t, "GET", e.num.PhoneNumberID+"?fields=status", e.num.AccessToken, ""); status != 200 || out["status"] != "CONNECTED" {
		t.Errorf("seeded number after restart: %d %v", status, out)
	}
}
