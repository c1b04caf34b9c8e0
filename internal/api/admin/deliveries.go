package admin

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

func (h *Handler) listDeliveries(ctx context.Context, r *http.Request) (int, any, error) {
	if _, err := h.liveBot(ctx, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	ds, err := h.Store.ListDeliveries(ctx, r.PathValue("id"), r.URL.Query().Get("before"), 100)
	if err != nil {
		return 0, nil, err
	}
	if ds == nil {
		ds = []*core.Delivery{}
	}
	if err := h.nextAttempts(ctx, ds...); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"deliveries": ds}, nil
}

func (h *Handler) getDelivery(ctx context.Context, r *http.Request) (int, any, error) {
	d, err := h.Store.GetDelivery(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if err := h.nextAttempts(ctx, d); err != nil {
		return 0, nil, err
	}
	attempts, err := h.Store.DeliveryAttempts(ctx, d.ID)
	if err != nil {
		return 0, nil, err
	}
	if attempts == nil {
		attempts = []core.DeliveryAttempt{}
	}
	return http.StatusOK, struct {
		*core.Delivery
		AttemptLog []core.DeliveryAttempt `json:"attempt_log"`
	}{d, attempts}, nil
}

// replayDelivery sends a delivery again under the same webhook-id.
func (h *Handler) replayDelivery(ctx context.Context, r *http.Request) (int, any, error) {
	d, err := h.Notify.Replay(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, d, nil
}

// nextAttempts says when each waiting delivery is next tried.
func (h *Handler) nextAttempts(ctx context.Context, ds ...*core.Delivery) error {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	next, err := h.Store.NextDeliveryAttempts(ctx, ids...)
	for _, d := range ds {
		if t, ok := next[d.ID]; ok {
			d.NextAttemptAt = &t
		}
	}
	return err
}
