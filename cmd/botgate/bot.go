package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

type botCmd struct {
	adminClient
	Create botCreateCmd `cmd:"" help:"Create a bot; prints its callback secret once."`
	List   botListCmd   `cmd:"" help:"List bots."`
	Get    botGetCmd    `cmd:"" help:"Show a bot."`
	Update botUpdateCmd `cmd:"" help:"Change a bot; only the flags given change."`
	Delete botDeleteCmd `cmd:"" help:"Delete a bot; its API keys stop working."`

	Whatsapp botWhatsAppCmd `cmd:"" help:"Attach a WhatsApp number to a bot, show it with its daily tier, or detach it."`
}

// botFields are the bot's writable fields; unset flags are left out of the request.
type botFields struct {
	Name                *string `help:"Bot name."`
	PageID              *string `help:"Facebook page id."`
	AccessToken         *string `help:"Page access token."`
	AppSecret           *string `help:"Facebook app secret (verifies webhooks)."`
	VerifyToken         *string `help:"Webhook verify token."`
	CallbackURL         *string `help:"Where async results are POSTed."`
	WebhookURL          *string `help:"Where inbound events are forwarded."`
	LegacyTags          *string `help:"Retired message tags: map or reject."`
	WindowPolicy        *string `help:"Messaging window: enforce, warn or off."`
	UnfilledPlaceholder *string `help:"Placeholders without a value: reject, empty or keep."`
}

func (f *botFields) body() map[string]any {
	body := map[string]any{}
	put := func(m map[string]any, k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	put(body, "name", f.Name)
	put(body, "callback_url", f.CallbackURL)
	put(body, "webhook_url", f.WebhookURL)
	messenger, settings := map[string]any{}, map[string]any{}
	put(messenger, "page_id", f.PageID)
	put(messenger, "access_token", f.AccessToken)
	put(messenger, "app_secret", f.AppSecret)
	put(messenger, "verify_token", f.VerifyToken)
	put(settings, "legacy_tags", f.LegacyTags)
	put(settings, "window_policy", f.WindowPolicy)
	put(settings, "unfilled_placeholder", f.UnfilledPlaceholder)
	if len(messenger) > 0 {
		body["messenger"] = messenger
	}
	if len(settings) > 0 {
		body["settings"] = settings
	}
	return body
}

type botCreateCmd struct{ botFields }

func (c *botCreateCmd) Run(e *env, b *botCmd) error {
	return b.call(e, http.MethodPost, "/admin/v1/bots", c.body())
}

type botListCmd struct{}

func (c *botListCmd) Run(e *env, b *botCmd) error {
	return b.list(e, "/admin/v1/bots", "bots", []column{{"ID", "id"}, {"NAME", "name"}, {"PAGE", "messenger.page_id"},
		{"CALLBACK URL", "callback_url"}, {"WEBHOOK URL", "webhook_url"}})
}

type botGetCmd struct {
	ID string `arg:"" help:"Bot id."`
}

func (c *botGetCmd) Run(e *env, b *botCmd) error {
	return b.call(e, http.MethodGet, "/admin/v1/bots/"+url.PathEscape(c.ID), nil)
}

type botUpdateCmd struct {
	ID string `arg:"" help:"Bot id."`
	botFields
	RotateCallbackSecret bool `help:"Issue a new callback secret (printed once)."`
}

func (c *botUpdateCmd) Run(e *env, b *botCmd) error {
	body := c.body()
	if c.RotateCallbackSecret {
		body["rotate_callback_secret"] = true
	}
	return b.call(e, http.MethodPatch, "/admin/v1/bots/"+url.PathEscape(c.ID), body)
}

type botDeleteCmd struct {
	ID string `arg:"" help:"Bot id."`
}

func (c *botDeleteCmd) Run(e *env, b *botCmd) error {
	return b.call(e, http.MethodDelete, "/admin/v1/bots/"+url.PathEscape(c.ID), nil)
}

type botWhatsAppCmd struct {
	Set    botWASetCmd    `cmd:"" help:"Attach a WhatsApp number, or replace its settings (secrets not given are kept)."`
	Show   botWAShowCmd   `cmd:"" help:"Show the number, its limits and its daily tier."`
	Remove botWARemoveCmd `cmd:"" help:"Detach the number."`
}

type botWASetCmd struct {
	ID            string  `arg:"" help:"Bot id."`
	Phone         string  `required:"" help:"The number in E.164, e.g. +15550001111."`
	PhoneNumberID string  `required:"" help:"Graph's id of the number."`
	AccessToken   *string `help:"Cloud API access token."`
	AppSecret     *string `help:"App secret (verifies webhooks)."`
	VerifyToken   *string `help:"Webhook verify token."`
	Limits        string  `help:"Limits as JSON, e.g. '{\"requests_per_second\":20,\"preset\":\"meta\"}'; unset: seed 003's."`
	Tier          *int    `help:"The rung of the ladder the number is on (1 = first)."`
	WABAID        *string `name:"waba-id" help:"The WhatsApp Business Account id, whose message templates botgate keeps a copy of."`
}

func (c *botWASetCmd) Run(e *env, b *botCmd) error {
	body := map[string]any{"bot_phone": c.Phone, "phone_number_id": c.PhoneNumberID}
	for k, v := range map[string]*string{"access_token": c.AccessToken, "app_secret": c.AppSecret, "verify_token": c.VerifyToken, "waba_id": c.WABAID} {
		if v != nil {
			body[k] = *v
		}
	}
	if c.Tier != nil {
		body["tier"] = *c.Tier
	}
	if c.Limits != "" {
		var limits map[string]any
		if err := json.Unmarshal([]byte(c.Limits), &limits); err != nil {
			return fmt.Errorf("--limits is not a JSON object: %w", err)
		}
		body["limits"] = limits
	}
	return b.call(e, http.MethodPut, "/admin/v1/bots/"+url.PathEscape(c.ID)+"/whatsapp", body)
}

type botWAShowCmd struct {
	ID string `arg:"" help:"Bot id."`
}

func (c *botWAShowCmd) Run(e *env, b *botCmd) error {
	return b.call(e, http.MethodGet, "/admin/v1/bots/"+url.PathEscape(c.ID)+"/whatsapp", nil)
}

type botWARemoveCmd struct {
	ID string `arg:"" help:"Bot id."`
}

func (c *botWARemoveCmd) Run(e *env, b *botCmd) error {
	return b.call(e, http.MethodDelete, "/admin/v1/bots/"+url.PathEscape(c.ID)+"/whatsapp", nil)
}
