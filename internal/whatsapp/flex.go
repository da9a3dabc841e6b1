package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Meta is inconsistent about JSON types: timestamps are strings in messages
// webhooks and numbers in management ones, coordinates are numbers inbound
// and strings in sends. These types accept either form and never fail, so
// one odd field cannot cost us a whole webhook batch.

// flexString accepts a JSON string or number (kept as written).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*f = flexString(s)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		*f = flexString(b)
	}
	return nil
}

// flexInt accepts an integer as a JSON number or string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	_ = s.UnmarshalJSON(b)
	if n, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64); err == nil {
		*f = flexInt(n)
	} else if x, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil && math.Abs(x) < 1<<53 {
		*f = flexInt(x)
	}
	return nil
}

// flexFloat accepts a number as a JSON number or string.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	var s flexString
	_ = s.UnmarshalJSON(b)
	if x, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
		*f = flexFloat(x)
	}
	return nil
}

// tolerate drops type mismatches: encoding/json still fills every other
// field and reports only the first mismatch, which we do not need.
func tolerate(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

// isObject reports whether b holds a JSON object (checked cheaply: the full
// parse that follows validates the rest).
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// unixTime converts Meta's unix-seconds string; unparsable values give the
// zero time rather than a bogus date.
func unixTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x > 0 && x < 1<<53 {
		return time.Unix(int64(x), 0).UTC()
	}
	return time.Time{}
}
