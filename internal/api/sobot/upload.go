package sobot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// Upload retries: Graph's temporary failures and throttling are tried again
// this many times, waiting longer each time, before the failure is reported.
var (
	uploadAttempts = 8
	uploadBackoff  = queue.Backoff{Base: 5 * time.Second, Max: 10 * time.Minute, Jitter: 0.2}
)

// uploadIn is the body of POST /chat-facebook/api/messenger/upload_async.
type uploadIn struct {
	PageID  id              `json:"pageid"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// upload is what an upload job needs, kept as its ref: the job is the
// track's only state until its result is delivered.
type upload struct {
	Track string `json:"track"`
	Bot   string `json:"bot"`
	Type  string `json:"type"`
	URL   string `json:"url"`
}

// uploadAsync accepts an upload and answers its track id at once; the
// attachment id reaches the bot's webhook URL later.
func (h *Handler) uploadAsync(ctx context.Context, c *call) (fields, error) {
	var in uploadIn
	if err := c.decode(&in, false); err != nil {
		return nil, err
	}
	bot, err := h.pageBot(ctx, c.app, either(in.PageID), "pageid")
	if err != nil {
		return nil, err
	}
	typ := strings.TrimSpace(in.Type)
	switch typ {
	case "image", "audio", "video", "file":
	case "":
		return nil, core.Invalid("type", "is required: image, audio, video or file")
	default:
		return nil, core.Invalid("type", "must be image, audio, video or file, not %q", typ)
	}
	msg, err := buildMessage(typ, in.Payload)
	if err != nil {
		return nil, err
	}
	p := msg.Attachment.Payload
	if p.AttachmentID != "" {
		return nil, core.Invalid("payload.attachment_id", "cannot be uploaded: it is uploaded already; give payload.url")
	}
	if err := core.ValidateMessage(&msg, "payload"); err != nil {
		return nil, sobotPaths(err)
	}
	u := upload{Track: newHexID(), Bot: bot.ID, Type: typ, URL: p.URL}
	ref, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	err = h.Store.Write(ctx, func(tx *store.Tx) error {
		if h.WakeJobs != nil {
			tx.AfterCommit(h.WakeJobs)
		}
		return queue.Enqueue(tx, UploadJobKind, string(ref), uploadAttempts, tx.Now())
	})
	if err != nil {
		return nil, err
	}
	return fields{"item": u.Track}, nil
}

// uploadResult is what the bot's webhook URL receives: the attachment id,
// or the failure in the face's error envelope.
type uploadResult struct {
	TrackID      string     `json:"track_id"`
	AttachmentID string     `json:"attachment_id,omitempty"`
	Error        *errorBody `json:"error,omitempty"`
}

// HandleUpload is the queue handler for async attachment uploads: it uploads
// through Graph and delivers the result, signed and retried like every
// delivery, in the transaction that completes the job.
func (h *Handler) HandleUpload(ctx context.Context, job queue.Job) error {
	var u upload
	if err := json.Unmarshal([]byte(job.Ref), &u); err != nil {
		return queue.SetAside(ctx, h.Store, h.Log, job, "unreadable upload: "+err.Error())
	}
	bot, err := h.Store.GetBot(ctx, u.Bot)
	if err != nil {
		return err
	}
	if bot.Deleted || bot.Messenger == nil || bot.Messenger.AccessToken == "" {
		h.Log.Warn("sobot: upload dropped: its bot was deleted or lost its page", "track_id", u.Track, "bot", u.Bot)
		return h.Store.Write(ctx, func(tx *store.Tx) error { return queue.Discard(tx, job, "the bot was deleted or has no page token") })
	}
	result := uploadResult{TrackID: u.Track}
	attachmentID, _, err := h.Graph.UploadAttachment(ctx, bot.Messenger.AccessToken, u.Type, u.URL)
	if err != nil {
		gerr := asGraphError(err)
		if gerr.Retryable() && job.Attempt < job.MaxAttempts {
			at := h.Store.Now().Add(max(uploadBackoff.Delay(job.Attempt), gerr.RetryAfter))
			return h.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return queue.Retry(tx, job, at, gerr.Error()) })
		}
		body := newErrorBody(uploadError(gerr))
		result.Error = &body
	}
	result.AttachmentID = attachmentID
	data, err := json.Marshal(result)
	if err != nil {
		return err
	}
	if bot.WebhookURL == "" {
		h.Log.Info("sobot: upload finished, but the bot has no webhook URL to tell", "bot", bot.ID, "result", string(data))
	}
	return h.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if bot.WebhookURL != "" {
			d := &core.Delivery{BotID: bot.ID, Kind: core.DeliveryUpload, URL: bot.WebhookURL, Body: data}
			if err := h.Notify.Enqueue(tx, d); err != nil {
				return err
			}
		}
		return queue.Complete(tx, job)
	})
}

// uploadError words a failed upload for the merchant, with Graph's error kept.
func uploadError(g *graph.Error) *core.Error {
	if g.Network || g.Retryable() {
		return &core.Error{Kind: core.KindUnavailable, Message: "Facebook did not take the upload in time: " + g.Error(), Upstream: g.Upstream()}
	}
	return &core.Error{Kind: core.KindUpstream, Message: "Facebook refused the upload: " + g.Message, Subcode: g.Subcode, Upstream: g.Upstream()}
}

func asGraphError(err error) *graph.Error {
	var g *graph.Error
	if errors.As(err, &g) {
		return g
	}
	return &graph.Error{Network: true, Message: err.Error()}
}
