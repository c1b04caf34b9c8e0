package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
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
	if len(in.BotIDs) == 0 {
		return 0, nil, core.Invalid("bot_ids", "is required: the bots whose pages the app covers")
	}
	var bots []string
	seen := map[string]bool{}
	for i, id := range in.BotIDs {
		id = strings.TrimSpace(id)
		if id == "" {
			return 0, nil, core.Invalid(fmt.Sprintf("bot_ids[%d]", i), "is empty")
		}
		if err := core.CheckID(fmt.Sprintf("bot_ids[%d]", i), id); err != nil {
			return 0, nil, err
		}
		if !seen[id] {
			seen[id] = true
			bots = append(bots, id)
		}
	}
	// Sobot's ids and keys are 32 hex characters; clients may store no more.
	appID, key := randomHex(), randomHex()
	app, err := h.Store.CreateSobotApp(ctx, appID, key, bots)
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

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
