// Package auth hashes passwords and mints the opaque tokens behind sessions
// and API keys. It stores nothing; callers keep only hashes.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length rules. The upper bound is in bytes because it protects the
// server: argon2 cost grows with input, and nobody types a megabyte.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 1024
)

// Errors from HashPassword and CheckPassword.
var (
	ErrPasswordTooShort = fmt.Errorf("auth: password must be at least %d characters", MinPasswordChars)
	ErrPasswordTooLong  = fmt.Errorf("auth: password must be at most %d bytes", MaxPasswordBytes)
	ErrInvalidHash      = errors.New("auth: malformed password hash")
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams is OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane):
// about 25 ms per hash on the 2-core reference machine, well inside the
// 150 ms login budget. Raise Time first if hardware allows; raising Memory
// multiplies RAM per concurrent login (see hashSlots).
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Hashes come from our database, but a planted row must not let one
	// login allocate gigabytes or spin for minutes.
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// hashSlots caps concurrent argon2 runs: each holds Memory KiB, so a flood of
// login attempts queues here instead of exhausting RAM.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func argon2id(pw string, salt []byte, p Params, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n)
}

// HashPassword returns an argon2id hash in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	if err := checkLength(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails since Go 1.24
	p := DefaultParams
	key := argon2id(pw, salt, p, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func checkLength(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	if utf8.RuneCountInString(pw) < MinPasswordChars {
		return ErrPasswordTooShort
	}
	return nil
}

// CheckPassword reports whether pw matches hash, using the parameters stored
// in hash so older hashes keep working after DefaultParams is raised. A
// mismatch is (false, nil); an error means the stored hash is unusable.
func CheckPassword(hash, pw string) (bool, error) {
	p, salt, want, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if checkLength(pw) != nil {
		// No valid hash was ever made from such a password; skip the work.
		return false, nil
	}
	got := argon2id(pw, salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters other than
// DefaultParams; callers re-hash on the next successful login.
func NeedsRehash(hash string) bool {
	p, _, key, err := parseHash(hash)
	return err != nil || p != DefaultParams || len(key) != keyLen
}

// dummyHash is checked when a login names no known user, so that answer
// takes as long as a wrong password and does not reveal which emails exist.
// It is made on first use to keep program start free of argon2 work.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("dummy password for timing")
	if err != nil {
		panic(err) // unreachable: the password is valid
	}
	return h
})

// CheckNoUser spends the time of a CheckPassword call and reports false.
func CheckNoUser(pw string) bool {
	_, _ = CheckPassword(dummyHash(), pw)
	return false
}

func parseHash(hash string) (p Params, salt, key []byte, err error) {
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrInvalidHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || fmt.Sprintf("v=%d", v) != parts[2] {
		return p, nil, nil, ErrInvalidHash
	}
	if v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: argon2 version %d", ErrInvalidHash, v)
	}
	var m, t, th uint64
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != parts[3] {
		return p, nil, nil, ErrInvalidHash
	}
	if m < 8*th || m > maxMemory || t < 1 || t > maxTime || th < 1 || th > maxThreads {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", ErrInvalidHash)
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrInvalidHash
	}
	return Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, key, nil
}
