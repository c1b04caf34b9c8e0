package console

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// API keys and Sobot apps, through the store functions the admin API uses.
// A new key or app key is shown in the answer that made it, and never again.

// keyCreate makes a key with the scopes ticked (every scope when the form
// has no scope boxes, as before scopes existed).
func (c *Console) keyCreate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	scopes, err := core.ParseScopes("scope", r.PostForm["scope"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	k, key, err := c.store.CreateScopedAPIKey(r.Context(), id, scopes)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "create api key", id, "key "+k.ID)
	c.renderBot(w, r, http.StatusCreated, id, botExtras{Notice: "API key created.", Key: key, Scopes: k.Scopes})
}

// keySetEnabled enables or disables one of the bot's keys.
func (c *Console) keySetEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, keyID := r.PathValue("id"), r.PathValue("key")
		if err := c.botHasKey(r.Context(), id, keyID); err != nil {
			c.fail(w, r, err)
			return
		}
		if _, err := c.store.SetAPIKeyEnabled(r.Context(), keyID, enabled); err != nil {
			c.fail(w, r, err)
			return
		}
		action := map[bool]string{true: "enable api key", false: "disable api key"}[enabled]
		c.audit(r, action, id, "key "+keyID)
		redirect(w, r, "/console/bots/"+id, map[bool]string{true: "Key enabled.", false: "Key disabled."}[enabled])
	}
}

func (c *Console) keyRevoke(w http.ResponseWriter, r *http.Request) {
	id, keyID := r.PathValue("id"), r.PathValue("key")
	if err := c.botHasKey(r.Context(), id, keyID); err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.store.DeleteAPIKey(r.Context(), keyID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "revoke api key", id, "key "+keyID)
	redirect(w, r, "/console/bots/"+id, "Key revoked.")
}

// botHasKey refuses a key of another bot: the page acts on its own bot's keys.
func (c *Console) botHasKey(ctx context.Context, botID, keyID string) error {
	keys, err := c.store.ListAPIKeys(ctx, botID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == keyID {
			return nil
		}
	}
	return core.Errorf(core.KindNotFound, "bot %s has no API key %s", botID, keyID)
}

// appCreate makes Sobot credentials covering this bot's page.
func (c *Console) appCreate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	app, key, err := c.store.NewSobotApp(r.Context(), []string{id})
	if core.ErrorKind(err) == core.KindInvalid {
		c.renderBot(w, r, http.StatusBadRequest, id, botExtras{Form: newForm(r, err), Section: "apps"})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "create sobot app", id, "appid "+app.ID)
	c.renderBot(w, r, http.StatusCreated, id, botExtras{Notice: "Sobot app created.", App: app, AppKey: key})
}

func (c *Console) appDelete(w http.ResponseWriter, r *http.Request) {
	id, appID := r.PathValue("id"), r.PathValue("app")
	if err := c.store.DeleteSobotApp(r.Context(), appID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "delete sobot app", id, "appid "+appID)
	redirect(w, r, "/console/bots/"+id, "Sobot app deleted.")
}
