package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

func multipartCSV(t *testing.T, csv string, fields map[string]string) ([]byte, opt) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if csv != "" {
		f, _ := w.CreateFormFile("file", "contacts.csv")
		_, _ = f.Write([]byte(csv))
	}
	_ = w.Close()
	return b.Bytes(), withHeader("Content-Type", w.FormDataContentType())
}

type importJSON struct {
	Imported int `json:"imported"`
	Updated  int `json:"updated"`
	Rejected []struct {
		Row    int    `json:"row"`
		Reason string `json:"reason"`
	} `json:"rejected"`
}

// A spreadsheet import: numbers normalised with the default country,
// repeats and bad numbers rejected row by row, tags, attributes and opt-in
// evidence stored; a re-import updates; a malformed file imports nothing;
// agents may not import.
func TestContactsImport(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		const file = "phone,name,tags,opt_in_source,opt_in_evidence,city\n" +
			"07911 123456,Ada,vip; newsletter,website form,https://shop.example/form/1,London\n" +
			"+44 7911 123457,Bob,,,,\n" +
			"+447911123456,Ada again,,,,\n" +
			"12,Nobody,,,,\n" +
			",No phone,,,,\n" +
			"+55 11 98765-4321,Ana,newsletter,,evidence without a source,\n"
		body, ct := multipartCSV(t, file, map[string]string{"default_country": "GB"})
		var res importJSON
		n.call(t, http.MethodPost, "/api/v1/contacts/import", body, key, ct).want(t, http.StatusOK, &res)
		if res.Imported != 2 || res.Updated != 0 || len(res.Rejected) != 4 {
			t.Fatalf("import %+v", res)
		}
		wantRows := []int{4, 5, 6, 7}
		for i, r := range res.Rejected {
			if r.Row != wantRows[i] || r.Reason == "" {
				t.Fatalf("rejected %+v", res.Rejected)
			}
		}
		ctx := context.Background()
		ws, _ := n.DB.WorkspaceBySlug(ctx, "default")
		ada, err := n.DB.ContactByWaID(ctx, ws.ID, "447911123456")
		if err != nil || ada.Name != "Ada" || ada.Phone != "+447911123456" {
			t.Fatalf("Ada %+v %v", ada, err)
		}
		tags, _ := n.DB.ContactTags(ctx, ws.ID, ada.ID)
		attrs, _ := n.DB.ContactAttributes(ctx, ws.ID, ada.ID)
		if len(tags) != 2 || tags[0] != "newsletter" || tags[1] != "vip" || attrs["city"] != "London" {
			t.Fatalf("tags %v attributes %v", tags, attrs)
		}
		cs, _ := n.DB.ContactConsent(ctx, ws.ID, ada.ID)
		evs, _ := n.DB.ConsentEvents(ctx, ws.ID, ada.ID)
		if !cs.OptedIn || len(evs) != 1 || evs[0].Source != "import" || evs[0].Evidence != "https://shop.example/form/1" || evs[0].Wording != "website form" {
			t.Fatalf("consent %+v %+v", cs, evs)
		}

		// Again, with a new attribute and tag: updated, consent not repeated.
		body, ct = multipartCSV(t, "phone,tags,plan\n+447911123456,gold,pro\n", nil)
		n.call(t, http.MethodPost, "/api/v1/contacts/import", body, key, ct).want(t, http.StatusOK, &res)
		if res.Imported != 0 || res.Updated != 1 || len(res.Rejected) != 0 {
			t.Fatalf("re-import %+v", res)
		}
		tags, _ = n.DB.ContactTags(ctx, ws.ID, ada.ID)
		attrs, _ = n.DB.ContactAttributes(ctx, ws.ID, ada.ID)
		ada, _ = n.DB.ContactByID(ctx, ws.ID, ada.ID)
		if len(tags) != 3 || attrs["city"] != "London" || attrs["plan"] != "pro" || ada.Name != "Ada" {
			t.Fatalf("after re-import: tags %v attributes %v name %q", tags, attrs, ada.Name)
		}

		// Malformed files import nothing.
		for name, csv := range map[string]string{
			"bare quote":    "phone,name\n+447911123458,\"Eve\n+447911123459,Mallory\n",
			"short row":     "phone,name\n+447911123458,Eve\n+447911123459\n",
			"no phone":      "name,city\nEve,Paris\n",
			"bad attribute": "phone,Favourite Colour\n+447911123458,blue\n",
		} {
			body, ct := multipartCSV(t, csv, nil)
			n.call(t, http.MethodPost, "/api/v1/contacts/import", body, key, ct).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if _, err := n.DB.ContactByWaID(ctx, ws.ID, "447911123458"); !domain.IsNotFound(err) {
				t.Fatalf("%s: a row was imported from a malformed file", name)
			}
		}
		body, ct = multipartCSV(t, "", map[string]string{"default_country": "GB"})
		n.call(t, http.MethodPost, "/api/v1/contacts/import", body, key, ct).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		body, ct = multipartCSV(t, "phone\n07911123458\n", map[string]string{"default_country": "XX"})
		n.call(t, http.MethodPost, "/api/v1/contacts/import", body, key, ct).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		if _, err := n.CreateUser(ctx, "default", "agent-import@example.com", "Agent", domain.RoleAgent, "agent-password-9"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent-import@example.com", "agent-password-9"))
		body, ct = multipartCSV(t, "phone\n+447911123458\n", nil)
		n.call(t, http.MethodPost, "/api/v1/contacts/import", body, agent, ct).wantError(t, http.StatusForbidden, domain.CodeForbidden)
	})
}
