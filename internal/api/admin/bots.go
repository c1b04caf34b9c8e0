package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
)

// botIn is a bot as operators write it; on PATCH, absent fields keep their values.
type botIn struct {
	Name                 *string      `json:"name"`
	Messenger            *messengerIn `json:"messenger"`
	CallbackURL          *string      `json:"callback_url"`
	WebhookURL           *string      `json:"webhook_url"`
	Settings             *settingsIn  `json:"settings"`
	Forwarding           *bool        `json:"forwarding"` // turns event forwarding back on after a 410
	RotateCallbackSecret bool         `json:"rotate_callback_secret"`
}

type messengerIn struct {
	PageID      *string `json:"page_id"`
	AccessToken *string `json:"access_token"`
	AppSecret   *string `json:"app_secret"`
	VerifyToken *string `json:"verify_token"`
}

type settingsIn struct {
	LegacyTags          *core.LegacyTagMode `json:"legacy_tags"`
	WindowPolicy        *core.WindowPolicy  `json:"window_policy"`
	UnfilledPlaceholder *core.Unfilled      `json:"unfilled_placeholder"`
}

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
	var in botIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	b := &core.Bot{ID: core.NewID("bot_", h.Store.Now()), CallbackSecret: notify.NewSecret(), Settings: core.Settings{}.WithDefaults(), Forwarding: true}
	if in.Name == nil || *in.Name == "" {
		return 0, nil, core.Invalid("name", "is required")
	}
	if err := in.apply(b); err != nil {
		return 0, nil, err
	}
	if err := h.Store.CreateBot(ctx, b); err != nil {
		return 0, nil, err
	}
	out := newBotOut(b)
	out.CallbackSecret = b.CallbackSecret
	return http.StatusCreated, out, nil
}

func (h *Handler) updateBot(ctx context.Context, r *http.Request) (int, any, error) {
	var in botIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Name != nil && *in.Name == "" {
		return 0, nil, core.Invalid("name", "may not be empty")
	}
	b, err := h.Store.UpdateBot(ctx, r.PathValue("id"), func(b *core.Bot) error {
		if in.RotateCallbackSecret {
			b.CallbackSecret = notify.NewSecret()
		}
		return in.apply(b)
	})
	if err != nil {
		return 0, nil, err
	}
	out := newBotOut(b)
	if in.RotateCallbackSecret {
		out.CallbackSecret = b.CallbackSecret
	}
	return http.StatusOK, out, nil
}

// apply copies the given fields onto b and validates the result.
func (in *botIn) apply(b *core.Bot) error {
	if in.Name != nil {
		if err := core.CheckName("name", *in.Name); err != nil {
			return err
		}
		b.Name = *in.Name
	}
	if in.Forwarding != nil {
		b.Forwarding = *in.Forwarding
	}
	if in.CallbackURL != nil {
		if err := core.ValidateURL("callback_url", *in.CallbackURL); err != nil {
			return err
		}
		b.CallbackURL = *in.CallbackURL
	}
	if in.WebhookURL != nil {
		if err := core.ValidateURL("webhook_url", *in.WebhookURL); err != nil {
			return err
		}
		b.WebhookURL = *in.WebhookURL
	}
	if m := in.Messenger; m != nil {
		if b.Messenger == nil {
			b.Messenger = &core.MessengerChannel{}
		}
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&b.Messenger.PageID, m.PageID)
		set(&b.Messenger.AccessToken, m.AccessToken)
		set(&b.Messenger.AppSecret, m.AppSecret)
		set(&b.Messenger.VerifyToken, m.VerifyToken)
		if b.Messenger.PageID == "" {
			return core.Invalid("messenger.page_id", "is required")
		}
		if err := core.CheckID("messenger.page_id", b.Messenger.PageID); err != nil {
			return err
		}
		if b.Messenger.AccessToken == "" {
			return core.Invalid("messenger.access_token", "is required")
		}
	}
	if s := in.Settings; s != nil {
		if s.LegacyTags != nil {
			b.Settings.LegacyTags = *s.LegacyTags
		}
		if s.WindowPolicy != nil {
			b.Settings.WindowPolicy = *s.WindowPolicy
		}
		if s.UnfilledPlaceholder != nil {
			b.Settings.UnfilledPlaceholder = *s.UnfilledPlaceholder
		}
		if err := b.Settings.Validate("settings"); err != nil {
			return err
		}
		b.Settings = b.Settings.WithDefaults()
	}
	return nil
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
