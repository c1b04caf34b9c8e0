package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

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
	Quiet bool   `short:"q" help:"Print the key alone, for scripts: KEY=$(botgate key create BOT -q)."`
}

func (c *keyCreateCmd) Run(e *env, k *keyCmd) error {
	path := "/admin/v1/bots/" + url.PathEscape(c.BotID) + "/api-keys"
	if !c.Quiet {
		return k.call(e, http.MethodPost, path, nil)
	}
	data, err := k.do(e, http.MethodPost, path, nil)
	if err != nil {
		return err
	}
	var created struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(data, &created); err != nil || created.Key == "" {
		return fmt.Errorf("the answer has no key: %s", data)
	}
	_, err = fmt.Fprintln(e.stdout, created.Key)
	return err
}

type keyListCmd struct {
	BotID string `arg:"" help:"Bot id."`
}

func (c *keyListCmd) Run(e *env, k *keyCmd) error {
	return k.list(e, "/admin/v1/bots/"+url.PathEscape(c.BotID)+"/api-keys", "api_keys",
		[]column{{"ID", "id"}, {"ENABLED", "enabled"}, {"CREATED", "created_at"}, {"UPDATED", "updated_at"}})
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
