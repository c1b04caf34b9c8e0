package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// whatsAppIn attaches a WhatsApp number to a bot. Secrets may be left out
// when replacing a number's settings: the stored ones are kept.
type whatsAppIn struct {
	BotPhone      string         `json:"bot_phone"`
	PhoneNumberID string         `json:"phone_number_id"`
	AccessToken   *string        `json:"access_token"`
	AppSecret     *string        `json:"app_secret"`
	VerifyToken   *string        `json:"verify_token"`
	Limits        *core.WALimits `json:"limits"`
	Tier          *int           `json:"tier"` // the rung the number is on at Meta; kept when absent (1 for a new number)
}

// whatsAppOut is a number as the API shows it: its limits with defaults
// filled in, and its daily tier now.
type whatsAppOut struct {
	BotPhone       string        `json:"bot_phone"`
	PhoneNumberID  string        `json:"phone_number_id"`
	HasAccessToken bool          `json:"has_access_token"`
	HasAppSecret   bool          `json:"has_app_secret"`
	HasVerifyToken bool          `json:"has_verify_token"`
	Limits         core.WALimits `json:"limits"`
	Tier           *store.WATier `json:"tier"`
}

func (h *Handler) putWhatsApp(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in whatsAppIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	ch, err := in.channel(b.WhatsApp)
	if err != nil {
		return 0, nil, err
	}
	if err := h.Store.SetWhatsApp(ctx, b.ID, ch); err != nil {
		return 0, nil, err
	}
	return h.whatsAppOut(ctx, b.ID)
}

// channel checks the request and merges it over the current number, if any.
func (in *whatsAppIn) channel(current *core.WhatsAppChannel) (*core.WhatsAppChannel, error) {
	phone, err := core.NormalizePhone(in.BotPhone, "", "bot_phone")
	switch {
	case strings.TrimSpace(in.BotPhone) == "":
		return nil, core.Invalid("bot_phone", "is required: the number in E.164, e.g. +15550001111")
	case err != nil:
		return nil, core.Invalid("bot_phone", "must be a phone number in E.164, e.g. +15550001111")
	case in.PhoneNumberID == "" || strings.Trim(in.PhoneNumberID, "0123456789") != "":
		return nil, core.Invalid("phone_number_id", "is required: Graph's numeric id of the number")
	}
	if err := core.CheckID("phone_number_id", in.PhoneNumberID); err != nil {
		return nil, err
	}
	// What is left out is kept: secrets, limits, and the tier — which is the
	// number's, so a new number starts at the first rung.
	ch := &core.WhatsAppChannel{Phone: phone, PhoneNumberID: in.PhoneNumberID}
	tier := 1
	if current != nil {
		ch.AccessToken, ch.AppSecret, ch.VerifyToken, ch.Limits = current.AccessToken, current.AppSecret, current.VerifyToken, current.Limits
		if current.PhoneNumberID == in.PhoneNumberID {
			tier = current.Tier
		}
	}
	for field, v := range map[string]struct {
		in  *string
		out *string
	}{"access_token": {in.AccessToken, &ch.AccessToken}, "app_secret": {in.AppSecret, &ch.AppSecret}, "verify_token": {in.VerifyToken, &ch.VerifyToken}} {
		if v.in != nil {
			*v.out = *v.in
		}
		if *v.out == "" {
			return nil, core.Invalid(field, "is required: webhooks and sends need it")
		}
	}
	if in.Limits != nil {
		ch.Limits = *in.Limits
	}
	// Checked with the defaults filled in: a burst is only too small
	// against the rate it goes with.
	ch.Limits = ch.Limits.WithDefaults()
	if err := ch.Limits.Validate("limits"); err != nil {
		return nil, err
	}
	if in.Tier != nil {
		tier, ch.Tier = *in.Tier, *in.Tier // Tier 0 tells the store to keep the stored one
	}
	if tier < 1 || tier > len(ch.Limits.Tiers) {
		return nil, core.Invalid("tier", "must be between 1 and %d, a rung of the ladder", len(ch.Limits.Tiers))
	}
	return ch, nil
}

func (h *Handler) getWhatsApp(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return h.whatsAppOut(ctx, b.ID)
}

func (h *Handler) deleteWhatsApp(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.Store.RemoveWhatsApp(ctx, b.ID)
}

func (h *Handler) whatsAppOut(ctx context.Context, botID string) (int, any, error) {
	b, err := h.Store.GetBot(ctx, botID)
	if err != nil {
		return 0, nil, err
	}
	ch := b.WhatsApp
	if ch == nil {
		return 0, nil, core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", botID)
	}
	tier, err := h.Store.WhatsAppTier(ctx, botID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, whatsAppOut{BotPhone: ch.Phone, PhoneNumberID: ch.PhoneNumberID, HasAccessToken: ch.AccessToken != "",
		HasAppSecret: ch.AppSecret != "", HasVerifyToken: ch.VerifyToken != "", Limits: ch.Limits, Tier: tier}, nil
}
