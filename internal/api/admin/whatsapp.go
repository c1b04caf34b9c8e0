package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// whatsAppOut is a number as the API shows it: its limits with defaults
// filled in, and its daily tier now.
type whatsAppOut struct {
	BotPhone       string        `json:"bot_phone"`
	PhoneNumberID  string        `json:"phone_number_id"`
	WABAID         string        `json:"waba_id"`
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
	var in core.WhatsAppChange
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := h.Store.ChangeWhatsApp(ctx, b, &in); err != nil {
		return 0, nil, err
	}
	return h.whatsAppOut(ctx, b.ID)
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
	return http.StatusOK, whatsAppOut{BotPhone: ch.Phone, PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, HasAccessToken: ch.AccessToken != "",
		HasAppSecret: ch.AppSecret != "", HasVerifyToken: ch.VerifyToken != "", Limits: ch.Limits, Tier: tier}, nil
}
