package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// createApp makes Sobot credentials for bots (see package sobot).
func (h *Handler) createApp(ctx context.Context, r *http.Request) (int, any, error) {
	return 0, nil, core.Errorf(core.KindNotFound, "not implemented")
}

func (h *Handler) listApps(ctx context.Context, r *http.Request) (int, any, error) {
	return 0, nil, core.Errorf(core.KindNotFound, "not implemented")
}

func (h *Handler) deleteApp(ctx context.Context, r *http.Request) (int, any, error) {
	return 0, nil, core.Errorf(core.KindNotFound, "not implemented")
}
