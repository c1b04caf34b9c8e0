package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

func (h *Handler) getParams(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	c, err := h.Store.GetContact(ctx, bot.ID, r.PathValue("psid"))
	if err != nil {
		return 0, nil, err
	}
	params := map[string]string{}
	if c != nil && c.Params != nil {
		params = c.Params
	}
	return http.StatusOK, map[string]any{"psid": r.PathValue("psid"), "params": params}, nil
}

// putParams replaces a user's stored parameters.
func (h *Handler) putParams(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Params map[string]string `json:"params"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Params == nil {
		return 0, nil, core.Invalid("params", "is required: an object of names and values")
	}
	params, err := h.Gateway.SetParams(ctx, bot, r.PathValue("psid"), in.Params, true, "params")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"psid": r.PathValue("psid"), "params": params}, nil
}

func (h *Handler) listLinks(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	links, err := h.Store.ListLinks(ctx, bot.ID, r.URL.Query().Get("psid"))
	return http.StatusOK, map[string]any{"links": links}, err
}

func (h *Handler) deleteLink(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	kind, value := r.PathValue("kind"), r.PathValue("value")
	switch kind {
	case core.LinkUsername, core.LinkEmail, core.LinkUserPhoneNumber:
	default:
		return 0, nil, core.Invalid("kind", "must be username, email or user_phone_number")
	}
	return http.StatusNoContent, nil, h.Store.DeleteLink(ctx, bot.ID, kind, value)
}
