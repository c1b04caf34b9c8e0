package console

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/preview"
)

// What the message, contact and block pages share: a body shown as the
// phone shows it (always through internal/preview, fed the body as sent to
// Graph), JSON shown readably, a message summed up in a line.

// phone renders a body as sent to Graph the way the user's app shows it;
// defs finds the definitions of the WhatsApp templates it may send (nil:
// a template send shows its values only).
func phone(channel string, body json.RawMessage, defs preview.Templates) template.HTML {
	var h template.HTML
	var err error
	if channel == core.ChannelWhatsApp {
		h, err = preview.WhatsAppWith(body, preview.Taps{}, defs)
	} else {
		h, err = preview.Messenger(body)
	}
	if err != nil {
		return template.HTML(`<p class="error">` + template.HTMLEscapeString("cannot show this body: "+err.Error()) + `</p>`)
	}
	app := "pv-messenger"
	if channel == core.ChannelWhatsApp {
		app = "pv-whatsapp"
	}
	return template.HTML(`<div class="pv-screen `+app+`">`) + h + template.HTML(`</div>`)
}

// templatesOf finds the definitions of the templates a bot's WhatsApp
// number sends, each read once per page from the synced copy. A bot
// without WhatsApp has none.
func (c *Console) templatesOf(ctx context.Context, botID string) preview.Templates {
	var wabaID string
	found := map[string]*core.WATemplateDef{}
	return func(name, language string) *core.WATemplateDef {
		if wabaID == "" {
			b, err := c.store.GetBot(ctx, botID)
			if err != nil || b.WhatsApp == nil {
				return nil
			}
			wabaID = b.WhatsApp.WABAID
		}
		key := name + "\x00" + language
		if d, ok := found[key]; ok {
			return d
		}
		d, err := c.store.GetTemplate(ctx, wabaID, name, language)
		if err != nil {
			d = nil // not synced (or gone): the values alone are shown
		}
		found[key] = d
		return d
	}
}

// pretty indents JSON for reading; anything else is returned as is.
func pretty(data []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, data, "", "  ") != nil {
		return string(data)
	}
	return buf.String()
}

// prettyValue is pretty for a Go value.
func prettyValue(v any) string {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// summary is a message in one line: its first text, or what it holds.
func summary(req *core.SendRequest) string {
	if req.Block != "" {
		return "block " + req.Block
	}
	if req.WhatsApp != nil {
		if req.WhatsApp.Body != "" {
			return clip(req.WhatsApp.Body)
		}
		return req.WhatsApp.Type
	}
	for _, c := range req.Cards {
		if c.Text != "" {
			return clip(c.Text)
		}
		if a := c.Attachment; a != nil {
			switch p := a.Payload; {
			case p.Text != "":
				return clip(p.Text)
			case len(p.Elements) > 0 && p.Elements[0].Title != "":
				return clip(p.Elements[0].Title)
			case p.TemplateType != "":
				return p.TemplateType
			}
			return a.Type
		}
	}
	return ""
}

func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

// recipient names who a message went to, as the request named them.
func recipient(m *core.MessageRecord) string {
	r := m.Request.Recipient
	for _, v := range []string{m.PSID, r.ID, r.PhoneNumber, r.Username, r.Email, r.UserPhoneNumber} {
		if v != "" {
			return strings.TrimPrefix(v, "wa:")
		}
	}
	if r.NotificationToken != "" {
		return "notification token"
	}
	return ""
}

// statusClass colours a status pill.
func statusClass(s string) string {
	switch s {
	case "delivered", "read", "sent":
		return "ok"
	case "failed":
		return "bad"
	case "pending", "accepted":
		return "warn"
	}
	return ""
}

// botChoice is a bot in a filter's drop-down.
type botChoice struct{ ID, Name string }

func (c *Console) botChoices(ctx context.Context) ([]botChoice, error) {
	bots, err := c.store.ListBots(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]botChoice, 0, len(bots))
	for _, b := range bots {
		out = append(out, botChoice{b.ID, b.Name})
	}
	return out, nil
}

// window describes a user's messaging window from their last message.
func window(last *time.Time, now time.Time) (state string, at *time.Time) {
	if last == nil {
		return "never written", nil
	}
	end := last.Add(core.StandardWindow)
	if now.Before(end) {
		return "open until", &end
	}
	return "closed since", &end
}

// parseTime reads a filter's time: RFC 3339, or a datetime-local value (UTC).
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, core.Invalid(field, "must be a time like 2026-12-04T15:04 (UTC) or RFC 3339")
}

func itoa(n int) string { return strconv.Itoa(n) }
