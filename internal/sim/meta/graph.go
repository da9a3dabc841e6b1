package meta

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

const (
	maxSendBody = 4 << 20
	windowLen   = 24 * time.Hour
	pairBurst   = 45
	pairPerSec  = 1.0 / 6 // one message per 6 s to the same user

	highThroughput = 1000 // mps of a number upgraded to throughput HIGH (§5.7)
)

var versionRe = regexp.MustCompile(`^v\d+\.\d+$`)

// serveGraph routes /{version}/{node}[/{edge}] with the version optional.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	s.graphLatency(r.Context())
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) > 0 && versionRe.MatchString(segs[0]) {
		segs = segs[1:]
	}
	if s.routeMedia(w, r, segs) || s.routeGraph(w, r, segs) {
		return
	}
	method := strings.ToLower(r.Method)
	var send bool
	switch {
	case len(segs) == 2 && segs[1] == "message_templates":
		s.serveTemplates(w, r, segs[0])
		return
	case len(segs) == 1 && segs[0] != "" && r.Method == http.MethodGet:
		if s.getTemplate(w, r, segs[0]) {
			return
		}
	case len(segs) == 1 && segs[0] != "" && r.Method == http.MethodPost:
		if !s.editTemplate(w, r, segs[0]) {
			writeGraphError(w, errUnsupported(method, segs[0]))
		}
		return
	case len(segs) == 2 && segs[1] == "messages" && r.Method == http.MethodPost:
		send = true
	default:
		writeGraphError(w, errUnsupported(method, ""))
		return
	}
	ns, gerr := s.authorize(r, segs[0], method)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if send {
		if gerr := s.sendBlocked(ns); gerr != nil {
			writeGraphError(w, gerr)
			return
		}
		s.sendMessage(w, r, ns)
	} else {
		s.getPhoneNumber(w, r, ns)
	}
}

// authorize checks the token first and the node second, as Graph does, so
// a bad token never reveals whether a number exists.
func (s *Server) authorize(r *http.Request, phoneID, method string) (*numberState, *graphError) {
	token := bearer(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	grants, gerr := s.tokenGrants(token)
	if gerr != nil {
		return nil, gerr
	}
	ns := s.numbers[phoneID]
	if ns == nil {
		return nil, errUnsupported(method, phoneID)
	}
	if !grantedNumber(grants, ns) {
		return nil, errPermission(phoneID)
	}
	return ns, nil
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, ns *numberState) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSendBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeGraphError(w, errBadRequest("The request body is too large."))
		} else {
			writeGraphError(w, errBadRequest("Could not read the request body."))
		}
		return
	}
	req, gerr := parseSend(body)
	if gerr == nil {
		gerr = s.checkSendMedia(ns, req)
	}
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if req.read {
		s.businessRead(w, ns, req.messageID)
		return
	}
	waID, ok := digitsOnly(req.to)
	if !ok || len(waID) < 7 || len(waID) > 15 {
		writeGraphError(w, errInvalid("to", "must be a phone number in international format"))
		return
	}
	if waID == ns.DisplayPhoneNumber {
		writeGraphError(w, newGraphError(131021, "Sender and recipient phone number is the same."))
		return
	}
	m, gerr := s.accept(ns, req, waID, body)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	msg := map[string]any{"id": m.wamid}
	if req.typ == "template" {
		msg["message_status"] = "accepted"
		if m.status == "held" {
			msg["message_status"] = "held_for_quality_assessment"
		}
	}
	writeGraphJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": req.to, "wa_id": waID}},
		"messages":          []map[string]any{msg},
	})
	_ = http.NewResponseController(w).Flush()
	s.launch(ns, m)
}

// accept applies injected failures and the rate limits, then records the
// message. Everything that can still go wrong later (the window, async
// faults) is decided here and emitted by launch.
func (s *Server) accept(ns *numberState, req *sendRequest, waID string, body []byte) (*message, *graphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	fault := s.takeSendFault()
	if fault != nil && fault.Mode != "async" {
		return nil, newGraphError(fault.Code, fault.Details)
	}
	if gerr := s.checkTemplateSend(ns, req); gerr != nil {
		return nil, gerr
	}
	if gerr := s.takeRate(ns.PhoneNumberID, waID, now); gerr != nil {
		return nil, gerr
	}
	key := pairKey{ns.PhoneNumberID, waID}
	last, seen := s.windows[key]
	windowOpen := seen && now.Sub(last) < windowLen
	content, _ := json.Marshal(req.object)
	m := &message{
		wamid:      newWamid(waID),
		waID:       waID,
		to:         req.to,
		typ:        req.typ,
		raw:        json.RawMessage(body),
		content:    content,
		contextID:  req.contextID,
		at:         now,
		status:     "accepted",
		templateID: req.templateID,
		bizOpaque:  req.bizOpaque,
		pricing:    pricingFor(req.templateName, windowOpen),
	}
	if req.templateCat != "" {
		m.pricing = pricingForCategory(req.templateCat, windowOpen)
	}
	if ttl := templateTTL(s.templates[req.templateID]); ttl > 0 {
		m.expiresAt = now.Add(ttl)
	}
	badReaction := reactionFailure(ns, req, waID, now)
	switch {
	case fault != nil:
		e := asyncError(fault.Code, fault.Details)
		m.failWith = &e
	case !windowOpen && req.typ != "template":
		e := asyncError(131047, "")
		m.failWith = &e
	case badReaction != nil:
		m.failWith = badReaction
	default:
		if e := s.templatePolicy(ns, req, waID, windowOpen, now); e != nil {
			m.failWith = e
		} else {
			m.orderFault = s.takeOrderFault()
			if s.holdForPacing(req.templateID) {
				m.status = "held"
			}
		}
	}
	ns.add(m)
	s.changed()
	return m, nil
}

// takeRate enforces the per-number throughput (130429) and the pair rate
// (131056) on the injected clock; a rejected send consumes nothing.
func (s *Server) takeRate(phoneID, waID string, now time.Time) *graphError {
	tput := float64(s.cfg.Throughput)
	if ns := s.numbers[phoneID]; ns != nil && ns.info.Throughput == "HIGH" {
		tput = max(tput, highThroughput)
	}
	tb := s.throughput[phoneID]
	if tb == nil {
		tb = newBucket(tput, now)
		s.throughput[phoneID] = tb
	}
	tb.refill(now, tput, tput)
	key := pairKey{phoneID, waID}
	pb := s.pairRate[key]
	if pb == nil {
		pb = newBucket(pairBurst, now)
		s.pairRate[key] = pb
	}
	pb.refill(now, pairPerSec, pairBurst)
	if tb.tokens < 1 {
		return newGraphError(130429, "")
	}
	if pb.tokens < 1 {
		return newGraphError(131056, "")
	}
	tb.tokens--
	pb.tokens--
	return nil
}

// businessRead handles mark-as-read: the inbound message and every earlier
// one from the same customer become read by the business.
func (s *Server) businessRead(w http.ResponseWriter, ns *numberState, wamid string) {
	s.mu.Lock()
	m := ns.byID[wamid]
	if m != nil && m.inbound {
		for _, t := range ns.threads[m.waID] {
			if t.inbound {
				t.readByBusiness = true
			}
			if t == m {
				break
			}
		}
		s.changed()
	}
	s.mu.Unlock()
	if m == nil || !m.inbound {
		writeGraphError(w, errInvalid("message_id", "no inbound message "+wamid+" for this phone number"))
		return
	}
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (ns *numberState) add(m *message) {
	ns.msgs = append(ns.msgs, m)
	ns.byID[m.wamid] = m
	ns.threads[m.waID] = append(ns.threads[m.waID], m)
}
