package store

import (
	"reflect"
	"testing"
)

func TestAnonymous(t *testing.T) {
	q, order := anonymous(`UPDATE t SET a = $2, b = CASE WHEN $2 > b THEN $10 ELSE b END WHERE id = $1 AND s = '$x'`)
	if q != `UPDATE t SET a = ?, b = CASE WHEN ? > b THEN ? ELSE b END WHERE id = ? AND s = '$x'` {
		t.Fatalf("query: %s", q)
	}
	if !reflect.DeepEqual(order, []int{2, 2, 10, 1}) {
		t.Fatalf("order: %v", order)
	}
	h := hotStmt{order: order}
	if got := h.args([]any{"one", "two", 3, 4, 5, 6, 7, 8, 9, "ten"}); !reflect.DeepEqual(got, []any{"two", "two", "ten", "one"}) {
		t.Fatalf("args: %v", got)
	}
}
