package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// The local copy of a WhatsApp number's templates (docs/whatsapp.md).

// templateBot is the bot the path names, with a WhatsApp number that has
// its account's id.
func (h *Handler) templateBot(ctx context.Context, r *http.Request) (*core.Bot, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if b.WhatsApp == nil {
		return nil, core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", b.ID)
	}
	if b.WhatsApp.WABAID == "" {
		return nil, core.Invalid("waba_id", "bot %s's WhatsApp number has no waba_id: set it (PUT /admin/v1/bots/%s/whatsapp) to manage its templates", b.ID, b.ID)
	}
	return b, nil
}

type syncOut struct {
	Templates int             `json:"templates"`
	Changed   []templateEvent `json:"changed"`
}

func (h *Handler) syncTemplates(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.templateBot(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	changes, n, err := h.Gateway.SyncTemplates(ctx, b)
	if err != nil {
		return 0, nil, err
	}
	out := syncOut{Templates: n, Changed: []templateEvent{}}
	for _, c := range changes {
		out.Changed = append(out.Changed, templateEvent{Name: c.Name, Language: c.Language, From: c.From, Status: c.To, Reason: c.Reason})
	}
	return http.StatusOK, out, nil
}

// templateEvent is a status change as the admin API and the merchant's
// template.status_changed event show it.
type templateEvent struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	From     string `json:"from,omitempty"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

func (h *Handler) listTemplates(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.templateBot(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	list, err := h.Store.ListTemplates(ctx, b.WhatsApp.WABAID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"waba_id": b.WhatsApp.WABAID, "templates": list}, nil
}

func (h *Handler) getTemplate(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.templateBot(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	t, err := h.Store.GetTemplate(ctx, b.WhatsApp.WABAID, r.PathValue("name"), r.PathValue("language"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t, nil
}
