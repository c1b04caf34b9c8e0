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

type appsCmd struct {
	adminClient
	Create appsCreateCmd `cmd:"" help:"Register a Sobot app for bots; prints its app key once."`
	List   appsListCmd   `cmd:"" help:"List Sobot apps."`
	Delete appsDeleteCmd `cmd:"" help:"Delete a Sobot app; its tokens stop working."`
}

type appsCreateCmd struct {
	Bot []string `required:"" help:"A bot the app serves (repeat for several)."`
}

func (c *appsCreateCmd) Run(e *env, a *appsCmd) error {
	return a.call(e, http.MethodPost, "/admin/v1/apps", map[string]any{"bot_ids": c.Bot})
}

type appsListCmd struct{}

func (c *appsListCmd) Run(e *env, a *appsCmd) error {
	return a.list(e, "/admin/v1/apps", "apps", []column{{"APPID", "appid"}, {"BOTS", "bot_ids"}, {"CREATED", "created_at"}})
}

type appsDeleteCmd struct {
	ID string `arg:"" help:"App id."`
}

func (c *appsDeleteCmd) Run(e *env, a *appsCmd) error {
	return a.call(e, http.MethodDelete, "/admin/v1/apps/"+url.PathEscape(c.ID), nil)
}

// checkCmd is the admin API's dry run: what a send would do, sending nothing.
type checkCmd struct {
	adminClient
	Bot           string            `required:"" help:"Bot id."`
	To            string            `required:"" help:"Recipient PSID."`
	Text          string            `help:"Message text."`
	Block         string            `help:"Block name (instead of --text)."`
	Param         map[string]string `help:"Block parameter KEY=VALUE (repeat for several)."`
	MessagingType string            `default:"RESPONSE" help:"RESPONSE, UPDATE or MESSAGE_TAG."`
	MessageTag    string            `help:"Message tag, with --messaging-type MESSAGE_TAG."`
}

func (c *checkCmd) Run(e *env) error {
	body := map[string]any{"recipient": map[string]string{"id": c.To}, "messaging_type": c.MessagingType}
	if c.MessageTag != "" {
		body["message_tag"] = c.MessageTag
	}
	if c.Block != "" {
		body["block_name"] = c.Block
		body["params"] = c.Param
	} else {
		body["message"] = map[string]string{"text": c.Text}
	}
	return c.call(e, http.MethodPost, "/admin/v1/bots/"+url.PathEscape(c.Bot)+"/check", body)
}

// sendCmd sends a text through the Bothub API, as a merchant's code would,
// waiting for Facebook's answer: a quick test of a bot and its key.
type sendCmd struct {
	Server    string `default:"http://127.0.0.1:8080" env:"BOTGATE_SERVER" help:"botgate's base URL."`
	APIKey    string `name:"api-key" env:"BOTGATE_API_KEY" help:"The bot's API key (bgk_…)."`
	To        string `required:"" help:"Recipient PSID."`
	Text      string `required:"" help:"Message text; {{first_name}} and other placeholders are filled."`
	RequestID string `help:"Request id; default: cli- and the time."`
}

func (c *sendCmd) Run(e *env) error {
	if c.APIKey == "" {
		return fmt.Errorf("no API key: pass --api-key bgk_… or set BOTGATE_API_KEY (`botgate key create BOT_ID -q` makes one)")
	}
	if c.RequestID == "" {
		c.RequestID = "cli-" + time.Now().UTC().Format("20060102T150405.000000000")
	}
	body, _ := json.Marshal(map[string]any{
		"request":   map[string]any{"method": "send_message", "id": c.RequestID, "sync": true},
		"recipient": map[string]string{"id": c.To}, "messaging_type": "RESPONSE", "message": map[string]string{"text": c.Text}})
	base := strings.TrimRight(c.Server, "/")
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, base+"/api", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("--server %q: %w", c.Server, err)
	}
	req.Header.Set("APIKEY", c.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return unreachable(base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /api: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	_, err = e.stdout.Write(data)
	return err
}
