package core

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// A block a WhatsApp user's reply names (BOTGATE_BLOCK:<name>) is sent to
// them card by card, each card mapped to WhatsApp's own messages
// (docs/whatsapp.md, "Block replies"):
//
//   - a text → a text; with text quick replies → reply buttons (up to 3) or
//     a list (4 to 10 rows, under a "Choose" button);
//   - a button template → reply buttons for its postback and block buttons
//     (ids the payloads, so a block button chains to its block), or a
//     CTA-URL message for a lone web_url button;
//   - an image, audio or file attachment by URL → an image, audio or
//     document message (the extension from the URL);
//   - a generic template → one message per element: reply buttons or a CTA
//     URL with the element's image as header and its title and subtitle as
//     body; without buttons, the image with the title as caption, or a text.
//
// What has no WhatsApp form — videos, media by attachment id, media and
// receipt templates, opt-in requests, phone-number, email and location
// quick replies, phone-call buttons, web_url buttons beside reply buttons —
// is refused with the card's path, before any of the block is sent.

// WAFromCard maps a block's card (placeholders already filled) to the
// WhatsApp messages that show it; path names the card for a refusal.
func WAFromCard(card Message, at string) ([]*WAMessage, error) {
	if a := card.Attachment; a != nil {
		pat := at + ".attachment"
		switch {
		case a.Type == "template" && a.Payload.TemplateType == "button":
			m, err := waButtons(a.Payload.Text, nil, a.Payload.Buttons, pat+".payload.buttons")
			return one(m, err)
		case a.Type == "template" && a.Payload.TemplateType == "generic":
			var out []*WAMessage
			for i, e := range a.Payload.Elements {
				m, err := waElement(e, fmt.Sprintf("%s.payload.elements[%d]", pat, i))
				if err != nil {
					return nil, err
				}
				out = append(out, m)
			}
			return out, nil
		case a.Type == "template":
			return nil, Invalid(pat+".payload.template_type", "a %s template has no WhatsApp form", a.Payload.TemplateType)
		}
		m, err := waMedia(a, pat)
		return one(m, err)
	}
	if len(card.QuickReplies) == 0 {
		return []*WAMessage{{Type: "text", Body: card.Text, Source: "botchat"}}, nil
	}
	var rows []WARow
	for i, q := range card.QuickReplies {
		if q.ContentType != "text" {
			return nil, Invalid(fmt.Sprintf("%s.quick_replies[%d].content_type", at, i), "a %s quick reply has no WhatsApp form", q.ContentType)
		}
		rows = append(rows, WARow{ID: q.Payload, Title: q.Title})
	}
	if len(rows) <= MaxWAReplyButtons {
		var buttons []WAReplyButton
		for _, r := range rows {
			buttons = append(buttons, WAReplyButton{Type: "reply", Reply: WARow{ID: r.ID, Title: cut(r.Title, MaxWAButtonTitle)}})
		}
		return one(interactive("button", nil, card.Text, WAAction{Buttons: buttons}), nil)
	}
	if len(rows) > MaxWARows {
		return nil, Invalid(at+".quick_replies", "has %d quick replies; a WhatsApp list holds at most %d rows", len(rows), MaxWARows)
	}
	return one(interactive("list", nil, card.Text, WAAction{Button: "Choose", Sections: []WASection{{Rows: rows}}}), nil)
}

func one(m *WAMessage, err error) ([]*WAMessage, error) {
	if err != nil {
		return nil, err
	}
	return []*WAMessage{m}, nil
}

func interactive(kind string, header *WAHeader, body string, action WAAction) *WAMessage {
	return &WAMessage{Type: "interactive", Source: "botchat", Interactive: &WAInteractive{Type: kind, Header: header,
		Body: &WAText{Text: body}, Action: action}}
}

// waButtons maps a text with template buttons: reply buttons for postback
// and block buttons, or a CTA URL for a lone web_url button.
func waButtons(text string, header *WAHeader, buttons []Button, at string) (*WAMessage, error) {
	if len(buttons) == 1 && buttons[0].Type == "web_url" {
		return interactive("cta_url", header, text, WAAction{Name: "cta_url",
			Parameters: &WACTA{DisplayText: cut(buttons[0].Title, MaxWACTAText), URL: buttons[0].URL}}), nil
	}
	var replies []WAReplyButton
	for i, b := range buttons {
		id := b.Payload
		switch b.Type {
		case "postback":
		case "block":
			id = BlockPayloadPrefix + b.BlockName
		case "web_url":
			return nil, Invalid(fmt.Sprintf("%s[%d]", at, i), "a web_url button beside other buttons has no WhatsApp form (a CTA URL stands alone)")
		default:
			return nil, Invalid(fmt.Sprintf("%s[%d].type", at, i), "a %s button has no WhatsApp form", b.Type)
		}
		replies = append(replies, WAReplyButton{Type: "reply", Reply: WARow{ID: id, Title: cut(b.Title, MaxWAButtonTitle)}})
	}
	if len(replies) == 0 {
		return nil, Invalid(at, "a card with no buttons to map")
	}
	return interactive("button", header, text, WAAction{Buttons: replies}), nil
}

// waElement maps a generic template's element.
func waElement(e Element, at string) (*WAMessage, error) {
	text := strings.TrimSpace(e.Title + "\n" + e.Subtitle)
	var header *WAHeader
	if e.ImageURL != "" {
		header = &WAHeader{Type: "image", Image: &WAMediaRef{Link: e.ImageURL}}
	}
	if len(e.Buttons) > 0 {
		return waButtons(text, header, e.Buttons, at+".buttons")
	}
	if e.ImageURL == "" {
		return &WAMessage{Type: "text", Body: text, Source: "botchat"}, nil
	}
	m, err := waMedia(&Attachment{Type: "image", Payload: Payload{URL: e.ImageURL}}, at+".image_url")
	if m != nil {
		m.Caption = text
	}
	return m, err
}

// waMedia maps an attachment by URL to a media message of the type and
// extension WhatsApp takes.
func waMedia(a *Attachment, at string) (*WAMessage, error) {
	kind := map[string]string{"image": "image", "audio": "audio", "file": "document"}[a.Type]
	switch {
	case kind == "":
		return nil, Invalid(at+".type", "a %s attachment has no WhatsApp form here (WhatsApp takes image, audio and document messages)", a.Type)
	case a.Payload.URL == "":
		return nil, Invalid(at+".payload", "media by attachment id has no WhatsApp form; give its url")
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(strings.SplitN(a.Payload.URL, "?", 2)[0]), "."))
	if _, ok := WAExtensions[kind][ext]; !ok {
		return nil, Invalid(at+".payload.url", "WhatsApp takes a %s whose URL ends in one of its extensions, not %q", kind, a.Payload.URL)
	}
	return &WAMessage{Type: kind, URL: a.Payload.URL, Extension: ext, Source: "botchat", FromBlock: true}, nil
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n])
	}
	return s
}
