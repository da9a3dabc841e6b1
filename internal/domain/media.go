package domain

import (
	"mime"
	"path"
	"strings"
	"time"
)

// MediaStatus says whether a file's bytes are stored.
type MediaStatus string

// Media statuses. Inbound media is pending until the download job stored
// its bytes; an upload is ready at once.
const (
	MediaPending MediaStatus = "pending"
	MediaReady   MediaStatus = "ready"
	MediaFailed  MediaStatus = "failed"
)

// Media is a file of a message: a customer's (inbound, downloaded from
// Meta) or one uploaded to send (outbound). The bytes are read apart.
type Media struct {
	ID          int64
	WorkspaceID int64
	MessageID   int64 // 0: not linked (an upload no message used yet)
	NumberID    int64 // inbound: the receiving number; outbound: the number MetaMediaID was uploaded for
	Direction   Direction
	MetaMediaID string    // Meta's id: the webhook's (inbound) or our upload's (outbound, for NumberID)
	MetaAt      time.Time // outbound: when MetaMediaID was uploaded
	MimeType    string
	Filename    string
	Size        int64
	SHA256      string // hex of the stored bytes
	Status      MediaStatus
	Error       string
	Attempts    int
	CreatedBy   int64 // the agent who uploaded it; 0 for API keys and inbound
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MediaTypes are the message types that carry a file.
var MediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "document": true, "sticker": true}

// MediaKind is a row of Meta's table of supported media (spec §9.4).
type MediaKind struct {
	Type     string // the message type that carries it: image, video, audio, document, sticker
	MaxBytes int64
}

// MaxMediaBytes is the largest file WhatsApp carries (documents).
const MaxMediaBytes = 100 << 20

// mediaKinds is §9.4 by bare MIME type. Meta caps static stickers at
// 100 KB and animated ones at 500 KB; telling them apart means parsing
// the WebP, so the larger cap applies and Meta has the last word.
var mediaKinds = map[string]MediaKind{
	"audio/aac":                {"audio", 16 << 20},
	"audio/amr":                {"audio", 16 << 20},
	"audio/mpeg":               {"audio", 16 << 20},
	"audio/mp4":                {"audio", 16 << 20},
	"audio/ogg":                {"audio", 16 << 20},
	"text/plain":               {"document", MaxMediaBytes},
	"application/pdf":          {"document", MaxMediaBytes},
	"application/vnd.ms-excel": {"document", MaxMediaBytes},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"document", MaxMediaBytes},
	"application/msword": {"document", MaxMediaBytes},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {"document", MaxMediaBytes},
	"application/vnd.ms-powerpoint":                                             {"document", MaxMediaBytes},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"document", MaxMediaBytes},
	"image/jpeg": {"image", 5 << 20},
	"image/png":  {"image", 5 << 20},
	"image/webp": {"sticker", 500 << 10},
	"video/mp4":  {"video", 16 << 20},
	"video/3gpp": {"video", 16 << 20},
}

// extensionMIME is the type of a file named without one, by extension.
var extensionMIME = map[string]string{
	".aac": "audio/aac", ".amr": "audio/amr", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".opus": "audio/ogg",
	".txt": "text/plain", ".pdf": "application/pdf", ".xls": "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".doc": "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".ppt": "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".jpg":  "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".mp4": "video/mp4", ".3gp": "video/3gpp",
}

// BareMIME is v without parameters, lower case ("audio/ogg; codecs=opus" → "audio/ogg").
func BareMIME(v string) string {
	t, _, err := mime.ParseMediaType(v)
	if err != nil {
		t, _, _ = strings.Cut(v, ";")
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// MediaKindOf looks a MIME type up in §9.4.
func MediaKindOf(mimeType string) (MediaKind, bool) {
	k, ok := mediaKinds[BareMIME(mimeType)]
	return k, ok
}

// MIMEByFilename guesses a supported type from a file name's extension.
func MIMEByFilename(name string) string {
	return extensionMIME[strings.ToLower(path.Ext(name))]
}

// SupportedMIMEs lists the types WhatsApp accepts, for error messages.
func SupportedMIMEs() string {
	return "JPEG and PNG images, WebP stickers, MP4 and 3GPP video, AAC, AMR, MP3, MP4 and OGG (Opus) audio, " +
		"and PDF, TXT, Word, Excel and PowerPoint documents"
}

// CanCarry reports whether a message of type typ may carry a file of
// mimeType: each kind goes as its own type, and any file as a document.
func CanCarry(typ, mimeType string) bool {
	k, ok := MediaKindOf(mimeType)
	return ok && (typ == k.Type || typ == "document")
}

// InlineMedia reports whether a file is shown in place (images, video,
// audio, stickers) rather than offered as a download (documents).
func InlineMedia(mimeType string) bool {
	k, ok := MediaKindOf(mimeType)
	return ok && k.Type != "document"
}
