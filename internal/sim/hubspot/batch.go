package hubspot

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// batchRequest is BatchInput… and BatchReadInput….
type batchRequest struct {
	Inputs     []objectInput `json:"inputs"`
	Properties []string      `json:"properties"`
	IDProperty string        `json:"idProperty"`
}

const maxBatch = 100

// batch serves batch/create|read|update|upsert|archive. Create is all or
// nothing (one bad input fails the call with 400); read, update and upsert
// answer 207 with per-input errors beside the inputs that worked. Results
// come back in reverse input order: HubSpot promises no order, and this
// keeps clients from relying on one.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := s.objectType(w, r)
	if !ok {
		return
	}
	op := r.PathValue("op")
	if !slices.Contains([]string{"create", "read", "update", "upsert", "archive"}, op) {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unknown batch operation: "+op, nil)
		return
	}
	var in batchRequest
	if !readJSON(w, r, &in) {
		return
	}
	if len(in.Inputs) > maxBatch {
		validation(fmt.Sprintf("Batch input limit exceeded. The maximum number of inputs is %d, but %d were provided.", maxBatch, len(in.Inputs))).write(w)
		return
	}
	started := hsTime(s.now())
	s.mu.Lock()
	var results []objectJSON
	var errs []*failure
	var f *failure
	switch op {
	case "create":
		results, f = s.batchCreateLocked(typ, in.Inputs)
	case "read":
		results, errs = s.batchReadLocked(typ, in)
	case "archive":
		for _, x := range in.Inputs {
			s.archiveLocked(typ, string(x.ID))
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		results, errs, f = s.batchWriteLocked(typ, op == "upsert", in.Inputs)
	}
	s.mu.Unlock()
	if f != nil {
		f.write(w)
		return
	}
	slices.Reverse(results)
	status := http.StatusOK
	if op == "create" {
		status = http.StatusCreated
	}
	body := map[string]any{"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": hsTime(s.now())}
	if results == nil {
		body["results"] = []objectJSON{}
	}
	if len(errs) > 0 {
		status = http.StatusMultiStatus
		var list []apiError
		for _, e := range errs {
			list = append(list, e.body())
		}
		body["errors"], body["numErrors"] = list, len(list)
	}
	writeJSON(w, status, body)
}

func (s *Server) batchCreateLocked(typ string, inputs []objectInput) ([]objectJSON, *failure) {
	type prepared struct {
		props map[string]string
		links []link
	}
	var ok []prepared
	seen := map[string]int{} // unique property values within the batch
	for i, in := range inputs {
		props, links, f := s.prepareLocked(typ, in, nil)
		if f != nil {
			return nil, withTrace(f, in)
		}
		for k, v := range props {
			if v != "" && s.isUniqueLocked(typ, k) {
				key := k + "\x00" + strings.ToLower(v)
				if j, dup := seen[key]; dup {
					return nil, validation(fmt.Sprintf("Inputs %d and %d have the same value for unique property %s", j, i, k))
				}
				seen[key] = i
			}
		}
		ok = append(ok, prepared{props, links})
	}
	var out []objectJSON
	for _, p := range ok {
		o := s.createLocked(typ, p.props)
		s.linkLocked(o, p.links)
		out = append(out, render(o, o.props, nil, true))
	}
	return out, nil
}

func withTrace(f *failure, in objectInput) *failure {
	if in.ObjectWriteTraceID != "" {
		if f.context == nil {
			f.context = map[string][]string{}
		}
		f.context["objectWriteTraceId"] = []string{in.ObjectWriteTraceID}
	}
	return f
}

func (s *Server) batchReadLocked(typ string, in batchRequest) ([]objectJSON, []*failure) {
	var out []objectJSON
	var missing []string
	for _, x := range in.Inputs {
		o := s.lookupLocked(typ, string(x.ID), in.IDProperty)
		if o == nil {
			missing = append(missing, string(x.ID))
			continue
		}
		out = append(out, render(o, o.props, s.knownLocked(typ, in.Properties), false))
	}
	if len(missing) == 0 {
		return out, nil
	}
	return out, []*failure{{status: http.StatusNotFound, category: "OBJECT_NOT_FOUND",
		message: fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", strings.TrimSuffix(typ, "s")),
		context: map[string][]string{"ids": missing}}}
}

// batchWriteLocked serves update and upsert. Upsert looks each input up
// by its idProperty, which must identify objects; under the server's lock
// two concurrent upserts of one id cannot both create.
func (s *Server) batchWriteLocked(typ string, upsert bool, inputs []objectInput) ([]objectJSON, []*failure, *failure) {
	ids := map[string]bool{}
	var dups []string
	for _, in := range inputs {
		key := in.IDProperty + "\x00" + string(in.ID)
		if ids[key] {
			dups = append(dups, string(in.ID))
		}
		ids[key] = true
		if upsert && (in.IDProperty == "" || !s.isUniqueLocked(typ, in.IDProperty)) {
			return nil, nil, validation(fmt.Sprintf("Unable to perform update/upsert by non-unique %s property %s in portal ID %d", typeIDs[typ], in.IDProperty, s.cfg.PortalID))
		}
	}
	if len(dups) > 0 {
		return nil, nil, validation(fmt.Sprintf("Duplicate IDs found in batch input: %v. IDs must be unique", dups))
	}
	var out []objectJSON
	var errs []*failure
	for _, in := range inputs {
		in.Associations = nil
		o := s.lookupLocked(typ, string(in.ID), in.IDProperty)
		if o == nil && !upsert {
			errs = append(errs, withTrace(notFound(typ, string(in.ID)), in))
			continue
		}
		if o == nil && in.ID != "" {
			if in.Properties == nil {
				in.Properties = propValues{}
			}
			in.Properties[in.IDProperty] = in.ID
		}
		props, _, f := s.prepareLocked(typ, in, o)
		if f != nil {
			errs = append(errs, withTrace(f, in))
			continue
		}
		created := o == nil
		if created {
			o = s.createLocked(typ, props)
		} else {
			s.writeLocked(o, props)
		}
		res := render(o, o.props, nil, true)
		if upsert {
			res.New = &created
		}
		out = append(out, res)
	}
	return out, errs, nil
}

func (s *Server) archiveLocked(typ, id string) {
	if s.objects[typ][id] == nil {
		return
	}
	delete(s.objects[typ], id)
	s.order[typ] = slices.DeleteFunc(s.order[typ], func(x string) bool { return x == id })
	for k, links := range s.assoc {
		if k.typ == typ && k.id == id {
			delete(s.assoc, k)
			continue
		}
		if k.toTyp == typ {
			s.assoc[k] = slices.DeleteFunc(links, func(l *assocLink) bool { return l.toID == id })
		}
	}
}
