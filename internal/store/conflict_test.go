package store

import (
	"errors"
	"testing"
)

func TestIsConflict(t *testing.T) {
	for msg, want := range map[string]bool{
		"ERROR: deadlock detected (SQLSTATE 40P01)":                              true,
		"ERROR: could not serialize access (SQLSTATE 40001)":                     true,
		"database is locked (5) (SQLITE_BUSY)":                                   true,
		"ERROR: duplicate key value violates unique constraint (SQLSTATE 23505)": false,
	} {
		if got := IsConflict(errors.New(msg)); got != want {
			t.Errorf("IsConflict(%q) = %v", msg, got)
		}
	}
	if IsConflict(nil) {
		t.Error("nil is no conflict")
	}
}
