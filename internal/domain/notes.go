package domain

import (
	"hash/fnv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what agents type. A note is a remark for colleagues, not a
// document; a canned response becomes a WhatsApp text, whose body Meta caps
// at 4,096 characters. Catalogue caps keep the lists (returned whole) small.
const (
	MaxNoteRunes          = 4000
	MaxCannedBodyRunes    = 4096
	MaxCannedTitleRunes   = 100
	MaxCannedResponses    = 1000
	MaxShortcutRunes      = 32
	MaxLabelRunes         = 32
	MaxLabels             = 500
	MaxConversationLabels = 20
)

// Note is an internal remark on a conversation. It is never sent to the
// customer: it lives in its own table, and nothing that sends reads it.
type Note struct {
	ID             int64
	WorkspaceID    int64
	ConversationID int64
	Author         NoteAuthor
	Body           string
	Mentions       []Member // in order of first appearance in Body
	// AfterMessageID is the newest message of the conversation when the
	// note was written: the note sits right after it in the thread.
	AfterMessageID int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NoteAuthor is who wrote a note: a member, or an API key (UserID 0).
type NoteAuthor struct {
	UserID   int64
	APIKeyID int64
	Name     string
}

// Member is a workspace member as notes name them.
type Member struct {
	ID    int64
	Name  string
	Email string
}

// DisplayName is the member's name, or the email when the name is empty.
func (m Member) DisplayName() string {
	if strings.TrimSpace(m.Name) != "" {
		return m.Name
	}
	return m.Email
}

// CanEditNote: the author edits and deletes their own note; owners and
// admins (and API keys, which act as admins) any note of the workspace.
func CanEditNote(p Principal, n Note) bool {
	return p.Role.CanManage() || (p.UserID != 0 && p.UserID == n.Author.UserID)
}

// NormalizeNoteBody trims a note and checks it is not empty and not over
// MaxNoteRunes. The text is kept as typed otherwise; it is shown as text,
// never as HTML.
func NormalizeNoteBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\x00", ""))
	if body == "" {
		return "", Errorf(CodeInvalidArgument, `Send {"body":"…"} with the note's text.`, "the note is empty")
	}
	if n := utf8.RuneCountInString(body); n > MaxNoteRunes {
		return "", Errorf(CodeInvalidArgument, "Shorten the note, or split it in two.", "the note is %d characters long; the limit is %d", n, MaxNoteRunes)
	}
	return body, nil
}

// FindMentions resolves the @mentions in body against the workspace's
// members. The rule:
//
//   - a mention is "@" at the start of the text or after a character that
//     is not a letter, digit or "_" (so "ada@example.com" alone is not one);
//   - what follows the "@" is compared, ignoring case, with every member's
//     name and email; the longest one that matches wins ("@Ada Lovelace"
//     names Ada Lovelace even when another member is called "Ada");
//   - the match must end the text or be followed by a character that is
//     not a letter, digit or "_" ("@Adam" does not name "Ada");
//   - each member is listed once, in order of first mention.
func FindMentions(body string, members []Member) []Member {
	var out []Member
	seen := map[int64]bool{}
	prev := rune(-1)
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRuneInString(body[i:])
		if r == '@' && !isWordRune(prev) {
			if m, n, ok := longestMention(body[i+size:], members); ok {
				if !seen[m.ID] {
					seen[m.ID] = true
					out = append(out, m)
				}
				i += size + n
				prev, _ = utf8.DecodeLastRuneInString(body[:i])
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

func longestMention(rest string, members []Member) (Member, int, bool) {
	var best Member
	bestLen := 0
	for _, m := range members {
		for _, cand := range []string{strings.TrimSpace(m.Name), m.Email} {
			if cand == "" {
				continue
			}
			n, ok := prefixFold(rest, cand)
			if !ok || n <= bestLen {
				continue
			}
			if next, _ := utf8.DecodeRuneInString(rest[n:]); n < len(rest) && isWordRune(next) {
				continue
			}
			best, bestLen = m, n
		}
	}
	return best, bestLen, bestLen > 0
}

// prefixFold reports whether s starts with prefix, ignoring case, and how
// many bytes of s the prefix covers (case variants may differ in length).
func prefixFold(s, prefix string) (int, bool) {
	i := 0
	for _, pr := range prefix {
		if i >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[i:])
		if sr != pr && unicode.ToLower(sr) != unicode.ToLower(pr) && unicode.ToUpper(sr) != unicode.ToUpper(pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Label is an entry of a workspace's label catalogue.
type Label struct {
	Name          string
	Color         string // "#rrggbb"
	Conversations int    // conversations carrying it
	CreatedAt     time.Time
}

// NormalizeLabel is the one form a label is stored and compared in:
// trimmed, inner spaces collapsed, lower case. Broadcast audiences compare
// labels case-insensitively, so the lower-case form selects the same
// conversations whatever case a client sent.
func NormalizeLabel(name string) (string, error) {
	name = strings.ToLower(strings.Join(strings.Fields(name), " "))
	remedy := "Use letters, digits, spaces and - _ . : (up to 32 characters), e.g. \"vip\"."
	if name == "" {
		return "", Errorf(CodeInvalidArgument, remedy, "the label name is empty")
	}
	if utf8.RuneCountInString(name) > MaxLabelRunes {
		return "", Errorf(CodeInvalidArgument, remedy, "label %q is longer than %d characters", name, MaxLabelRunes)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.:", r) {
			return "", Errorf(CodeInvalidArgument, remedy, "label %q contains %q", name, r)
		}
	}
	return name, nil
}

// labelPalette colours new labels that were given no colour: distinct on
// white and dark backgrounds alike.
var labelPalette = []string{"#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"}

// NormalizeLabelColor checks a "#rrggbb" colour (stored lower case); an
// empty one is picked from a palette by the label's name, so the same
// label keeps its colour across workspaces.
func NormalizeLabelColor(color, name string) (string, error) {
	color = strings.ToLower(strings.TrimSpace(color))
	if color == "" {
		h := fnv.New32a()
		_, _ = h.Write([]byte(name))
		return labelPalette[h.Sum32()%uint32(len(labelPalette))], nil
	}
	ok := len(color) == 7 && color[0] == '#'
	for _, r := range color[1:] {
		ok = ok && (r >= '0' && r <= '9' || r >= 'a' && r <= 'f')
	}
	if !ok {
		return "", Errorf(CodeInvalidArgument, `Send a colour as "#rrggbb", e.g. "#2563eb", or leave it out.`, "colour %q is not #rrggbb", color)
	}
	return color, nil
}

// CannedResponse is a reply agents insert by typing "/shortcut". Its body
// may hold {{name|fallback}} expressions (templates.Fill) filled from the
// conversation's contact when it is rendered.
type CannedResponse struct {
	ID          int64
	WorkspaceID int64
	Shortcut    string
	Title       string
	Body        string
	CreatedBy   int64 // user id, 0 for an API key
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const shortcutRemedy = "Use 1 to 32 of a-z, 0-9, _ and -, e.g. \"thanks\"."

// NormalizeShortcut lower-cases a shortcut and drops the "/" a picker
// types before it; what is left must be [a-z0-9_-]{1,32}.
func NormalizeShortcut(s string) (string, error) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/"))
	if s == "" {
		return "", Errorf(CodeInvalidArgument, shortcutRemedy, "the shortcut is empty")
	}
	if !ShortcutPrefix(s) || len(s) > MaxShortcutRunes {
		return "", Errorf(CodeInvalidArgument, shortcutRemedy, "shortcut %q is not 1 to %d of a-z, 0-9, _ and -", s, MaxShortcutRunes)
	}
	return s, nil
}

// ShortcutPrefix reports whether s uses only shortcut characters, so it
// can begin a shortcut.
func ShortcutPrefix(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// NormalizeCanned checks a canned response's title and body.
func NormalizeCanned(c CannedResponse) (CannedResponse, error) {
	shortcut, err := NormalizeShortcut(c.Shortcut)
	if err != nil {
		return c, err
	}
	c.Shortcut = shortcut
	c.Title = strings.TrimSpace(strings.ReplaceAll(c.Title, "\x00", ""))
	c.Body = strings.TrimSpace(strings.ReplaceAll(c.Body, "\x00", ""))
	if n := utf8.RuneCountInString(c.Title); n > MaxCannedTitleRunes {
		return c, Errorf(CodeInvalidArgument, "Shorten the title.", "the title is %d characters long; the limit is %d", n, MaxCannedTitleRunes)
	}
	if c.Body == "" {
		return c, Errorf(CodeInvalidArgument, `Send {"shortcut":"thanks","body":"Thanks {{first_name|there}}!"}.`, "the body is empty")
	}
	if n := utf8.RuneCountInString(c.Body); n > MaxCannedBodyRunes {
		return c, Errorf(CodeInvalidArgument, "Shorten the body: WhatsApp texts stop at 4,096 characters.", "the body is %d characters long; the limit is %d", n, MaxCannedBodyRunes)
	}
	return c, nil
}
