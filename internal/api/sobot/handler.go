// Package sobot is the Sobot face: Sobot's Facebook Messenger API (seed 002)
// — signed token issuance, sends, async attachment upload, subscription
// topics, opt-in messages and subscribed users — in Sobot's envelope
// {"ret_code", "ret_msg", "item" | "items"}.
package sobot

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// UploadJobKind is the queue kind of async attachment uploads.
const UploadJobKind = "upload"

// Handler serves Sobot's paths.
type Handler struct {
	Store    *store.Store
	Gateway  *gateway.Service
	Graph    *graph.Client    // attachment uploads
	Notify   *notify.Notifier // upload results to the bot's webhook URL
	WakeJobs func()           // wakes the upload runner after an enqueue commits
	TokenTTL time.Duration    // lifetime of an issued token (expires_in)
	SignSkew time.Duration    // how far create_time may be from now
	Log      *slog.Logger
}

// Register mounts Sobot's paths.
func (h *Handler) Register(mux *http.ServeMux) {}

// HandleUpload is the queue handler for async attachment uploads.
func (h *Handler) HandleUpload(ctx context.Context, job queue.Job) error {
	return h.Store.Write(ctx, func(tx *store.Tx) error { return queue.Discard(tx, job, "not implemented") })
}
