package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestTwoNodesOnPostgres runs two serve nodes on one PostgreSQL schema
// behind one simulator whose webhooks reach node A only. An agent on node
// B sees the inbound live, replies through node B, and node A's stream
// shows the reply delivered and read: events and jobs cross nodes.
func TestTwoNodesOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := storetest.NewSchema(t)
	secret := randomSecret(t)
	key := strings.TrimSpace(mustRun(t, nil, "secret"))
	sim := startSim(t, secret)
	env := append(productionEnv(sim, secret), "GOHAVI_DATABASE_URL="+dbURL, "GOHAVI_SECRET_KEY="+key,
		"GOHAVI_DATA_DIR="+t.TempDir()) // unused with PostgreSQL; keeps ./data out of the tree

	// Both nodes start at once: migrations and the first owner must not
	// trip over each other.
	nodeA, nodeB := launchServer(t, "node A", env...), launchServer(t, "node B", env...)
	nodeA.await(t)
	nodeB.await(t)
	sim.setWebhook(t, nodeA.URL+"/webhooks/whatsapp")
	apiKey := createAPIKey(t, env)
	a, b := api{base: nodeA.URL, key: apiKey}, api{base: nodeB.URL, key: apiKey}

	var n number
	b.do(t, "POST", "/api/v1/whatsapp/numbers", map[string]string{"waba_id": sim.Number.WABAID,
		"phone_number_id": sim.Number.PhoneNumberID, "access_token": sim.Number.AccessToken}, http.StatusCreated, &n)
	if got := a.numbers(t); len(got) != 1 || got[0].ID != n.ID {
		t.Fatalf("node A does not see the number connected on node B: %+v", got)
	}

	sseA, sseB := a.events(t, "node A"), b.events(t, "node B")
	roundTrip{sim: sim.ctl, phoneID: sim.Number.PhoneNumberID, inbox: b, inboxSSE: sseB, reply: b, replySSE: sseA}.run(t, "447700900888", "Dorothy Vaughan")

	// Node B saw the whole story as well, each event once.
	for _, s := range []*stream{sseA, sseB} {
		seen := map[string]bool{}
		for _, e := range s.snapshot() {
			if e.Type == "comment" {
				continue
			}
			if e.ID == "" || seen[e.ID] {
				t.Errorf("%s got event %q twice or without an id", s.name, e.ID)
			}
			seen[e.ID] = true
		}
	}
	if len(sseA.snapshot()) < 5 || len(sseB.snapshot()) < 5 {
		t.Errorf("too few events: A:\n%s\nB:\n%s", sseA.dump(), sseB.dump())
	}
}
