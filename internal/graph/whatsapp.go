package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// WhatsAppBody is a Cloud API send body (GRAPH-FACTS.md).
type WhatsAppBody struct {
	MessagingProduct string              `json:"messaging_product"`
	RecipientType    string              `json:"recipient_type"`
	To               string              `json:"to"`
	Type             string              `json:"type"`
	Text             *WAText             `json:"text,omitempty"`
	Image            *WAMedia            `json:"image,omitempty"`
	Document         *WAMedia            `json:"document,omitempty"`
	Audio            *WAMedia            `json:"audio,omitempty"`
	Template         *WATemplate         `json:"template,omitempty"`
	Interactive      *core.WAInteractive `json:"interactive,omitempty"`
}

// WATemplate is a template send's object: the core's, less what botgate
// keeps for itself (the category, the convenience params already filled).
type WATemplate struct {
	Name       string                    `json:"name"`
	Language   core.WALanguage           `json:"language"`
	Components []core.WATemplateSendPart `json:"components,omitempty"`
}

// WAText is a text message's object.
type WAText struct {
	Body string `json:"body"`
}

// WAMedia is a media message's object, by link.
type WAMedia struct {
	Link     string `json:"link"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// NewWhatsAppBody is the Cloud API body for m to the user with phone
// number to (E.164). Audio goes without its caption, which WhatsApp does not
// take; a document goes with a file name ending in its extension, which is
// what the user's phone shows and opens it by.
func NewWhatsAppBody(to string, m *core.WAMessage) WhatsAppBody {
	b := WhatsAppBody{MessagingProduct: "whatsapp", RecipientType: "individual", To: strings.TrimPrefix(to, "+"), Type: m.Type}
	switch m.Type {
	case "text":
		b.Text = &WAText{Body: m.Body}
	case "image":
		b.Image = &WAMedia{Link: m.URL, Caption: m.Caption}
	case "document":
		b.Document = &WAMedia{Link: m.URL, Caption: m.Caption, Filename: fileName(m.URL, m.Extension)}
	case "audio":
		b.Audio = &WAMedia{Link: m.URL}
	case "template":
		b.Template = &WATemplate{Name: m.Template.Name, Language: m.Template.Language, Components: m.Template.Components}
	case "interactive":
		b.Interactive = m.Interactive
	}
	return b
}

// fileName is the last segment of link's path, with ext added unless it
// already ends so; "document.<ext>" when the path names no file.
func fileName(link, ext string) string {
	name := "document"
	if u, err := url.Parse(link); err == nil {
		if base := path.Base(u.Path); base != "." && base != "/" && base != "" {
			name = base
		}
	}
	if !strings.EqualFold(path.Ext(name), "."+ext) {
		name += "." + ext
	}
	return name
}

// WASendResult is the Cloud API's answer to a send.
type WASendResult struct {
	WAMID string // the message's id, which its status webhooks carry
	WAID  string // the user's WhatsApp id
}

// SendWhatsApp posts a Cloud API body from the number phoneNumberID.
func (c *Client) SendWhatsApp(ctx context.Context, token, phoneNumberID string, body []byte) (WASendResult, Response, error) {
	resp, err := c.call(ctx, "whatsapp_messages", http.MethodPost, url.PathEscape(phoneNumberID)+"/messages", nil,
		http.Header{"Authorization": {"Bearer " + token}}, body)
	if err != nil {
		return WASendResult{}, resp, err
	}
	var out struct {
		Contacts []struct {
			WAID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || len(out.Messages) == 0 || out.Messages[0].ID == "" {
		return WASendResult{}, resp, &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable send answer: %.200s", resp.Body)}
	}
	r := WASendResult{WAMID: out.Messages[0].ID}
	if len(out.Contacts) > 0 {
		r.WAID = out.Contacts[0].WAID
	}
	return r, resp, nil
}

// WhatsAppError is the error as the core reports a WhatsApp send's failure,
// with the Cloud API's envelope, details included, kept.
func (e *Error) WhatsAppError() *core.Error {
	// No answer, or a failure on WhatsApp's side (5xx) still there when
	// retries ran out: unavailable, not a refusal of this message.
	if e.Network || (e.Retryable() && (e.Code == 0 || e.Status >= 500)) {
		return &core.Error{Kind: core.KindUnavailable, Message: "WhatsApp did not take the message in time: " + e.Message, Upstream: e.Upstream()}
	}
	msg := e.Message
	if !strings.HasPrefix(msg, "(#") {
		msg = fmt.Sprintf("(#%d) %s", e.Code, msg)
	}
	if e.Details != "" && e.Details != e.Message {
		msg += ": " + e.Details
	}
	return &core.Error{Kind: core.KindUpstream, Message: "WhatsApp refused the message: " + msg, Upstream: e.Upstream()}
}
