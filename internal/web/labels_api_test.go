package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

type labelJSON struct {
	Name          string `json:"name"`
	Color         string `json:"color"`
	Conversations int    `json:"conversations"`
}

type convLabelsJSON struct {
	ID     int64    `json:"id"`
	Labels []string `json:"labels"`
}

// TestLabelsAPI: owners and admins keep the catalogue; agents label
// conversations from it; changes are announced.
func TestLabelsAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner, beta := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))
		_, agent := n.member(t, "agent.labels@example.com", "Agent L", domain.RoleAgent)
		conv := n.customerConversation(t, owner, "447700900401", "Lee", "hello")
		stream := n.openEvents(t, agent)

		// The catalogue is for owners and admins.
		n.call(t, http.MethodPost, "/api/v1/labels", map[string]string{"name": "vip"}, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		var vip labelJSON
		n.call(t, http.MethodPost, "/api/v1/labels", map[string]string{"name": " VIP "}, owner).want(t, http.StatusCreated, &vip)
		if vip.Name != "vip" || len(vip.Color) != 7 {
			t.Fatalf("vip = %+v", vip)
		}
		n.call(t, http.MethodPost, "/api/v1/labels", map[string]string{"name": "billing", "color": "#ABCDEF"}, owner).want(t, http.StatusCreated, nil)
		n.call(t, http.MethodPost, "/api/v1/labels", map[string]string{"name": "Vip"}, owner).wantError(t, http.StatusConflict, domain.CodeConflict)
		for _, bad := range []map[string]string{{"name": ""}, {"name": "a/b"}, {"name": "ok", "color": "red"}} {
			if e := n.call(t, http.MethodPost, "/api/v1/labels", bad, owner).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument); e.Remedy == "" {
				t.Errorf("no remedy for %v", bad)
			}
		}
		n.call(t, http.MethodPut, "/api/v1/labels/billing", map[string]string{"color": "#000000"}, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		var recolored labelJSON
		n.call(t, http.MethodPut, "/api/v1/labels/billing", map[string]string{"color": "#000000"}, owner).want(t, http.StatusOK, &recolored)
		if recolored.Color != "#000000" {
			t.Fatalf("recolored = %+v", recolored)
		}

		// Agents label conversations.
		labelsPath := fmt.Sprintf("/api/v1/conversations/%d/labels", conv)
		var got convLabelsJSON
		n.call(t, http.MethodPut, labelsPath, map[string]any{"labels": []string{"VIP", "billing"}}, agent).want(t, http.StatusOK, &got)
		if got.ID != conv || fmt.Sprint(got.Labels) != "[billing vip]" {
			t.Fatalf("put = %+v", got)
		}
		ev := stream.waitFor(t, "conversation.updated with labels", func(ev sseEvent) bool {
			var v convLabelsJSON
			return ev.Type == domain.EventConversationUpdated && json.Unmarshal([]byte(ev.Data), &v) == nil && v.ID == conv && len(v.Labels) == 2
		})
		if ev.Data != `{"id":`+itoa(conv)+`,"labels":["billing","vip"]}` {
			t.Errorf("event data = %s", ev.Data)
		}
		// The conversation and the list show them.
		var one struct {
			Labels []string `json:"labels"`
		}
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", conv), nil, agent).want(t, http.StatusOK, &one)
		var convs struct {
			Data []struct {
				ID     int64    `json:"id"`
				Labels []string `json:"labels"`
			} `json:"data"`
		}
		n.call(t, http.MethodGet, "/api/v1/conversations?label=vip", nil, agent).want(t, http.StatusOK, &convs)
		if strings.Join(one.Labels, ",") != "billing,vip" || len(convs.Data) != 1 || convs.Data[0].ID != conv || strings.Join(convs.Data[0].Labels, ",") != "billing,vip" {
			t.Errorf("labels in views: %v, list %+v", one.Labels, convs.Data)
		}
		e := n.call(t, http.MethodPut, labelsPath, map[string]any{"labels": []string{"vip", "unknown"}}, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if e.Remedy == "" {
			t.Error("unknown label: no remedy")
		}
		n.call(t, http.MethodPut, labelsPath, map[string]any{}, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, labelsPath+"/urgent", nil, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodDelete, labelsPath+"/billing", nil, agent).want(t, http.StatusOK, &got)
		if fmt.Sprint(got.Labels) != "[vip]" {
			t.Fatalf("after remove = %+v", got)
		}
		n.call(t, http.MethodPost, "/api/v1/labels", map[string]string{"name": "needs reply"}, owner).want(t, http.StatusCreated, nil)
		n.call(t, http.MethodPost, labelsPath+"/Needs%20Reply", nil, agent).want(t, http.StatusOK, &got)
		if fmt.Sprint(got.Labels) != "[needs reply vip]" {
			t.Fatalf("after add = %+v", got)
		}
		n.call(t, http.MethodGet, labelsPath, nil, agent).want(t, http.StatusOK, &got)
		if fmt.Sprint(got.Labels) != "[needs reply vip]" {
			t.Fatalf("get = %+v", got)
		}

		var list struct{ Data []labelJSON }
		n.call(t, http.MethodGet, "/api/v1/labels", nil, agent).want(t, http.StatusOK, &list)
		if fmt.Sprint(list.Data) != "[{billing #000000 0} {needs reply "+list.Data[1].Color+" 1} {vip "+vip.Color+" 1}]" {
			t.Fatalf("labels = %+v", list.Data)
		}

		// Another workspace sees none of it.
		n.call(t, http.MethodGet, "/api/v1/labels", nil, beta).want(t, http.StatusOK, &list)
		if len(list.Data) != 0 {
			t.Fatalf("beta's labels = %+v", list.Data)
		}
		n.call(t, http.MethodPut, labelsPath, map[string]any{"labels": []string{}}, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, labelsPath, nil, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodDelete, labelsPath+"/vip", nil, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodDelete, "/api/v1/labels/vip", nil, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Deleting from the catalogue takes it off conversations.
		n.call(t, http.MethodDelete, "/api/v1/labels/vip", nil, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodDelete, "/api/v1/labels/VIP", nil, owner).want(t, http.StatusNoContent, nil)
		n.call(t, http.MethodGet, labelsPath, nil, agent).want(t, http.StatusOK, &got)
		if fmt.Sprint(got.Labels) != "[needs reply]" {
			t.Fatalf("after catalogue delete = %+v", got)
		}
	})
}
