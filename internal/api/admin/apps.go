package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/store"
)

// createApp makes Sobot credentials for bots (see package sobot and
// docs/sobot.md): an appid and an app key covering the bots' pages. The key
// is shown here only; botgate keeps it sealed, since it must recompute
// get_token's signatures.
func (h *Handler) createApp(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		BotIDs []string `json:"bot_ids"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	app, key, err := h.Store.NewSobotApp(ctx, in.BotIDs)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, struct {
		*store.SobotApp
		AppKey string `json:"app_key"`
	}{app, key}, nil
}

func (h *Handler) listApps(ctx context.Context, _ *http.Request) (int, any, error) {
	apps, err := h.Store.ListSobotApps(ctx)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"apps": apps}, nil
}

func (h *Handler) deleteApp(ctx context.Context, r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, h.Store.DeleteSobotApp(ctx, r.PathValue("id"))
}
