package console

import (
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
)

// Changes to a bot go through store.ChangeBot, as PATCH /admin/v1/bots/{id}
// does: the rules are the core's.

// botUpdate saves the general section: name, URLs, settings, forwarding.
func (c *Console) botUpdate(w http.ResponseWriter, r *http.Request) {
	forwarding := r.PostForm.Has("forwarding")
	ch := core.BotChange{Name: optional(r, "name"), CallbackURL: optional(r, "callback_url"), WebhookURL: optional(r, "webhook_url"),
		Forwarding: &forwarding, Settings: &core.SettingsChange{
			WindowPolicy:        (*core.WindowPolicy)(optional(r, "settings.window_policy")),
			LegacyTags:          (*core.LegacyTagMode)(optional(r, "settings.legacy_tags")),
			UnfilledPlaceholder: (*core.Unfilled)(optional(r, "settings.unfilled_placeholder")),
		}}
	c.changeBot(w, r, "general", &ch, "update bot", changedFields(r, "name", "callback_url", "webhook_url",
		"settings.window_policy", "settings.legacy_tags", "settings.unfilled_placeholder")+", forwarding="+boolText(forwarding))
}

// botMessenger sets the Messenger page and its credentials; empty secret
// fields keep the stored secrets (they are write-only).
func (c *Console) botMessenger(w http.ResponseWriter, r *http.Request) {
	ch := core.BotChange{Messenger: &core.MessengerChange{PageID: optional(r, "messenger.page_id"),
		AccessToken: optional(r, "messenger.access_token"), AppSecret: optional(r, "messenger.app_secret"),
		VerifyToken: optional(r, "messenger.verify_token")}}
	c.changeBot(w, r, "messenger", &ch, "update messenger page", changedFields(r, "messenger.page_id",
		"messenger.access_token", "messenger.app_secret", "messenger.verify_token"))
}

// botRotateSecret makes a new callback secret and shows it once.
func (c *Console) botRotateSecret(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b, err := c.store.ChangeBot(r.Context(), id, &core.BotChange{RotateCallbackSecret: true}, notify.NewSecret())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "rotate callback secret", id, "")
	c.renderBot(w, r, http.StatusOK, id, botExtras{Notice: "New callback secret made; the old one no longer signs.", Secret: b.CallbackSecret})
}

func (c *Console) botDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := c.store.DeleteBot(r.Context(), id); err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "delete bot", id, "")
	redirect(w, r, "/console/bots", "Bot deleted.")
}

// changeBot applies ch; a refused change shows the section's form again
// with the core's error beside its field.
func (c *Console) changeBot(w http.ResponseWriter, r *http.Request, section string, ch *core.BotChange, action, detail string) {
	id := r.PathValue("id")
	_, err := c.store.ChangeBot(r.Context(), id, ch, "")
	switch core.ErrorKind(err) {
	case "":
	case core.KindInvalid, core.KindConflict:
		c.renderBot(w, r, http.StatusBadRequest, id, botExtras{Form: newForm(r, err), Section: section})
		return
	default:
		c.fail(w, r, err)
		return
	}
	c.audit(r, action, id, detail)
	redirect(w, r, "/console/bots/"+id, "Saved.")
}

// changedFields names the fields a form sent non-empty (never their
// values: some are secrets).
func changedFields(r *http.Request, names ...string) string {
	var out []string
	for _, n := range names {
		if strings.TrimSpace(r.PostForm.Get(n)) != "" {
			out = append(out, n)
		}
	}
	return "fields " + strings.Join(out, ", ")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
