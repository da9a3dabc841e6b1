package numbers

import (
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
)

// A number's access token is sealed to its phone number id, so a sealed
// token copied onto another number's row does not open.

func sealToken(box *secret.Box, phoneNumberID, token string) ([]byte, error) {
	return box.Seal([]byte(token), []byte(phoneNumberID))
}

// OpenToken returns the access token stored with n. It fails when the
// token was sealed with another GOHAVI_SECRET_KEY or for another number.
func OpenToken(box *secret.Box, n domain.Number) (string, error) {
	tok, err := box.Open(n.AccessTokenEnc, []byte(n.PhoneNumberID))
	return string(tok), err
}

func (s *Service) token(num domain.Number) (string, error) {
	tok, err := OpenToken(s.Box, num)
	if err != nil {
		return "", domain.Errorf(domain.CodeInternal, "GOHAVI_SECRET_KEY differs from the key the token was stored with; connect the number again.", "cannot decrypt the number's access token")
	}
	return tok, nil
}
