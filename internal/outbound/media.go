package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// A media message names its file one of three ways: "media_id", a file
// stored in GoHavi (POST /api/v1/media, or a customer's file forwarded),
// which the sender uploads to Meta for the sending number; Meta's own
// "id"; or a public "link". With media_id the stored payload keeps our id,
// so the thread renders our copy, and Meta only ever sees its own id.

// MediaUploader is the Graph call that stores a file at Meta. The real
// client has it; a Graph without it cannot send media_id messages.
type MediaUploader interface {
	UploadMedia(ctx context.Context, token, phoneNumberID, mimeType, filename string, data []byte) (string, error)
}

// metaMediaTTL is how long an uploaded id is reused: Meta keeps uploads
// 30 days, and a day's margin covers a send waiting on retries.
const metaMediaTTL = 29 * 24 * time.Hour

func mediaInvalid(remedy, format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, remedy, format, args...)
}

const uploadRemedy = "Upload the file with POST /api/v1/media and send the id it answers as media_id."

// payloadMediaID reads a media message's media_id: a positive integer,
// given as a JSON number or string. ok is false when there is none.
func payloadMediaID(body []byte) (fields map[string]json.RawMessage, id int64, ok bool, err error) {
	if json.Unmarshal(body, &fields) != nil {
		return nil, 0, false, nil
	}
	raw, has := fields["media_id"]
	if !has {
		return fields, 0, false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	id, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil || id <= 0 {
		return fields, 0, false, mediaInvalid(uploadRemedy, "media_id %s is not a media id", raw)
	}
	return fields, id, true, nil
}

// StoredMediaID is the upload a stored message's payload names by
// media_id, or 0.
func StoredMediaID(payload []byte) int64 {
	_, id, ok, _ := payloadMediaID(payload)
	if !ok {
		return 0
	}
	return id
}

// checkMedia validates a media message against the stored file: one of
// media_id, id or link; a media_id of this workspace, stored, of a kind
// the type carries and within its size cap; no caption where WhatsApp
// takes none. It normalises media_id to a number.
func (s *Service) checkMedia(ctx context.Context, req *Request) error {
	if !domain.MediaTypes[req.Type] {
		return nil
	}
	fields, id, ok, err := payloadMediaID(req.Body)
	if err != nil {
		return err
	}
	n := 0
	for _, k := range []string{"media_id", "id", "link"} {
		if _, has := fields[k]; has {
			n++
		}
	}
	if n != 1 {
		return mediaInvalid(uploadRemedy+` Or give Meta's media "id", or a public https "link".`, "%s needs exactly one of media_id, id or link", req.Type)
	}
	if _, has := fields["caption"]; has && (req.Type == "audio" || req.Type == "sticker") {
		return mediaInvalid("Send the text as its own message.", "WhatsApp takes no caption on %s", req.Type)
	}
	if !ok {
		return nil
	}
	m, err := s.DB.MediaByID(ctx, req.WorkspaceID, id)
	if domain.IsNotFound(err) {
		return mediaInvalid(uploadRemedy, "media_id %d is not a file of this workspace", id)
	}
	if err != nil {
		return err
	}
	if m.Status != domain.MediaReady {
		return mediaInvalid("Wait until the file is downloaded (media.status \"ready\"), or upload it again.", "media_id %d is %s, not stored yet", id, m.Status)
	}
	k, known := domain.MediaKindOf(m.MimeType)
	if !known || !domain.CanCarry(req.Type, m.MimeType) {
		return mediaInvalid("Send it as a document, or as the type its file is.", "media_id %d is %s, which WhatsApp does not send as %s", id, m.MimeType, req.Type)
	}
	limit := k.MaxBytes
	if req.Type == "document" {
		limit = domain.MaxMediaBytes
	}
	if m.Size > limit {
		return domain.Errorf(domain.CodeTooLarge, "Send a smaller file, or send it as a document.", "media_id %d is %d bytes; WhatsApp sends %s of at most %d bytes", id, m.Size, req.Type, limit)
	}
	fields["media_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	req.Body, err = json.Marshal(fields)
	return err
}

// linkMedia links an upload to the first message that sends it, in the
// transaction storing that message, so the file follows the message's
// visibility.
func linkMedia(ctx context.Context, tx *store.Tx, msg domain.Message) error {
	if !domain.MediaTypes[msg.Type] {
		return nil
	}
	if _, id, ok, _ := payloadMediaID(msg.Payload); ok {
		return tx.LinkMedia(ctx, msg.WorkspaceID, id, msg.ID)
	}
	return nil
}

// mediaGone is a send whose stored file cannot be used any more.
type mediaGone struct{ detail string }

func (e *mediaGone) Error() string { return "media: " + e.detail }

// outgoing is Outgoing with a media_id replaced by Meta's id of the file
// for the sending number, uploading it when no usable id is cached.
func (s *Service) outgoing(ctx context.Context, token string, num domain.Number, m domain.Message, c domain.Contact) (whatsapp.OutgoingMessage, error) {
	out := Outgoing(m, c)
	if !domain.MediaTypes[m.Type] {
		return out, nil
	}
	fields, id, ok, _ := payloadMediaID(m.Payload)
	if !ok {
		return out, nil
	}
	metaID, err := s.metaMediaID(ctx, token, num, m.WorkspaceID, id)
	if err != nil {
		return out, err
	}
	delete(fields, "media_id")
	fields["id"], _ = json.Marshal(metaID)
	out.Body, err = json.Marshal(fields)
	return out, err
}

// metaMediaID returns Meta's id of a stored file for num. An upload's id
// is cached on its row for the number it was uploaded for; a customer's
// forwarded file is uploaded on every send, its row keeping the webhook's
// id it was downloaded with.
func (s *Service) metaMediaID(ctx context.Context, token string, num domain.Number, workspaceID, id int64) (string, error) {
	m, err := s.DB.MediaByID(ctx, workspaceID, id)
	if domain.IsNotFound(err) {
		return "", &mediaGone{"the file (media_id " + strconv.FormatInt(id, 10) + ") no longer exists"}
	}
	if err != nil {
		return "", err
	}
	outbound := m.Direction == domain.Outbound
	if outbound && m.NumberID == num.ID && m.MetaMediaID != "" && s.Clock.Now().Sub(m.MetaAt) < metaMediaTTL {
		return m.MetaMediaID, nil
	}
	up, ok := s.Graph.(MediaUploader)
	if !ok {
		return "", &mediaGone{"this Graph client cannot upload files"}
	}
	_, data, err := s.DB.MediaData(ctx, workspaceID, id)
	if err != nil {
		return "", err
	}
	metaID, err := up.UploadMedia(ctx, token, num.PhoneNumberID, m.MimeType, m.Filename, data)
	if err != nil {
		return "", err
	}
	if outbound {
		if err := s.DB.SetMediaMeta(ctx, id, num.ID, metaID); err != nil {
			s.Log.Warn("uploaded media id not cached; the next send uploads again", "media_id", id, "err", err)
		}
	}
	return metaID, nil
}

// mediaFailed settles a send whose file could not be prepared. An upload
// may be repeated safely (a duplicate only leaves an unused copy at
// Meta), so everything but Meta's refusal is tried again until the last
// attempt.
func (s *Service) mediaFailed(ctx context.Context, id int64, err error, last bool) error {
	var gone *mediaGone
	var ge *whatsapp.GraphError
	switch {
	case errors.As(err, &gone):
		return s.finish(ctx, id, store.StatusChange{Status: domain.StatusFailed, ErrorTitle: "The file to send is not available", ErrorDetail: gone.detail})
	case last || (errors.As(err, &ge) && !whatsapp.IsRetryable(err) && !whatsapp.IsAmbiguous(err)):
		return s.finish(ctx, id, Failure(err))
	}
	if rerr := s.DB.WithTx(ctx, func(tx *store.Tx) error { return tx.ResetMessageStatus(ctx, id, domain.StatusQueued) }); rerr != nil {
		return rerr
	}
	return err
}
