package meta

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"strings"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newNumericID returns a 15-digit id like Meta's WABA, phone and media ids.
func newNumericID() string {
	var b strings.Builder
	b.WriteByte(byte('1' + mrand.IntN(9)))
	for range 14 {
		b.WriteByte(byte('0' + mrand.IntN(10)))
	}
	return b.String()
}

// newDisplayNumber returns a number in the 555 test range, like the ones
// Meta hands out for test accounts.
func newDisplayNumber() string {
	return fmt.Sprintf("1555%07d", mrand.IntN(10_000_000))
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[mrand.IntN(len(alphabet))]
	}
	return string(b)
}

func newAccessToken() string { return "EAAG" + randomString(180, alnum) }

func newTraceID() string {
	return randomString(23, alnum+"-_")
}

// newWamid mimics the real shape: base64 of a small protobuf-like record
// holding the customer's number and a random 20-char hex id, so wamids
// look and sort like Meta's ("wamid.HBgL…") while staying unique.
func newWamid(waID string) string {
	if len(waID) > 100 {
		waID = waID[:100]
	}
	var rnd [10]byte
	_, _ = rand.Read(rnd[:])
	hex := strings.ToUpper(fmt.Sprintf("%x", rnd))
	b := []byte{0x1c, 0x18, byte(len(waID))}
	b = append(b, waID...)
	b = append(b, 0x15, 0x02, 0x00, 0x12, 0x18, byte(len(hex)))
	b = append(b, hex...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// newSHA256 returns a base64 string of 32 random bytes: the simulator has
// no media bytes to hash, and clients treat the value as opaque.
func newSHA256() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// digitsOnly turns "+1 (650) 555-1234" into "16505551234" and reports
// whether anything other than the separators Meta accepts was present.
func digitsOnly(s string) (string, bool) {
	var b strings.Builder
	ok := true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == '-' || r == '(' || r == ')' || r == ' ' || r == '.':
		default:
			ok = false
		}
	}
	return b.String(), ok
}
