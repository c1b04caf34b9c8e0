package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// botWhatsApp attaches or changes the bot's WhatsApp number and its limits
// through store.ChangeWhatsApp, as PUT /admin/v1/bots/{id}/whatsapp does.
func (c *Console) botWhatsApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b, err := c.store.GetBot(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ch, err := whatsAppChange(r, b.WhatsApp)
	if err == nil {
		err = c.store.ChangeWhatsApp(r.Context(), b, ch)
	}
	switch core.ErrorKind(err) {
	case "":
	case core.KindInvalid, core.KindConflict:
		c.renderBot(w, r, http.StatusBadRequest, id, botExtras{Form: newForm(r, err), Section: "whatsapp"})
		return
	default:
		c.fail(w, r, err)
		return
	}
	c.audit(r, "set whatsapp number", id, "number "+ch.BotPhone+", "+changedFields(r, "access_token", "app_secret", "verify_token",
		"limits.requests_per_second", "limits.burst", "limits.new_users_per_second", "limits.sync_wait_ms", "limits.tiers", "tier"))
	redirect(w, r, "/console/bots/"+id, "WhatsApp number saved.")
}

// whatsAppChange reads the form: limits left empty keep their values.
func whatsAppChange(r *http.Request, current *core.WhatsAppChannel) (*core.WhatsAppChange, error) {
	ch := &core.WhatsAppChange{BotPhone: strings.TrimSpace(r.PostForm.Get("bot_phone")), PhoneNumberID: strings.TrimSpace(r.PostForm.Get("phone_number_id")),
		AccessToken: optional(r, "access_token"), AppSecret: optional(r, "app_secret"), VerifyToken: optional(r, "verify_token")}
	limits := core.WALimits{}
	if current != nil {
		limits = current.Limits
	}
	var err error
	set := func(name string, dst any) {
		if err != nil {
			return
		}
		switch d := dst.(type) {
		case *int:
			var v *int
			if v, err = number[int](r, name); v != nil {
				*d = *v
			}
		case *float64:
			var v *float64
			if v, err = number[float64](r, name); v != nil {
				*d = *v
			}
		}
	}
	set("limits.requests_per_second", &limits.RequestsPerSecond)
	set("limits.burst", &limits.Burst)
	set("limits.new_users_per_second", &limits.NewUsersPerSecond)
	set("limits.sync_wait_ms", &limits.SyncWaitMS)
	if err != nil {
		return nil, err
	}
	if tiers := strings.TrimSpace(r.PostForm.Get("limits.tiers")); tiers != "" {
		limits.Tiers, limits.Preset = nil, ""
		if preset := core.TierPresets[tiers]; preset != nil {
			limits.Preset = tiers
		} else {
			for i, part := range strings.Split(tiers, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					return nil, core.Invalid("limits.tiers", "must be seed, meta, or whole numbers separated by commas (item %d is not)", i+1)
				}
				limits.Tiers = append(limits.Tiers, n)
			}
		}
	}
	ch.Limits = &limits
	tier, err := number[int](r, "tier")
	if err != nil {
		return nil, err
	}
	ch.Tier = tier
	return ch, nil
}

func (c *Console) botWhatsAppRemove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := c.store.RemoveWhatsApp(r.Context(), id); err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "remove whatsapp number", id, "")
	redirect(w, r, "/console/bots/"+id, "WhatsApp number removed.")
}
