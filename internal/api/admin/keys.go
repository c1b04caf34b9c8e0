package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// createKey makes a key; an optional body {"scopes": [...]} narrows it
// (every scope when absent).
func (h *Handler) createKey(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		Scopes []string `json:"scopes"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
	}
	scopes, err := core.ParseScopes("scopes", in.Scopes)
	if err != nil {
		return 0, nil, err
	}
	k, key, err := h.Store.CreateScopedAPIKey(ctx, r.PathValue("id"), scopes)
	if err != nil {
		return 0, nil, err
	}
	// The key is shown here only; botgate keeps its hash.
	return http.StatusCreated, struct {
		*store.APIKey
		Key string `json:"key"`
	}{k, key}, nil
}

func (h *Handler) listKeys(ctx context.Context, r *http.Request) (int, any, error) {
	if _, err := h.liveBot(ctx, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	keys, err := h.Store.ListAPIKeys(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if keys == nil {
		keys = []*store.APIKey{}
	}
	return http.StatusOK, map[string]any{"api_keys": keys}, nil
}

func (h *Handler) updateKey(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Enabled == nil {
		return 0, nil, core.Invalid("enabled", "is required")
	}
	k, err := h.Store.SetAPIKeyEnabled(ctx, r.PathValue("id"), *in.Enabled)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, k, nil
}

func (h *Handler) deleteKey(ctx context.Context, r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, h.Store.DeleteAPIKey(ctx, r.PathValue("id"))
}
