package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
)

// The local copy of a WhatsApp number's templates (docs/whatsapp.md).

// templateBot is the bot the path names, with a WhatsApp number that has
// its account's id.
func (h *Handler) templateBot(ctx context.Context, r *http.Request) (*core.Bot, error) {
	b, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	_, err = gateway.TemplateAccount(b)
	return b, err
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

// templateIn is a template as it is submitted for review.
type templateIn struct {
	Name            string                     `json:"name"`
	Language        string                     `json:"language"`
	Category        string                     `json:"category"`
	ParameterFormat string                     `json:"parameter_format"`
	Components      []core.WATemplateComponent `json:"components"`
}

// createTemplate validates a template and submits it for review
// (gateway.CreateTemplate); it answers 201 with the template PENDING.
func (h *Handler) createTemplate(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.templateBot(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	var in templateIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	d := &core.WATemplateDef{Name: in.Name, Language: in.Language, Category: in.Category, ParameterFormat: in.ParameterFormat, Components: in.Components}
	if err := h.Gateway.CreateTemplate(ctx, b, d); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, d, nil
}

// deleteTemplate deletes a template, in every language, at Graph and in
// the copy.
func (h *Handler) deleteTemplate(ctx context.Context, r *http.Request) (int, any, error) {
	b, err := h.templateBot(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.Gateway.DeleteTemplate(ctx, b, r.PathValue("name"))
}
