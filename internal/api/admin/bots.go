package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
)

// botOut is a bot as the API shows it: secrets never, except the callback
// secret in the answer that created or rotated it.
type botOut struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Messenger      *messengerOut  `json:"messenger,omitempty"`
	WhatsApp       *whatsAppBrief `json:"whatsapp,omitempty"`
	CallbackURL    string         `json:"callback_url"`
	WebhookURL     string         `json:"webhook_url"`
	CallbackSecret string         `json:"callback_secret,omitempty"`
	Settings       core.Settings  `json:"settings"`
	Forwarding     bool           `json:"forwarding"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

type messengerOut struct {
	PageID         string `json:"page_id"`
	HasAccessToken bool   `json:"has_access_token"`
	HasAppSecret   bool   `json:"has_app_secret"`
	HasVerifyToken bool   `json:"has_verify_token"`
}

// whatsAppBrief is a bot's number in the bot's own view; GET
// /admin/v1/bots/{id}/whatsapp has the rest.
type whatsAppBrief struct {
	BotPhone      string `json:"bot_phone"`
	PhoneNumberID string `json:"phone_number_id"`
	Tier          int    `json:"tier"`
}

func newBotOut(b *core.Bot) botOut {
	out := botOut{ID: b.ID, Name: b.Name, CallbackURL: b.CallbackURL, WebhookURL: b.WebhookURL,
		Settings: b.Settings, Forwarding: b.Forwarding, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if m := b.Messenger; m != nil {
		out.Messenger = &messengerOut{PageID: m.PageID, HasAccessToken: m.AccessToken != "", HasAppSecret: m.AppSecret != "", HasVerifyToken: m.VerifyToken != ""}
	}
	if w := b.WhatsApp; w != nil {
		out.WhatsApp = &whatsAppBrief{BotPhone: w.Phone, PhoneNumberID: w.PhoneNumberID, Tier: w.Tier}
	}
	return out
}

func (h *Handler) createBot(ctx context.Context, r *http.Request) (int, any, error) {
	var in core.BotChange
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	b, err := h.Store.NewBot(ctx, &in, notify.NewSecret())
	if err != nil {
		return 0, nil, err
	}
	out := newBotOut(b)
	out.CallbackSecret = b.CallbackSecret
	return http.StatusCreated, out, nil
}

func (h *Handler) updateBot(ctx context.Context, r *http.Request) (int, any, error) {
	var in core.BotChange
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	b, err := h.Store.ChangeBot(ctx, r.PathValue("id"), &in, notify.NewSecret())
	if err != nil {
		return 0, nil, err
	}
	out := newBotOut(b)
	if in.RotateCallbackSecret {
		out.CallbackSecret = b.CallbackSecret
	}
	return http.StatusOK, out, nil
}

func (h *Handler) listBots(ctx context.Context, _ *http.Request) (int, any, error) {
	bots, err := h.Store.ListBots(ctx)
	if err != nil {
		return 0, nil, err
	}
	out := make([]botOut, 0, len(bots))
	for _, b := range bots {
		out = append(out, newBotOut(b))
	}
	return http.StatusOK, map[string]any{"bots": out}, nil
}

func (h *Handler) getBot(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newBotOut(b), nil
}

func (h *Handler) deleteBot(ctx context.Context, r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, h.Store.DeleteBot(ctx, r.PathValue("id"))
}

func (h *Handler) liveBot(ctx context.Context, id string) (*core.Bot, error) {
	b, err := h.Store.GetBot(ctx, id)
	if err == nil && b.Deleted {
		err = core.Errorf(core.KindNotFound, "bot %s was deleted", id)
	}
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, core.Errorf(core.KindNotFound, "no bot %s", id)
	}
	return b, err
}
