package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// adminClient holds the flags every admin command shares.
type adminClient struct {
	Server     string `default:"http://127.0.0.1:8080" env:"BOTGATE_SERVER" help:"botgate's base URL."`
	AdminToken string `env:"BOTGATE_ADMIN_TOKEN" required:"" help:"Admin API bearer token."`
}

// call sends a request to the admin API and prints the JSON answer indented.
func (a *adminClient) call(e *env, method, path string, body any) error {
	data, err := a.do(e, method, path, body)
	if err != nil || len(data) == 0 {
		return err
	}
	var out bytes.Buffer
	if json.Indent(&out, bytes.TrimSpace(data), "", "  ") == nil {
		data = append(out.Bytes(), '\n')
	}
	_, err = e.stdout.Write(data)
	return err
}

// do sends a request to the admin API and returns the answer's body; an
// answer that is not 2xx is an error quoting it.
func (a *adminClient) do(e *env, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, strings.TrimRight(a.Server, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.AdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return data, nil
}

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
	return b.call(e, http.MethodGet, "/admin/v1/bots", nil)
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

type keyCmd struct {
	adminClient
	Create  keyCreateCmd  `cmd:"" help:"Create an API key for a bot; prints the key once."`
	List    keyListCmd    `cmd:"" help:"List a bot's API keys."`
	Enable  keyEnableCmd  `cmd:"" help:"Enable an API key."`
	Disable keyDisableCmd `cmd:"" help:"Disable an API key."`
	Delete  keyDeleteCmd  `cmd:"" help:"Revoke an API key for good."`
}

type keyCreateCmd struct {
	BotID string `arg:"" help:"Bot id."`
}

func (c *keyCreateCmd) Run(e *env, k *keyCmd) error {
	return k.call(e, http.MethodPost, "/admin/v1/bots/"+url.PathEscape(c.BotID)+"/api-keys", nil)
}

type keyListCmd struct {
	BotID string `arg:"" help:"Bot id."`
}

func (c *keyListCmd) Run(e *env, k *keyCmd) error {
	return k.call(e, http.MethodGet, "/admin/v1/bots/"+url.PathEscape(c.BotID)+"/api-keys", nil)
}

type keyEnableCmd struct {
	KeyID string `arg:"" help:"API key id."`
}

func (c *keyEnableCmd) Run(e *env, k *keyCmd) error {
	return k.call(e, http.MethodPatch, "/admin/v1/api-keys/"+url.PathEscape(c.KeyID), map[string]any{"enabled": true})
}

type keyDisableCmd struct {
	KeyID string `arg:"" help:"API key id."`
}

func (c *keyDisableCmd) Run(e *env, k *keyCmd) error {
	return k.call(e, http.MethodPatch, "/admin/v1/api-keys/"+url.PathEscape(c.KeyID), map[string]any{"enabled": false})
}

type keyDeleteCmd struct {
	KeyID string `arg:"" help:"API key id."`
}

func (c *keyDeleteCmd) Run(e *env, k *keyCmd) error {
	return k.call(e, http.MethodDelete, "/admin/v1/api-keys/"+url.PathEscape(c.KeyID), nil)
}

type messagesCmd struct {
	adminClient
	List messagesListCmd `cmd:"" help:"List messages, newest first."`
	Get  messagesGetCmd  `cmd:"" help:"Show a message: request, bodies sent, attempts and history."`
}

type messagesListCmd struct {
	BotID     string `help:"Only this bot's messages."`
	RequestID string `help:"Only the message with this request id."`
	Status    string `help:"Only messages in this status."`
}

func (c *messagesListCmd) Run(e *env, m *messagesCmd) error {
	q := url.Values{}
	for k, v := range map[string]string{"bot_id": c.BotID, "request_id": c.RequestID, "status": c.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return m.call(e, http.MethodGet, "/admin/v1/messages?"+q.Encode(), nil)
}

type messagesGetCmd struct {
	ID string `arg:"" help:"Message id."`
}

func (c *messagesGetCmd) Run(e *env, m *messagesCmd) error {
	return m.call(e, http.MethodGet, "/admin/v1/messages/"+url.PathEscape(c.ID), nil)
}
