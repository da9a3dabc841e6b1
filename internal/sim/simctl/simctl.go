// Package simctl is what the simulators' control APIs share: they are the
// simulators' own (not Meta's, HubSpot's or Zoho's), JSON in and out, with
// errors as {"error":{"code","message"}}.
package simctl

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// MaxBody bounds a control request body.
const MaxBody = 1 << 20

// JSON answers v with status, never cached.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error answers {"error":{"code","message"}}.
func Error(w http.ResponseWriter, status int, code, msg string) {
	JSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// Body decodes a size-limited JSON body into v (an empty body leaves v as
// it is); on failure it answers the error itself and returns false.
func Body(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		Error(w, http.StatusBadRequest, "invalid_argument", "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// NonNil makes a nil list encode as [] rather than null.
func NonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
