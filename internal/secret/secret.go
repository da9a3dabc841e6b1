// Package secret seals credentials (Meta access tokens, CRM tokens, app
// secrets) for storage, under a master key that lives only in the
// environment.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the master key length: AES-256.
const KeySize = 32

// version1 marks AES-256-GCM under the HKDF sub-key with info "gohavi tokens
// v1". A new scheme or key gets a new byte, so sealed values can be rotated
// lazily: Open knows which scheme made each one.
const version1 byte = 1

// hkdfInfo separates this key's use from any other use of the master key.
const hkdfInfo = "gohavi tokens v1"

// Errors returned by Open and ParseKey. Open does not say more than this on
// purpose: a wrong key and a tampered value look the same to an attacker.
var (
	ErrInvalidKey         = errors.New("secret: invalid key")
	ErrDecrypt            = errors.New("secret: cannot decrypt: wrong key, wrong associated data, or tampered value")
	ErrUnsupportedVersion = errors.New("secret: sealed with an unknown version")
)

// Box seals and opens values with one master key. It is safe for concurrent
// use.
type Box struct {
	aead cipher.AEAD
}

// NewBox derives the sealing key from a 32-byte master key. The master key
// is never used directly, so it can safely feed other derivations later.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidKey, len(key), KeySize)
	}
	sub, err := hkdf.Key(sha256.New, key, nil, hkdfInfo, KeySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return nil, err
	}
	// A random 96-bit nonce per Seal is safe up to 2^32 values per key, far
	// beyond the number of tokens a deployment stores.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to additionalData, e.g. the owning row's id,
// so a sealed token copied into another row does not open there. Output:
// version byte ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
func (b *Box) Seal(plaintext, additionalData []byte) ([]byte, error) {
	out := make([]byte, 1, 1+b.aead.Overhead()+len(plaintext))
	out[0] = version1
	return b.aead.Seal(out, nil, plaintext, b.ad(version1, additionalData)), nil
}

// Open decrypts a value made by Seal with the same additionalData.
func (b *Box) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < 1+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("%w: %d", ErrUnsupportedVersion, sealed[0])
	}
	pt, err := b.aead.Open(nil, nil, sealed[1:], b.ad(version1, additionalData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// ad authenticates the version byte along with the caller's data, so the
// header cannot be swapped without detection.
func (b *Box) ad(version byte, additionalData []byte) []byte {
	return append([]byte{version}, additionalData...)
}

// GenerateKey returns a new random master key in standard base64, ready for
// the environment.
func GenerateKey() string {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails since Go 1.24
	return base64.StdEncoding.EncodeToString(k)
}

// ParseKey decodes a master key given as base64 (standard or URL alphabet,
// padded or not) or as 64 hex characters.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty; generate one with GenerateKey (32 random bytes, base64)", ErrInvalidKey)
	}
	if len(s) == 2*KeySize {
		// 32 bytes in base64 are 43 or 44 characters, so 64 can only mean hex.
		k, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: 64 characters but not valid hex (a 32-byte key in base64 has 43 or 44)", ErrInvalidKey)
		}
		return k, nil
	}
	encodings := []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding}
	for _, enc := range encodings {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("%w: decodes to %d bytes, want %d", ErrInvalidKey, len(k), KeySize)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: neither base64 nor 64 hex characters", ErrInvalidKey)
}
