package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
)

var statusByCode = map[domain.Code]int{
	domain.CodeInvalidArgument: http.StatusBadRequest,
	domain.CodeNotFound:        http.StatusNotFound,
	domain.CodeConflict:        http.StatusConflict,
	domain.CodeNotAssignee:     http.StatusConflict,
	domain.CodeUnauthenticated: http.StatusUnauthorized,
	domain.CodeForbidden:       http.StatusForbidden,
	domain.CodeWindowClosed:    http.StatusUnprocessableEntity,
	domain.CodeNotOptedIn:      http.StatusUnprocessableEntity,
	domain.CodeOptedOut:        http.StatusUnprocessableEntity,
	domain.CodeTemplateNotOK:   http.StatusUnprocessableEntity,
	domain.CodeTemplatePaused:  http.StatusUnprocessableEntity,
	domain.CodeTemplateParams:  http.StatusUnprocessableEntity,
	domain.CodeTierExhausted:   http.StatusUnprocessableEntity,
	domain.CodeMarketingUS:     http.StatusUnprocessableEntity,
	domain.CodeQualityRed:      http.StatusUnprocessableEntity,
	domain.CodeNumberOff:       http.StatusUnprocessableEntity,
	domain.CodeNumberBlocked:   http.StatusUnprocessableEntity,
	domain.CodeMetaRejected:    http.StatusUnprocessableEntity,
	domain.CodeFailureRate:     http.StatusUnprocessableEntity,
	numbers.CodeSignupCode:     http.StatusUnprocessableEntity,
	numbers.CodeNotConfigured:  http.StatusConflict,
	domain.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	domain.CodeBadSignature:    http.StatusUnauthorized,
	domain.CodeUnavailable:     http.StatusServiceUnavailable,
	domain.CodeGraphError:      http.StatusBadGateway,
}

type errorBody struct {
	Error struct {
		Code    domain.Code `json:"code"`
		Message string      `json:"message"`
		Remedy  string      `json:"remedy,omitempty"`
	} `json:"error"`
}

// writeError answers with the stable error shape. Errors that are not
// domain errors are logged and shown as a bare "internal error".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		de = &domain.Error{Code: domain.CodeInternal, Message: "internal error", Remedy: "Try again; if it persists, check the server log.", Err: err}
		logFrom(r).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status, ok := statusByCode[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Remedy = de.Code, de.Message, de.Remedy
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type dataList[T any] struct {
	Data []T `json:"data"`
}

// maxJSONBody bounds API request bodies; a WhatsApp message is far smaller.
const maxJSONBody = 1 << 20

// decodeJSON reads a size-limited JSON body into v, rejecting unknown
// garbage with a clear message.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return domain.Errorf(domain.CodeTooLarge, "Send a smaller request.", "request body is larger than %d bytes", maxJSONBody)
		}
		return domain.Errorf(domain.CodeInvalidArgument, "Send the request again.", "could not read the request body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return domain.Errorf(domain.CodeInvalidArgument, "Send a JSON object as the request body with Content-Type: application/json.", "request body is not valid JSON: %v", err)
	}
	return nil
}

// pathID parses {id}; an unparsable id is simply not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.ErrNotFound
	}
	return id, nil
}

func queryLimit(r *http.Request, def, max int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, max)
}
