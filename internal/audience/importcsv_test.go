package audience

import (
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	file := "\ufeffPhone,Name,TAGS,city\n" + // a spreadsheet's byte-order mark and capitals
		"(11) 98765-4321,Ana,\"VIP | newsletter, vip\",São Paulo\n" +
		"+5511987654321,Ana twice,,\n" +
		"+1 212 555 0123,,,\n"
	rows, rejects, err := ParseCSV(strings.NewReader(file), "br")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].WaID != "5511987654321" || rows[0].Attributes["city"] != "São Paulo" || strings.Join(rows[0].Tags, ",") != "vip,newsletter" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[1].Phone != "+12125550123" || rows[1].Line != 4 {
		t.Fatalf("row 2 %+v", rows[1])
	}
	if len(rejects) != 1 || rejects[0].Row != 3 || !strings.Contains(rejects[0].Reason, "row 2") {
		t.Fatalf("rejects %+v", rejects)
	}
	if _, _, err := ParseCSV(strings.NewReader("phone\n98765-4321\n"), ""); err != nil {
		t.Fatal(err)
	} else if _, rej, _ := ParseCSV(strings.NewReader("phone\n98765-4321\n"), ""); len(rej) != 1 || !strings.Contains(rej[0].Reason, "default_country") {
		t.Fatalf("no country: %+v", rej)
	}
	for name, f := range map[string]string{"empty": "", "twice": "phone,phone\n1,2\n", "invalid utf-8": "phone,name\n+12125550123,\xff\n"} {
		rows, rej, err := ParseCSV(strings.NewReader(f), "")
		if name == "invalid utf-8" {
			if err != nil || len(rows) != 0 || len(rej) != 1 {
				t.Errorf("%s: %v %v %v", name, rows, rej, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
