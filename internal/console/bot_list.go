package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
)

type botListData struct {
	Bots []*core.Bot
	Form form
}

// botList shows every live bot, and to admins the form creating one.
func (c *Console) botList(w http.ResponseWriter, r *http.Request) {
	c.renderBotList(w, r, http.StatusOK, form{})
}

func (c *Console) renderBotList(w http.ResponseWriter, r *http.Request, status int, f form) {
	all, err := c.store.ListBots(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var bots []*core.Bot
	for _, b := range all {
		if !b.Deleted {
			bots = append(bots, b)
		}
	}
	c.render(w, r, status, "bot_list.html", botListData{Bots: bots, Form: f})
}

// botCreate makes a bot through the same store function (and core rules)
// as POST /admin/v1/bots.
func (c *Console) botCreate(w http.ResponseWriter, r *http.Request) {
	ch := core.BotChange{Name: optional(r, "name"), CallbackURL: optional(r, "callback_url"), WebhookURL: optional(r, "webhook_url")}
	if page := optional(r, "messenger.page_id"); page != nil && *page != "" {
		ch.Messenger = &core.MessengerChange{PageID: page, AccessToken: optional(r, "messenger.access_token"),
			AppSecret: optional(r, "messenger.app_secret"), VerifyToken: optional(r, "messenger.verify_token")}
	}
	b, err := c.store.NewBot(r.Context(), &ch, notify.NewSecret())
	if core.ErrorKind(err) == core.KindInvalid || core.ErrorKind(err) == core.KindConflict {
		c.renderBotList(w, r, http.StatusBadRequest, newForm(r, err))
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "create bot", b.ID, "name "+b.Name)
	// Answered with the bot's page, not a redirect: the callback secret is
	// shown in this answer only.
	c.renderBot(w, r, http.StatusCreated, b.ID, botExtras{Notice: "Bot " + b.Name + " created.", Secret: b.CallbackSecret})
}
