package meta

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// The control API is the simulator's own, not Meta's: JSON in and out,
// errors as {"error":{"code","message"}}.

func ctlErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		simctl.Error(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrInvalidInbound):
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", err.Error())
	default:
		simctl.Error(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

func (s *Server) ctlListNumbers(w http.ResponseWriter, r *http.Request) {
	simctl.JSON(w, http.StatusOK, s.Numbers())
}

func (s *Server) ctlAddNumber(w http.ResponseWriter, r *http.Request) {
	var spec NumberSpec
	if !simctl.Body(w, r, &spec) {
		return
	}
	simctl.JSON(w, http.StatusOK, s.AddNumber(spec))
}

func (s *Server) ctlSetWebhook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	s.SetWebhookURL(in.URL)
	simctl.JSON(w, http.StatusOK, map[string]string{"url": in.URL})
}

// ctlInbound takes Meta's own inbound message shape plus phone_number_id
// and name: {"phone_number_id","from","name","type","<type>":{…},
// "context":{"id"},"timestamp","referral"}, and for media "data": the
// file's bytes in base64 (its type in "<type>":{"mime_type"}).
func (s *Server) ctlInbound(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if !simctl.Body(w, r, &raw) {
		return
	}
	var in Inbound
	var ctx struct {
		ID string `json:"id"`
	}
	var ts json.Number
	for k, dst := range map[string]any{
		"phone_number_id": &in.PhoneNumberID, "from": &in.From, "name": &in.Name,
		"type": &in.Type, "context": &ctx, "timestamp": &ts, "data": &in.Data,
	} {
		if v, ok := raw[k]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				simctl.Error(w, http.StatusBadRequest, "invalid_argument", k+": "+err.Error())
				return
			}
		}
	}
	if in.Type == "" {
		in.Type = "text"
	}
	in.Content, in.Context, in.Referral = raw[in.Type], ctx.ID, raw["referral"]
	if ts != "" {
		sec, err := ts.Int64()
		if err != nil {
			simctl.Error(w, http.StatusBadRequest, "invalid_argument", "timestamp must be unix seconds")
			return
		}
		in.Timestamp = time.Unix(sec, 0)
	}
	wamid, err := s.Inject(r.Context(), in)
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"id": wamid})
}

// ctlRead: {"phone_number_id","wamid"} reads that message and earlier
// ones; {"phone_number_id","wa_id"} reads the whole chat.
func (s *Server) ctlRead(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID string `json:"phone_number_id"`
		Wamid         string `json:"wamid"`
		WaID          string `json:"wa_id"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	var err error
	switch {
	case in.Wamid != "":
		err = s.CustomerRead(in.PhoneNumberID, in.Wamid)
	case in.WaID != "":
		waID, _ := digitsOnly(in.WaID)
		err = s.CustomerReadAll(in.PhoneNumberID, waID)
	default:
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "wamid or wa_id is required")
		return
	}
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (s *Server) ctlSent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, _ := digitsOnly(q.Get("to"))
	simctl.JSON(w, http.StatusOK, s.sentTo(q.Get("phone_number_id"), to))
}

// ctlSentCounts answers {"counts":{wa_id:n},"messages":N,"recipients":M,"repeated":K}.
func (s *Server) ctlSentCounts(w http.ResponseWriter, r *http.Request) {
	counts := s.SentCounts(r.URL.Query().Get("phone_number_id"))
	total, repeated := 0, 0
	for _, n := range counts {
		total += n
		if n > 1 {
			repeated++
		}
	}
	simctl.JSON(w, http.StatusOK, map[string]any{"counts": counts, "messages": total, "recipients": len(counts), "repeated": repeated})
}

func (s *Server) ctlChat(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	msgs, err := s.Chat(q.Get("phone_number_id"), q.Get("wa_id"))
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]any{"messages": msgs})
}

func (s *Server) ctlGetFaults(w http.ResponseWriter, r *http.Request) {
	simctl.JSON(w, http.StatusOK, s.Faults())
}

// ctlFaults merges the given fields into the current faults; {"reset":true}
// clears everything first.
func (s *Server) ctlFaults(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if !simctl.Body(w, r, &raw) {
		return
	}
	f := s.Faults()
	if reset, ok := raw["reset"]; ok {
		var b bool
		if json.Unmarshal(reset, &b) == nil && b {
			f = Faults{}
		}
		delete(raw, "reset")
	}
	merged, _ := json.Marshal(raw)
	if err := json.Unmarshal(merged, &f); err != nil {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "bad faults: "+err.Error())
		return
	}
	s.SetFaults(f)
	simctl.JSON(w, http.StatusOK, s.Faults())
}

func (s *Server) ctlWebhooks(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 50
	}
	simctl.JSON(w, http.StatusOK, s.Deliveries(limit))
}
