// Package audience decides who a broadcast reaches: contacts imported from
// a spreadsheet, and the segments built on their tags, attributes and
// consent.
package audience

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Limits of one import: a spreadsheet of a hundred thousand customers is
// normal, a million rows in one request is a mistake.
const (
	MaxImportRows = 200_000
	maxCell       = 1024
	maxTags       = 20
)

// Row is one contact to import.
type Row struct {
	Line       int // line in the file (the header is line 1)
	WaID       string
	Phone      string // E.164
	Name       string
	Tags       []string
	Attributes map[string]string
	OptInFrom  string // where the customer opted in ("" = no consent recorded)
	Evidence   string
}

// Reject is a row left out, with why.
type Reject struct {
	Row    int    `json:"row"`
	Reason string `json:"reason"`
}

var known = map[string]bool{"phone": true, "name": true, "tags": true, "opt_in_source": true, "opt_in_evidence": true}

var attrName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, "Fix the file and import it again; nothing was imported.", format, args...)
}

// ParseCSV reads a contact spreadsheet: a header with "phone" and any of
// name, tags, opt_in_source, opt_in_evidence and attribute columns. A row
// that cannot be a contact (no or an invalid number, a repeat of an
// earlier row) is rejected with the reason; a file that is not a CSV at
// all is an error, so nothing is imported half-way. Numbers without a
// country code are read in defaultCountry (ISO code, may be "").
func ParseCSV(r io.Reader, defaultCountry string) ([]Row, []Reject, error) {
	defaultCountry = strings.ToUpper(strings.TrimSpace(defaultCountry))
	if defaultCountry != "" && phonenumbers.GetCountryCodeForRegion(defaultCountry) == 0 {
		return nil, nil, invalid("default_country %q is not a country code such as BR or GB", defaultCountry)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per row, to say which row is wrong
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, invalid("the file is empty: expected a header such as phone,name,tags,opt_in_source,opt_in_evidence")
	}
	if err != nil {
		return nil, nil, invalid("the header is not CSV: %v", err)
	}
	cols, err := columns(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []Row
	var rejects []Reject
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, invalid("line %d is not valid CSV: %v", line, err)
		}
		if len(rec) != len(cols) {
			return nil, nil, invalid("line %d has %d fields, the header has %d", line, len(rec), len(cols))
		}
		if line-1 > MaxImportRows {
			return nil, nil, invalid("the file has more than %d rows; split it", MaxImportRows)
		}
		row, reason := parseRow(line, cols, rec, defaultCountry)
		if reason == "" {
			if first, dup := seen[row.WaID]; dup {
				reason = fmt.Sprintf("duplicate: the same number as row %d", first)
			} else {
				seen[row.WaID] = line
			}
		}
		if reason != "" {
			rejects = append(rejects, Reject{Row: line, Reason: reason})
			continue
		}
		rows = append(rows, row)
	}
	return rows, rejects, nil
}

func columns(header []string) ([]string, error) {
	cols := make([]string, len(header))
	has := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known[h] && !attrName.MatchString(h) {
			return nil, invalid("column %d is named %q: attribute columns use lowercase letters, digits and _ (for example city or plan_2026)", i+1, header[i])
		}
		if has[h] {
			return nil, invalid("column %q appears twice", h)
		}
		has[h], cols[i] = true, h
	}
	if !has["phone"] {
		return nil, invalid("the header has no phone column: expected phone,name,tags,opt_in_source,opt_in_evidence plus any attribute columns")
	}
	return cols, nil
}

func parseRow(line int, cols, rec []string, country string) (Row, string) {
	row := Row{Line: line, Attributes: map[string]string{}}
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if !utf8.ValidString(v) {
			return row, fmt.Sprintf("column %s is not UTF-8 text", cols[i])
		}
		if len(v) > maxCell {
			return row, fmt.Sprintf("column %s is longer than %d bytes", cols[i], maxCell)
		}
		switch cols[i] {
		case "phone":
			row.Phone = v
		case "name":
			row.Name = v
		case "tags":
			row.Tags = splitTags(v)
		case "opt_in_source":
			row.OptInFrom = v
		case "opt_in_evidence":
			row.Evidence = v
		default:
			if v != "" {
				row.Attributes[cols[i]] = v
			}
		}
	}
	if len(row.Tags) > maxTags {
		return row, fmt.Sprintf("more than %d tags", maxTags)
	}
	if row.Phone == "" {
		return row, "no phone number"
	}
	num, err := phonenumbers.Parse(row.Phone, country)
	switch {
	case err != nil && country == "" && !strings.HasPrefix(row.Phone, "+"):
		return row, fmt.Sprintf("%q has no country code: write it as +44… or set default_country", row.Phone)
	case err != nil || !phonenumbers.IsValidNumber(num):
		return row, fmt.Sprintf("%q is not a valid phone number", row.Phone)
	}
	row.Phone = phonenumbers.Format(num, phonenumbers.E164)
	row.WaID = strings.TrimPrefix(row.Phone, "+")
	if row.Evidence != "" && row.OptInFrom == "" {
		return row, "opt_in_evidence without opt_in_source: say where the customer opted in"
	}
	return row, ""
}

// splitTags reads "vip; newsletter" or "vip,newsletter" or "vip|newsletter".
func splitTags(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Contacts turns parsed rows into the store's import form.
func Contacts(rows []Row) []store.ContactImport {
	out := make([]store.ContactImport, len(rows))
	for i, r := range rows {
		out[i] = store.ContactImport{WaID: r.WaID, Phone: r.Phone, Name: r.Name, Tags: r.Tags, Attributes: r.Attributes, OptInFrom: r.OptInFrom, Evidence: r.Evidence}
	}
	return out
}
