package core

import "fmt"

// WAInteractive is an interactive message in the Cloud API's own shape
// (GRAPH-FACTS "WhatsApp interactive messages"): reply buttons, a list, or
// a call-to-action URL button. Sent only inside the customer-service window.
type WAInteractive struct {
	Type   string    `json:"type"` // button, list, cta_url
	Header *WAHeader `json:"header,omitempty"`
	Body   *WAText   `json:"body,omitempty"`
	Footer *WAText   `json:"footer,omitempty"`
	Action WAAction  `json:"action"`
}

// WAHeader is an interactive message's header: text, or media.
type WAHeader struct {
	Type     string      `json:"type"` // text, image, video, document
	Text     string      `json:"text,omitempty"`
	Image    *WAMediaRef `json:"image,omitempty"`
	Video    *WAMediaRef `json:"video,omitempty"`
	Document *WAMediaRef `json:"document,omitempty"`
}

// WAText is a body or footer.
type WAText struct {
	Text string `json:"text"`
}

// WAAction holds what each interactive type offers: reply buttons; a
// list's button and sections; a CTA's name and parameters.
type WAAction struct {
	Buttons    []WAReplyButton `json:"buttons,omitempty"`
	Button     string          `json:"button,omitempty"`
	Sections   []WASection     `json:"sections,omitempty"`
	Name       string          `json:"name,omitempty"`
	Parameters *WACTA          `json:"parameters,omitempty"`
}

// WAReplyButton is {"type":"reply","reply":{"id","title"}}.
type WAReplyButton struct {
	Type  string `json:"type"`
	Reply WARow  `json:"reply"`
}

// WASection is a list's section of rows.
type WASection struct {
	Title string  `json:"title,omitempty"`
	Rows  []WARow `json:"rows"`
}

// WARow is a list row, or a reply button's id and title.
type WARow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// WACTA is a CTA URL button's text and link.
type WACTA struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// The Cloud API's interactive limits (GRAPH-FACTS).
const (
	MaxWAInteractiveBody = 1024
	MaxWAHeaderText      = 60
	MaxWAFooter          = 60
	MaxWAReplyButtons    = 3
	MaxWAButtonID        = 256
	MaxWAButtonTitle     = 20
	MaxWAListButton      = 20
	MaxWASections        = 10
	MaxWARows            = 10 // in all sections
	MaxWASectionTitle    = 24
	MaxWARowID           = 200
	MaxWARowTitle        = 24
	MaxWARowDescription  = 72
	MaxWACTAText         = 20
)

// validateWAInteractive checks an interactive message against the Cloud
// API's limits, in the order of its fields.
func validateWAInteractive(m *WAInteractive) error {
	const at = "interactive"
	if m == nil {
		return Missing(at)
	}
	if m.Type != "button" && m.Type != "list" && m.Type != "cta_url" {
		return Invalid(at+".type", "must be button, list or cta_url, not %q", m.Type)
	}
	if err := validateWAHeader(m.Header, m.Type); err != nil {
		return err
	}
	if m.Body == nil || m.Body.Text == "" {
		return Missing(at + ".body.text")
	}
	if err := maxLen(at+".body.text", m.Body.Text, MaxWAInteractiveBody); err != nil {
		return err
	}
	if m.Footer != nil {
		if err := maxLen(at+".footer.text", m.Footer.Text, MaxWAFooter); err != nil {
			return err
		}
	}
	a := &m.Action
	switch m.Type {
	case "button":
		return validateReplyButtons(a.Buttons, at+".action.buttons")
	case "list":
		return validateList(a, at+".action")
	}
	if a.Name != "cta_url" {
		return Invalid(at+".action.name", "must be cta_url, not %q", a.Name)
	}
	if a.Parameters == nil {
		return Missing(at + ".action.parameters")
	}
	if err := requiredLen(at+".action.parameters.display_text", a.Parameters.DisplayText, MaxWACTAText); err != nil {
		return err
	}
	return requiredURL(at+".action.parameters.url", a.Parameters.URL)
}

func validateWAHeader(h *WAHeader, kind string) error {
	const at = "interactive.header"
	if h == nil {
		return nil
	}
	switch h.Type {
	case "text":
		return requiredLen(at+".text", h.Text, MaxWAHeaderText)
	case "image", "video", "document":
		if kind == "list" {
			return Invalid(at+".type", "a list's header can only be text")
		}
		ref := map[string]*WAMediaRef{"image": h.Image, "video": h.Video, "document": h.Document}[h.Type]
		switch {
		case ref == nil || (ref.ID == "" && ref.Link == ""):
			return Missing(at + "." + h.Type + ".link")
		case ref.Link != "":
			return requiredURL(at+"."+h.Type+".link", ref.Link)
		}
		return nil
	}
	return Invalid(at+".type", "must be text, image, video or document, not %q", h.Type)
}

func validateReplyButtons(buttons []WAReplyButton, at string) error {
	if len(buttons) == 0 {
		return Missing(at)
	}
	if len(buttons) > MaxWAReplyButtons {
		return Invalid(at, "has %d buttons; at most %d are allowed", len(buttons), MaxWAReplyButtons)
	}
	seen := map[string]bool{}
	for i, b := range buttons {
		bat := fmt.Sprintf("%s[%d]", at, i)
		if b.Type != "reply" {
			return Invalid(bat+".type", "must be reply, not %q", b.Type)
		}
		if err := requiredLen(bat+".reply.id", b.Reply.ID, MaxWAButtonID); err != nil {
			return err
		}
		if err := requiredLen(bat+".reply.title", b.Reply.Title, MaxWAButtonTitle); err != nil {
			return err
		}
		if seen[b.Reply.ID] {
			return Invalid(bat+".reply.id", "%q is another button's id too; ids must be unique", b.Reply.ID)
		}
		seen[b.Reply.ID] = true
	}
	return nil
}

func validateList(a *WAAction, at string) error {
	if err := requiredLen(at+".button", a.Button, MaxWAListButton); err != nil {
		return err
	}
	if len(a.Sections) == 0 {
		return Missing(at + ".sections")
	}
	if len(a.Sections) > MaxWASections {
		return Invalid(at+".sections", "has %d sections; at most %d are allowed", len(a.Sections), MaxWASections)
	}
	rows, seen := 0, map[string]bool{}
	for i, s := range a.Sections {
		sat := fmt.Sprintf("%s.sections[%d]", at, i)
		// A title is needed only to tell several sections apart.
		if len(a.Sections) > 1 || s.Title != "" {
			if err := requiredLen(sat+".title", s.Title, MaxWASectionTitle); err != nil {
				return err
			}
		}
		if len(s.Rows) == 0 {
			return Missing(sat + ".rows")
		}
		for j, r := range s.Rows {
			rat := fmt.Sprintf("%s.rows[%d]", sat, j)
			if err := requiredLen(rat+".id", r.ID, MaxWARowID); err != nil {
				return err
			}
			if err := requiredLen(rat+".title", r.Title, MaxWARowTitle); err != nil {
				return err
			}
			if err := maxLen(rat+".description", r.Description, MaxWARowDescription); err != nil {
				return err
			}
			if seen[r.ID] {
				return Invalid(rat+".id", "%q is another row's id too; ids must be unique", r.ID)
			}
			seen[r.ID] = true
		}
		if rows += len(s.Rows); rows > MaxWARows {
			return Invalid(at+".sections", "have more than %d rows in all; at most %d are allowed", MaxWARows, MaxWARows)
		}
	}
	return nil
}

// requiredLen checks a text that must be there, and its length.
func requiredLen(field, s string, max int) error {
	if s == "" {
		return Missing(field)
	}
	return maxLen(field, s, max)
}
