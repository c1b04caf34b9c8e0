package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// botExtras is what one answer shows beyond the bot: a notice, a secret
// shown once (callback secret, API key, Sobot app key), or a form to show
// again with its error.
type botExtras struct {
	Notice  string
	Secret  string          // the new callback secret
	Key     string          // a new API key
	Scopes  []string        // the new key's scopes
	App     *store.SobotApp // a new Sobot app, with AppKey
	AppKey  string
	Form    form
	Section string // the section whose form Form is: general, messenger, whatsapp
}

type botData struct {
	botExtras
	Bot      *core.Bot
	Keys     []*store.APIKey
	Apps     []*store.SobotApp
	Tier     *store.WATier
	BaseURL  string // where Meta sends webhooks: BaseURL/webhooks/messenger, …/whatsapp
	Policies []core.WindowPolicy
	Legacy   []core.LegacyTagMode
	Unfilled []core.Unfilled
}

func (c *Console) botShow(w http.ResponseWriter, r *http.Request) {
	c.renderBot(w, r, http.StatusOK, r.PathValue("id"), botExtras{})
}

// renderBot shows a live bot with its keys, apps and WhatsApp tier.
func (c *Console) renderBot(w http.ResponseWriter, r *http.Request, status int, id string, x botExtras) {
	ctx := r.Context()
	b, err := c.store.GetBot(ctx, id)
	if err == nil && b.Deleted {
		err = core.Errorf(core.KindNotFound, "bot %s was deleted", id)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := botData{botExtras: x, Bot: b, BaseURL: c.baseURL(r),
		Policies: []core.WindowPolicy{core.WindowEnforce, core.WindowWarn, core.WindowOff},
		Legacy:   []core.LegacyTagMode{core.LegacyMap, core.LegacyReject},
		Unfilled: []core.Unfilled{core.UnfilledReject, core.UnfilledEmpty, core.UnfilledKeep}}
	if d.Keys, err = c.store.ListAPIKeys(ctx, id); err != nil {
		c.fail(w, r, err)
		return
	}
	apps, err := c.store.ListSobotApps(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, a := range apps {
		for _, bid := range a.BotIDs {
			if bid == id {
				d.Apps = append(d.Apps, a)
				break
			}
		}
	}
	if b.WhatsApp != nil {
		// Read-only, as the overview reads it: viewing a page takes no lock on
		// the number its sends contend for.
		if d.Tier, _, err = c.store.ReadWhatsAppTier(ctx, id); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, status, "bot_show.html", d)
}

// baseURL is the address people reach this botgate at, as this request
// shows it (Meta needs it for the webhook URLs).
func (c *Console) baseURL(r *http.Request) string {
	scheme := "http"
	if c.secure(r) {
		scheme = "https"
	}
	host := r.Host
	if fwd := r.Header.Get("X-Forwarded-Host"); c.TrustProxy && fwd != "" {
		host = fwd
	}
	return scheme + "://" + host
}
