package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Token prefixes say what a leaked string is at a glance, and let secret
// scanners recognise ours.
const (
	PrefixAPIKey  = "ghk_"
	PrefixSession = "ghs_"
)

const (
	tokenBytes = 32
	// tokenBodyLen is the unpadded base64url length of tokenBytes; with a
	// fixed body length the prefix is whatever comes before it.
	tokenBodyLen = (tokenBytes*8 + 5) / 6
	displayLen   = 8
)

// NewToken returns a fresh token, prefix followed by 32 random bytes in
// unpadded base64url, and its hash for storage. Show the token once; keep
// only the hash.
func NewToken(prefix string) (token string, hash []byte) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails since Go 1.24
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token and the lookup key when it is
// presented. Plain SHA-256 is right here, unlike for passwords: a token has
// 256 random bits, so there is nothing to brute-force and no need for a slow
// hash or a salt, and every API request can afford the check.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenPrefix returns the first 8 characters after the type prefix, to tell
// keys apart in lists (e.g. shown as "ghk_AbCdEfGh…"). It reveals 48 of 256
// bits, which leaves the token unguessable. Strings that are not tokens give
// "".
func TokenPrefix(token string) string {
	if len(token) < tokenBodyLen {
		return ""
	}
	return token[len(token)-tokenBodyLen:][:displayLen]
}
