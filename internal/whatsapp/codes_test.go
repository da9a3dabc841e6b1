package whatsapp

import (
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	required := []int{0, 1, 2, 4, 10, 100, 190, 200, 368, 130429, 130472, 131000, 131005, 131008, 131009,
		131016, 131021, 131026, 131030, 131031, 131042, 131047, 131048, 131049, 131050, 131051, 131052,
		131053, 131056, 131057, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 133010, 137000}
	for _, code := range required {
		if _, ok := codeTexts[code]; !ok {
			t.Errorf("code %d has no text", code)
		}
	}
	for code, ct := range codeTexts {
		if ct.title == "" || ct.remedy == "" || !strings.HasSuffix(ct.remedy, ".") {
			t.Errorf("code %d: incomplete text %+v", code, ct)
		}
	}
	if _, r := Describe(131047); !strings.Contains(r, "template") {
		t.Errorf("131047 remedy should point to templates: %q", r)
	}
	if title, _ := Describe(201); title != codeTexts[200].title {
		t.Errorf("2xx permission range: %q", title)
	}
	if title, _ := Describe(132099); !strings.Contains(title, "Template") {
		t.Errorf("132xxx range: %q", title)
	}
	if title, remedy := Describe(424242); !strings.Contains(title, "424242") || remedy == "" {
		t.Errorf("unknown code: %q %q", title, remedy)
	}
}

func TestTransientTable(t *testing.T) {
	transient := []int{2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004}
	permanent := []int{0, 1, 10, 100, 190, 200, 250, 131008, 131009, 131021, 131026, 131047, 132000, 132001, 132015}
	for _, c := range transient {
		if !(&GraphError{HTTPStatus: 400, Code: c, enveloped: true}).Transient() {
			t.Errorf("%d should be transient", c)
		}
	}
	for _, c := range permanent {
		if (&GraphError{HTTPStatus: 500, Code: c, enveloped: true}).Transient() {
			t.Errorf("%d should be permanent even with HTTP 500", c)
		}
	}
	if !(&GraphError{HTTPStatus: 429}).Transient() {
		t.Error("bare 429 should be transient")
	}
}
