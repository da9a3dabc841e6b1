package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
)

var dealProps = []string{"dealname", "dealstage", "pipeline"}

// Deal reads a deal with its contacts. GET answers a first page of
// associations inline; when it says there are more, the v4 list is read
// to the end instead.
func (c *Client) Deal(ctx context.Context, id string, props []string) (crm.Deal, error) {
	var o hsObject
	q := url.Values{"properties": {strings.Join(union(dealProps, props), ",")}, "associations": {"contacts"}}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: pathf("/crm/v3/objects/deals/%s", id), query: q}, &o); err != nil {
		return crm.Deal{}, err
	}
	p := o.props()
	d := crm.Deal{ID: o.ID, Name: p["dealname"], Pipeline: p["pipeline"], Stage: p["dealstage"], Properties: p}
	a := o.Associations["contacts"]
	if a.Paging != nil {
		ids, err := c.associated(ctx, "deals", o.ID, "contacts")
		if err != nil {
			return crm.Deal{}, err
		}
		d.ContactIDs = ids
		return d, nil
	}
	// The inline list repeats a contact once per association type.
	for _, r := range a.Results {
		if !slices.Contains(d.ContactIDs, r.ID) {
			d.ContactIDs = append(d.ContactIDs, r.ID)
		}
	}
	return d, nil
}

// associated lists every object of type to associated with from/id.
func (c *Client) associated(ctx context.Context, from, id, to string) ([]string, error) {
	var ids []string
	after := ""
	for {
		q := url.Values{"limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Results []struct {
				// An integer in most versions of the spec, a string in some.
				ToObjectID json.Number `json:"toObjectId"`
			} `json:"results"`
			Paging *struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if _, err := c.do(ctx, call{method: http.MethodGet, path: pathf("/crm/v4/objects/%s/%s/associations/%s", from, id, to), query: q}, &page); err != nil {
			return nil, err
		}
		for _, r := range page.Results {
			if s := r.ToObjectID.String(); s != "" && !slices.Contains(ids, s) {
				ids = append(ids, s)
			}
		}
		if page.Paging == nil || page.Paging.Next.After == "" || page.Paging.Next.After == after {
			return ids, nil
		}
		after = page.Paging.Next.After
	}
}

// hsStage and hsPipeline are the pipelines API's shapes; a pipeline
// shares a stage's id, label, order and archived flag.
type hsStage struct {
	ID           string `json:"id"`
	Label        string `json:"label"`
	DisplayOrder int    `json:"displayOrder"`
	Archived     bool   `json:"archived"`
}

type hsPipeline struct {
	hsStage
	Stages []hsStage `json:"stages"`
}

// Pipelines lists deal pipelines and stages in HubSpot's display order,
// without archived ones.
func (c *Client) Pipelines(ctx context.Context) ([]crm.Pipeline, error) {
	var res struct {
		Results []hsPipeline `json:"results"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/crm/v3/pipelines/deals"}, &res); err != nil {
		return nil, err
	}
	byOrder := func(a, b hsStage) int { return a.DisplayOrder - b.DisplayOrder }
	slices.SortStableFunc(res.Results, func(a, b hsPipeline) int { return byOrder(a.hsStage, b.hsStage) })
	var out []crm.Pipeline
	for _, p := range res.Results {
		if p.Archived {
			continue
		}
		slices.SortStableFunc(p.Stages, byOrder)
		pl := crm.Pipeline{ID: p.ID, Label: p.Label}
		for _, s := range p.Stages {
			if !s.Archived {
				pl.Stages = append(pl.Stages, crm.Stage{ID: s.ID, Label: s.Label})
			}
		}
		out = append(out, pl)
	}
	return out, nil
}
