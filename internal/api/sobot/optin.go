package sobot

import (
	"context"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/store"
)

// OptInSender asks a user to subscribe to a topic. Meta retired
// notification-messages opt-ins in 2026 for its Marketing Messages API; an
// adapter for that replaces MessengerOptIns here, and nothing else changes.
type OptInSender interface {
	SendOptIn(ctx context.Context, bot *core.Bot, psid string, t *store.SobotTopic) (*core.MessageRecord, error)
}

// MessengerOptIns sends the notification_messages opt-in template through
// the core, so the window policy, retries and message log apply.
type MessengerOptIns struct {
	Gateway *gateway.Service
}

var optInFields = core.Fields{RequestID: "request id", Recipient: "recipientid", MessagingType: "messaging_type",
	Tag: "tag", Message: "opt-in", Params: "params"}

// SendOptIn sends t's opt-in request to psid, inside the messaging window.
func (m MessengerOptIns) SendOptIn(ctx context.Context, bot *core.Bot, psid string, t *store.SobotTopic) (*core.MessageRecord, error) {
	req := &core.SendRequest{Face: Face, Method: "send_opt_in_message", RequestID: newRequestID(m.Gateway.Store.Now()), Sync: true,
		Recipient: core.Recipient{ID: psid}, MessagingType: core.TypeResponse, Cards: []core.Message{OptInMessage(t)}}
	return m.Gateway.Send(ctx, bot, req, optInFields)
}

// OptInMessage is a topic's opt-in request. Its payload is the topic's
// describe: the opt-in webhooks echo it back as "payload".
func OptInMessage(t *store.SobotTopic) core.Message {
	return core.Message{Attachment: &core.Attachment{Type: "template", Payload: core.Payload{
		TemplateType:                 "notification_messages",
		Title:                        t.Title,
		ImageURL:                     t.ImageURL,
		Payload:                      t.Describe,
		NotificationMessagesTimezone: t.Timezone,
		NotificationMessagesCTAText:  t.ButtonType,
		ImageAspectRatio:             t.ImageRatio,
	}}}
}

// optInIn is the body of send_opt_in_message; appid is the page id, and
// the optional fields override the topic's for this message.
type optInIn struct {
	AppID          id     `json:"appid"`
	Title          string `json:"title"`
	RecipientID    id     `json:"recipientid"`
	RecipientIDAlt id     `json:"recipient_id"` // the seed's sample spelling
	Describe       string `json:"describe"`
	ImageURL       string `json:"image_url"`
	ImageRatio     string `json:"image_ratio"`
	ButtonType     string `json:"button_type"`
	Timezone       string `json:"timezone"`
}

func (h *Handler) sendOptIn(ctx context.Context, c *call) (fields, error) {
	var in optInIn
	if err := c.decode(&in, false); err != nil {
		return nil, err
	}
	page := either(in.AppID)
	bot, err := h.pageBot(ctx, c.app, page, "appid")
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		return nil, fail(kindNoTitle, "title is required")
	}
	psid := either(in.RecipientID, in.RecipientIDAlt)
	if psid == "" {
		return nil, fail(kindNoUser, "recipientid (the user's Facebook id) is required")
	}
	t, err := h.Store.SobotTopicByTitle(ctx, page, title)
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, fail(kindNoTopic, "page %s has no topic titled %q; create it with create_or_update_title", page, title)
	}
	if err != nil {
		return nil, err
	}
	override := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	override(&t.Describe, in.Describe)
	override(&t.ImageURL, in.ImageURL)
	override(&t.ImageRatio, in.ImageRatio)
	override(&t.ButtonType, in.ButtonType)
	override(&t.Timezone, in.Timezone)
	if err := checkTopic(t); err != nil {
		return nil, err
	}
	sender := h.OptIns
	if sender == nil {
		sender = MessengerOptIns{Gateway: h.Gateway}
	}
	m, err := sender.SendOptIn(ctx, bot, psid, t)
	if err != nil {
		return nil, err
	}
	return recordAnswer(m)
}
