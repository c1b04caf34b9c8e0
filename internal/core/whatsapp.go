package core

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// WAMessage is a message for a WhatsApp user, as Bothub's WhatsApp API
// takes it (seed 003): text, or an image, document or audio by URL.
type WAMessage struct {
	Type      string `json:"type"`
	Body      string `json:"body,omitempty"`
	URL       string `json:"url,omitempty"`
	Caption   string `json:"caption,omitempty"` // kept for audio, which WhatsApp sends without one
	Extension string `json:"extension,omitempty"`
	// Template and Interactive are botgate's documented extensions of the
	// seed's types, in the Cloud API's own shape.
	Template    *WATemplate    `json:"template,omitempty"`
	Interactive *WAInteractive `json:"interactive,omitempty"`
	Source      string         `json:"source"` // botchat or livechat
	Timestamp   string         `json:"timestamp"`
	// FromBlock marks a block's card mapped for a WhatsApp reply (WAFromCard):
	// its media has no caption to require, a rule of Bothub's API only.
	FromBlock bool `json:"-"`
}

// WhatsApp's limits (GRAPH-FACTS.md).
const (
	MaxWABody    = 4096
	MaxWACaption = 1024
)

// WAExtensions are the file extensions WhatsApp accepts for each media type,
// with the MIME type each stands for.
var WAExtensions = map[string]map[string]string{
	"image": {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"},
	"document": {"pdf": "application/pdf", "txt": "text/plain", "doc": "application/msword",
		"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"xls":  "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"ppt": "application/vnd.ms-powerpoint", "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	"audio": {"aac": "audio/aac", "amr": "audio/amr", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg"},
}

// WASources are the senders Bothub's API names.
var WASources = []string{"botchat", "livechat"}

// Missing reports a required field that is absent.
func Missing(field string) *Error {
	return &Error{Kind: KindMissing, Field: field, Message: field + " is required"}
}

// ValidateWhatsApp checks a WhatsApp message in the order seed 003 lists its
// error codes: the type, its object and the object's fields, then the source.
// Missing fields are KindMissing and values breaking a rule KindInvalid, each
// naming the field, so the face maps them to its codes by path.
func ValidateWhatsApp(m *WAMessage) error {
	switch m.Type {
	case "text":
		if m.Body == "" {
			return Missing("text.body")
		}
		if n := utf8.RuneCountInString(m.Body); n > MaxWABody {
			return Invalid("text.body", "is %d characters; at most %d are allowed", n, MaxWABody)
		}
	case "image", "document", "audio":
		if err := validateWAMedia(m); err != nil {
			return err
		}
	case "template":
		if err := validateWATemplate(m.Template); err != nil {
			return err
		}
	case "interactive":
		if err := validateWAInteractive(m.Interactive); err != nil {
			return err
		}
	default:
		return Invalid("type", "must be text, image, document, audio, template or interactive, not %q", m.Type)
	}
	if m.Source == "" {
		return Missing("source")
	}
	if !slices.Contains(WASources, m.Source) {
		return Invalid("source", "must be botchat or livechat, not %q", m.Source)
	}
	return nil
}

// validateWAMedia checks a media object's caption, URL and extension, in the
// seed's order: caption, url, extension.
func validateWAMedia(m *WAMessage) error {
	t := m.Type
	if m.Caption == "" && !m.FromBlock {
		return Missing(t + ".caption")
	}
	if n := utf8.RuneCountInString(m.Caption); n > MaxWACaption {
		return Invalid(t+".caption", "is %d characters; at most %d are allowed", n, MaxWACaption)
	}
	if m.URL == "" {
		return Missing(t + ".url")
	}
	if err := requiredURL(t+".url", m.URL); err != nil {
		return err
	}
	if m.Extension == "" {
		return Missing(t + ".extension")
	}
	ext := strings.ToLower(strings.TrimPrefix(m.Extension, "."))
	if _, ok := WAExtensions[t][ext]; !ok {
		var allowed []string
		for e := range WAExtensions[t] {
			allowed = append(allowed, e)
		}
		slices.Sort(allowed)
		return Invalid(t+".extension", "must be one of %s for %s, not %q", strings.Join(allowed, ", "), t, m.Extension)
	}
	m.Extension = ext
	return nil
}

// WAContact is how WhatsApp users are kept among a bot's contacts: by their
// phone number's digits, marked apart from Messenger's page-scoped ids.
func WAContact(phone string) string { return "wa:" + strings.TrimPrefix(phone, "+") }
