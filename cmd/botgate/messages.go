package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type messagesCmd struct {
	adminClient
	List messagesListCmd `cmd:"" help:"List messages, newest first."`
	Get  messagesGetCmd  `cmd:"" help:"Show a message by its id or its request id: request, bodies sent, attempts and history."`
}

type messagesListCmd struct {
	BotID     string    `help:"Only this bot's messages."`
	RequestID string    `help:"Only the message with this request id."`
	Status    string    `help:"Only messages in this status: accepted, sent, delivered, read or failed."`
	Recipient string    `help:"Only messages to this PSID (or platform recipient id)."`
	Since     time.Time `help:"Only messages accepted at or after this time (RFC 3339, e.g. 2026-12-04T15:00:00Z)."`
	Until     time.Time `help:"Only messages accepted before this time (RFC 3339)."`
	Limit     int       `help:"At most this many (1-1000; the server's default is 100)."`
	Before    string    `help:"Only messages older than this message id (the next page)."`
}

var messageColumns = []column{{"ID", "id"}, {"REQUEST", "request_id"}, {"STATUS", "status"}, {"RECIPIENT", "psid|recipient_id"},
	{"FACE", "face"}, {"CREATED", "created_at"}, {"NEXT ATTEMPT", "next_attempt_at"}}

func (c *messagesListCmd) Run(e *env, m *messagesCmd) error {
	q := url.Values{}
	for k, v := range map[string]string{"bot_id": c.BotID, "request_id": c.RequestID, "status": c.Status,
		"recipient": c.Recipient, "before": c.Before} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for k, t := range map[string]time.Time{"since": c.Since, "until": c.Until} {
		if !t.IsZero() {
			q.Set(k, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if c.Limit != 0 {
		q.Set("limit", strconv.Itoa(c.Limit))
	}
	return m.list(e, "/admin/v1/messages?"+q.Encode(), "messages", messageColumns)
}

type messagesGetCmd struct {
	ID    string `arg:"" help:"Message id (msg_…) or request id."`
	BotID string `help:"The bot whose request id it is, when several bots used it."`
}

func (c *messagesGetCmd) Run(e *env, m *messagesCmd) error {
	id := c.ID
	if !strings.HasPrefix(id, "msg_") {
		q := url.Values{"request_id": {id}}
		if c.BotID != "" {
			q.Set("bot_id", c.BotID)
		}
		data, err := m.do(e, http.MethodGet, "/admin/v1/messages?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		var page struct {
			Messages []struct {
				ID    string `json:"id"`
				BotID string `json:"bot_id"`
			}
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return err
		}
		switch len(page.Messages) {
		case 0:
			return fmt.Errorf("no message has the id or request id %q", c.ID)
		case 1:
			id = page.Messages[0].ID
		default:
			var bots []string
			for _, msg := range page.Messages {
				bots = append(bots, msg.BotID)
			}
			return fmt.Errorf("request id %q was used by several bots (%s): name one with --bot-id", c.ID, strings.Join(bots, ", "))
		}
	}
	return m.call(e, http.MethodGet, "/admin/v1/messages/"+url.PathEscape(id), nil)
}

type deliveriesCmd struct {
	adminClient
	List   deliveriesListCmd   `cmd:"" help:"List a bot's deliveries to its callback and webhook URLs, newest first."`
	Get    deliveriesGetCmd    `cmd:"" help:"Show a delivery with each POST's status and error."`
	Replay deliveriesReplayCmd `cmd:"" help:"Send a delivery again under the same webhook-id, to the bot's URL as it is now."`
}

type deliveriesListCmd struct {
	BotID  string `arg:"" help:"Bot id."`
	Before string `help:"Only deliveries older than this delivery id (the next page)."`
}

func (c *deliveriesListCmd) Run(e *env, d *deliveriesCmd) error {
	path := "/admin/v1/bots/" + url.PathEscape(c.BotID) + "/deliveries"
	if c.Before != "" {
		path += "?before=" + url.QueryEscape(c.Before)
	}
	return d.list(e, path, "deliveries", []column{{"ID", "id"}, {"KIND", "kind"}, {"STATE", "state"}, {"ATTEMPTS", "attempts"},
		{"LAST STATUS", "last_status|last_error"}, {"NEXT ATTEMPT", "next_attempt_at"}, {"MESSAGE", "message_id"}, {"URL", "url"}})
}

type deliveriesGetCmd struct {
	ID string `arg:"" help:"Delivery id (the webhook-id the receiver saw)."`
}

func (c *deliveriesGetCmd) Run(e *env, d *deliveriesCmd) error {
	return d.call(e, http.MethodGet, "/admin/v1/deliveries/"+url.PathEscape(c.ID), nil)
}

type deliveriesReplayCmd struct {
	ID string `arg:"" help:"Delivery id."`
}

func (c *deliveriesReplayCmd) Run(e *env, d *deliveriesCmd) error {
	return d.call(e, http.MethodPost, "/admin/v1/deliveries/"+url.PathEscape(c.ID)+"/replay", nil)
}
