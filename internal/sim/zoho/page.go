package zoho

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
)

// GET /crm/tab/{Module}/{id} stands in for the CRM web app's record
// page, so the RecordURL a client derives for a non-Zoho host (the
// simulator's) opens something a person can read: the record's fields
// and its notes.

var recordPage = template.Must(template.New("record").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Module}} {{.ID}} · Zoho CRM simulator</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:2px 12px 2px 0;vertical-align:top}th{text-align:left}</style></head>
<body><h1>{{.Module}} {{.ID}}</h1>
<table>{{range .Fields}}<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</table>
<h2>Notes ({{len .Notes}})</h2>
{{range .Notes}}<p><b>{{.Title}}</b> <small>{{.Time}}</small><br>{{.Content}}</p>{{end}}
</body></html>`))

type pageField struct{ Name, Value string }

type pageNote struct{ Title, Content, Time string }

func (s *Server) serveRecordPage(w http.ResponseWriter, r *http.Request) {
	m := moduleByName(r.PathValue("module"))
	if m == nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	rec := s.records[r.PathValue("id")]
	if rec == nil || rec.module != m.APIName {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	v := s.view(rec)
	var notes []pageNote
	for _, n := range s.notesOfLocked(rec.id) {
		notes = append(notes, pageNote{Title: str(n.fields["Note_Title"]), Content: str(n.fields["Note_Content"]), Time: s.fmtTime(n.created)})
	}
	s.mu.Unlock()
	var fields []pageField
	for k, x := range v {
		fields = append(fields, pageField{Name: k, Value: str(x)})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := recordPage.Execute(w, map[string]any{"Module": m.APIName, "ID": rec.id, "Fields": fields, "Notes": notes}); err != nil {
		s.log.Warn("zoho sim: record page", "error", fmt.Sprint(err))
	}
}
