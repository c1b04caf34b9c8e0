// Package preview shows a message as the user's Messenger or WhatsApp app
// shows it: chat bubbles, cards with images, buttons, quick-reply chips and
// receipts, as an HTML fragment styled by Stylesheet.
//
// It is the one interpretation of a sent message in the console: every page
// feeds it the exact body the dispatcher sent to Graph (or the message the
// core renders for a block preview). It does no I/O. Bodies come from
// merchants and are hostile: every string goes through html/template, URLs
// are sanitised by it, and a body of an unexpected shape still renders what
// can be read (an unreadable part shows as a note), so only bytes that are
// not a JSON object are an error.
package preview

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed preview.css
var css string

// Stylesheet is the CSS the fragments need, every class prefixed "pv-".
// Pages put fragments inside an element of class "pv-screen pv-messenger"
// or "pv-screen pv-whatsapp" for the app's background, or use them bare.
var Stylesheet = css

// pages is parsed once; executing a parsed template is safe concurrently.
var pages = template.Must(template.New("preview").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))

// Taps makes a fragment interactive for the sandbox phone: the buttons a
// user can tap (postbacks, quick replies, WhatsApp reply buttons, list rows
// and template quick replies) become forms posting to URL with Fields (a
// CSRF token, the message answered) and these fields: kind (postback,
// quick_reply, button_reply, list_reply or button), payload (the payload or
// the reply id), title and description (list rows).
type Taps struct {
	URL    string
	Fields map[string]string
}

// Messenger renders a Send API "message" object. A whole send body (with
// "recipient" and "message") is accepted too and its message shown.
func Messenger(message json.RawMessage) (template.HTML, error) {
	return MessengerTaps(message, Taps{})
}

// WhatsApp renders a Cloud API message body as sent to
// POST /{phone-number-id}/messages.
func WhatsApp(body json.RawMessage) (template.HTML, error) {
	return WhatsAppTaps(body, Taps{})
}

// MessengerTaps is Messenger with tappable buttons (see Taps).
func MessengerTaps(message json.RawMessage, taps Taps) (template.HTML, error) {
	var m mMessage
	if err := decode(message, &m); err != nil {
		return "", err
	}
	if m.Message != nil && m.Text == "" && m.Attachment == nil {
		m = *m.Message
	}
	if m.SenderAction != "" && m.Text == "" && m.Attachment == nil {
		return execute("sender-action", view{Msg: m})
	}
	return execute("messenger", view{Msg: m, Taps: tapsView(taps)})
}

// WhatsAppTaps is WhatsApp with tappable buttons (see Taps).
func WhatsAppTaps(body json.RawMessage, taps Taps) (template.HTML, error) {
	return WhatsAppWith(body, taps, nil)
}

// WhatsAppWith is WhatsAppTaps that shows a template send as the phone
// does, with its definition's texts and the send's values in place, when
// templates knows the definition; otherwise the send's values alone.
func WhatsAppWith(body json.RawMessage, taps Taps, templates Templates) (template.HTML, error) {
	var m waMessage
	if err := decode(body, &m); err != nil {
		return "", err
	}
	if m.Type == "" && m.Text != nil {
		m.Type = "text" // the Cloud API's default
	}
	v := view{Msg: m, Taps: tapsView(taps)}
	if t := m.Template; t != nil && templates != nil {
		if d := templates(string(t.Name), string(t.Language.Code)); d != nil {
			v.Shown = showTemplate(t, d)
		}
	}
	return execute("whatsapp", v)
}

// view is what the templates get: the message and, when the phone renders
// it, where taps go; for a template send whose definition is known, what
// the phone shows of it.
type view struct {
	Msg   any
	Taps  *Taps
	Shown *shownTemplate
}

func tapsView(t Taps) *Taps {
	if t.URL == "" {
		return nil
	}
	return &t
}

// decode reads a JSON object leniently: a field of the wrong type is left
// empty (Unmarshal goes on after a type error), so a merchant's odd body
// still shows what can be read.
func decode(data []byte, into any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("preview: the message is not a JSON object")
	}
	err := json.Unmarshal(data, into)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return fmt.Errorf("preview: %w", err)
	}
	return nil
}

func execute(name string, v view) (template.HTML, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("preview: %w", err)
	}
	return template.HTML(b.String()), nil
}
