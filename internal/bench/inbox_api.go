package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"slices"
	"strconv"
	"time"
)

// apiClient is one keep-alive client with an agent's session, as the
// inbox page makes its requests.
type apiClient struct {
	base, cookie string
	hc           *http.Client
}

func newAPIClient(base, session string) *apiClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.DisableCompression = 4, true
	return &apiClient{base: base, cookie: "gohavi_session=" + session, hc: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// get returns the body of a 200 and how long the request took, from
// before it was written to the last byte of the answer.
func (a *apiClient) get(ctx context.Context, path string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Cookie", a.cookie)
	start := time.Now()
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, body)
	}
	return body, d, err
}

// page is the part of a list answer the benchmark reads.
type page struct {
	Data []json.RawMessage `json:"data"`
	Next *string           `json:"next"`
}

// inboxOp is one kind of request; path picks its parameters per sample.
type inboxOp struct {
	name string
	path func(rng *rand.Rand) string
	list bool // the answer is {"data": [...]}
}

func inboxOps(c *inboxCorpus, deep []string) []inboxOp {
	q := func(s string) string { return neturl.QueryEscape(s) }
	conv := func(rng *rand.Rand) int64 { return 1 + rng.Int64N(int64(c.convs)) }
	long := func(rng *rand.Rand) int64 { return c.long[rng.IntN(len(c.long))] }
	fixed := func(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }
	return []inboxOp{
		{"GET /api/v1/me (authenticated baseline)", fixed("/api/v1/me"), false},
		{"list: view=all (open+pending)", fixed("/api/v1/conversations"), true},
		{"list: view=mine", fixed("/api/v1/conversations?view=mine"), true},
		{"list: view=unassigned", fixed("/api/v1/conversations?view=unassigned"), true},
		{"list: status=resolved", fixed("/api/v1/conversations?status=resolved"), true},
		{"list: status=all", fixed("/api/v1/conversations?status=all"), true},
		{fmt.Sprintf("list: label=vip (%d conversations)", c.labels["vip"]), fixed("/api/v1/conversations?status=all&label=vip"), true},
		{fmt.Sprintf("list: label=billing (%d)", c.labels["billing"]), fixed("/api/v1/conversations?label=billing"), true},
		{fmt.Sprintf("list: deeper page, before= (pages %d-%d)", len(deep)/2+2, len(deep)+1), func(rng *rand.Rand) string {
			return "/api/v1/conversations?before=" + q(deep[len(deep)/2+rng.IntN(len(deep)-len(deep)/2)])
		}, true},
		{"GET conversation (random)", func(rng *rand.Rand) string { return fmt.Sprintf("/api/v1/conversations/%d", conv(rng)) }, false},
		{"thread: messages of a random conversation", func(rng *rand.Rand) string {
			return fmt.Sprintf("/api/v1/conversations/%d/messages", conv(rng))
		}, true},
		{fmt.Sprintf("thread: one of the %d longest (up to %d msgs)", len(c.long), c.longest), func(rng *rand.Rand) string {
			return fmt.Sprintf("/api/v1/conversations/%d/messages", long(rng))
		}, true},
		{`search: common word "thanks "`, fixed("/api/v1/search?q=" + q("thanks ")), true},
		{fmt.Sprintf("search: rare word %q", c.rare+" "), fixed("/api/v1/search?q=" + q(c.rare+" ")), true},
		{`search: prefix "deliv"`, fixed("/api/v1/search?q=deliv"), true},
		{"search: 6 digits of a number", func(rng *rand.Rand) string { return "/api/v1/search?q=" + waID(rng.IntN(c.convs))[4:10] }, true},
		{`search: a contact's name ("maria silva")`, func(rng *rand.Rand) string {
			return "/api/v1/search?q=" + q(contactName(rng.IntN(c.convs)))
		}, true},
	}
}

// measureAPI runs every operation samples times, interleaved (one of each
// in turn, so a warm or cold moment is shared by all), after warm-up
// rounds, with GET /healthz among them as the baseline. An operation stops
// early once its samples add up to budget, so one slow query cannot hold
// the run up: its n says how many it got.
func measureAPI(ctx context.Context, base string, c *inboxCorpus, samples int, budget time.Duration) (OpResult, []OpResult, error) {
	cl := newAPIClient(base, c.sessions[0])
	deep, err := cursors(ctx, cl, 40)
	if err != nil {
		return OpResult{}, nil, err
	}
	if len(deep) == 0 { // fewer than a page of active conversations
		deep = []string{strconv.FormatInt(time.Now().UnixMilli(), 10) + "_1000000000"}
	}
	ops := append([]inboxOp{{"GET /healthz (baseline)", func(*rand.Rand) string { return "/healthz" }, false}}, inboxOps(c, deep)...)
	lat := make([][]time.Duration, len(ops))
	res := make([]OpResult, len(ops))
	items := make([]int, len(ops))
	spent := make([]time.Duration, len(ops))
	rng := rand.New(rand.NewPCG(13, 13))
	warm := min(5, samples)
	for round := range warm + samples {
		for k, op := range ops {
			if ctx.Err() != nil {
				return OpResult{}, nil, ctx.Err()
			}
			if spent[k] > budget {
				continue
			}
			body, d, err := cl.get(ctx, op.path(rng))
			if round < warm {
				continue
			}
			spent[k] += d
			r := &res[k]
			if err != nil {
				r.Errors++
				if r.FirstErr == "" {
					r.FirstErr = err.Error()
				}
				continue
			}
			if op.list {
				var p page
				if err := json.Unmarshal(body, &p); err != nil {
					return OpResult{}, nil, fmt.Errorf("%s: %w", op.name, err)
				}
				items[k] += len(p.Data)
			}
			lat[k] = append(lat[k], d)
		}
	}
	for k, op := range ops {
		r := &res[k]
		r.Name, r.N = op.name, len(lat[k])
		if r.N > 0 {
			s := slices.Sorted(slices.Values(lat[k]))
			r.P50, r.P99, r.Max = s[len(s)/2], s[min(len(s)-1, len(s)*99/100)], s[len(s)-1]
			r.Items = float64(items[k]) / float64(r.N)
		}
	}
	return res[0], res[1:], nil
}

// cursors walks the default list up to pages deep and returns the cursor
// of each page after the first, for requests with ?before=.
func cursors(ctx context.Context, cl *apiClient, pages int) ([]string, error) {
	var out []string
	path := "/api/v1/conversations"
	for range pages {
		body, _, err := cl.get(ctx, path)
		if err != nil {
			return nil, err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, err
		}
		if p.Next == nil {
			break
		}
		out = append(out, *p.Next)
		path = "/api/v1/conversations?before=" + neturl.QueryEscape(*p.Next)
	}
	return out, nil
}
