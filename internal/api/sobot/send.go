package sobot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// sendIn is the body of POST /chat-facebook/api/messenger/send.
type sendIn struct {
	MessagingType  string          `json:"messaging_type"`
	RecipientID    id              `json:"recipientid"`
	RecipientIDAlt id              `json:"recipient_id"` // send_opt_in_message's sample spelling, accepted here too
	RecipientToken string          `json:"recipient_token"`
	PageID         id              `json:"pageid"`
	Type           string          `json:"type"`
	Tag            string          `json:"tag"`
	Payload        json.RawMessage `json:"payload"`
}

// sendFields names a send's fields as Sobot callers write them.
var sendFields = core.Fields{RequestID: "request id", Recipient: "recipientid", MessagingType: "messaging_type",
	Tag: "tag", Message: "payload", Params: "params"}

// sendItem is a sent message: send's and send_opt_in_message's item.
type sendItem struct {
	MessageID   string `json:"message_id"`
	RecipientID string `json:"recipient_id,omitempty"` // Graph gives none for some recipients
}

func (h *Handler) send(ctx context.Context, c *call) (fields, error) {
	var in sendIn
	if err := c.decode(&in, false); err != nil {
		return nil, err
	}
	bot, err := h.pageBot(ctx, c.app, either(in.PageID), "pageid")
	if err != nil {
		return nil, err
	}
	req := &core.SendRequest{Face: Face, Method: "send", RequestID: newRequestID(h.Store.Now()), Sync: true,
		MessagingType: strings.TrimSpace(in.MessagingType), Tag: strings.TrimSpace(in.Tag)}
	f := sendFields
	psid, token := either(in.RecipientID, in.RecipientIDAlt), strings.TrimSpace(in.RecipientToken)
	switch {
	case psid != "" && token != "":
		return nil, core.Invalid("recipientid", "and recipient_token are exclusive: give recipientid for a user, or recipient_token for a marketing message")
	case psid != "":
		req.Recipient = core.Recipient{ID: psid}
		if req.MessagingType == "" {
			req.MessagingType = core.TypeResponse
		}
	case token != "":
		// Marketing messages to an opt-in token carry no messaging type unless given.
		req.Recipient = core.Recipient{NotificationToken: token}
		f.Recipient = "recipient_token"
	default:
		return nil, fail(kindNoUser, "recipientid (the user's Facebook id) or recipient_token is required")
	}
	msg, err := buildMessage(strings.TrimSpace(in.Type), in.Payload)
	if err != nil {
		return nil, err
	}
	req.Cards = []core.Message{msg}
	return h.sendNow(ctx, bot, req, f)
}

// sendNow sends a request through the core, waiting for Facebook's answer.
func (h *Handler) sendNow(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) (fields, error) {
	m, err := h.Gateway.Send(ctx, bot, req, f)
	if err != nil {
		return nil, sobotPaths(err)
	}
	return recordAnswer(m)
}

// recordAnswer is a sync send's answer: its item, or the failure.
func recordAnswer(m *core.MessageRecord) (fields, error) {
	if m.Status == core.StatusFailed {
		if m.Error == nil {
			return nil, core.Errorf(core.KindInternal, "internal error")
		}
		return nil, sobotPaths(m.Error)
	}
	item := sendItem{RecipientID: m.RecipientID}
	if n := len(m.Parts); n > 0 {
		item.MessageID = m.Parts[n-1].GraphID
	}
	return fields{"item": item}, nil
}

// mediaPayload is the payload of an image, audio, video or file message.
type mediaPayload struct {
	URL          string `json:"url"`
	AttachmentID string `json:"attachment_id"`
	IsReusable   *bool  `json:"is_reusable"`
}

// buildMessage turns Sobot's type and payload into a Messenger message:
// text is the payload string; media and templates are the attachment's
// payload, read strictly so a misspelt field is refused with its path.
func buildMessage(typ string, raw json.RawMessage) (core.Message, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return core.Message{}, core.Errorf(core.KindMissingMessage, "payload is required")
	}
	switch typ {
	case "text":
		var text string
		if json.Unmarshal(raw, &text) != nil {
			return core.Message{}, core.BadShape("payload", "must be a string when type is text")
		}
		if text == "" {
			return core.Message{}, core.Invalid("payload", "is empty; type text needs the message's text")
		}
		return core.Message{Text: text}, nil
	case "image", "audio", "video", "file":
		var p mediaPayload
		if err := core.DecodeStrict(raw, &p, "payload"); err != nil {
			return core.Message{}, err
		}
		return core.Message{Attachment: &core.Attachment{Type: typ,
			Payload: core.Payload{URL: p.URL, AttachmentID: p.AttachmentID, IsReusable: p.IsReusable}}}, nil
	case "template":
		var p core.Payload
		if err := core.DecodeStrict(raw, &p, "payload"); err != nil {
			return core.Message{}, err
		}
		msg := core.Message{Attachment: &core.Attachment{Type: "template", Payload: p}}
		core.Normalize(&msg)
		return msg, nil
	case "":
		return core.Message{}, core.Invalid("type", "is required: text, image, audio, video, file or template")
	}
	return core.Message{}, core.Invalid("type", "must be text, image, audio, video, file or template, not %q", typ)
}

// The core checks the whole Messenger message; Sobot's caller wrote only
// its payload, so paths are renamed to what the caller sees.
var payloadPaths = []rename{
	{"payload.attachment.payload", "payload"},
	{"payload.attachment.type", "type"},
	{"payload.text", "payload"},
}

func sobotPaths(err error) error { return renamePaths(err, payloadPaths) }

// rename replaces a path prefix in an error's field and message.
type rename struct{ from, to string }

func renamePaths(err error, renames []rename) error {
	var e *core.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	for _, r := range renames {
		rest, ok := strings.CutPrefix(e.Field, r.from)
		if ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			out := *e
			out.Field = r.to + rest
			out.Message = strings.Replace(e.Message, e.Field, out.Field, 1)
			return &out
		}
	}
	return err
}
