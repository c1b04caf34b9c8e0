package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

// Broadcasts (docs/broadcasts.md): create (or dry-run, or save as a
// draft), list, show, edit, schedule or delete a draft, pause, resume,
// cancel, the recipients, and uploaded recipient lists. The
// engine is internal/broadcast; this is its admin face.

func (h *Handler) broadcastRoutes() map[string]func(ctx context.Context, r *http.Request) (int, any, error) {
	return map[string]func(ctx context.Context, r *http.Request) (int, any, error){
		"POST /admin/v1/bots/{id}/broadcasts":                 h.createBroadcast,
		"GET /admin/v1/bots/{id}/broadcasts":                  h.listBroadcasts,
		"GET /admin/v1/bots/{id}/broadcasts/{bid}":            h.getBroadcast,
		"PUT /admin/v1/bots/{id}/broadcasts/{bid}":            h.updateBroadcast,
		"DELETE /admin/v1/bots/{id}/broadcasts/{bid}":         h.deleteBroadcast,
		"POST /admin/v1/bots/{id}/broadcasts/{bid}/schedule":  h.scheduleBroadcast,
		"POST /admin/v1/bots/{id}/broadcasts/{bid}/pause":     h.changeBroadcast((*broadcast.Service).Pause),
		"POST /admin/v1/bots/{id}/broadcasts/{bid}/resume":    h.changeBroadcast((*broadcast.Service).Resume),
		"POST /admin/v1/bots/{id}/broadcasts/{bid}/cancel":    h.changeBroadcast((*broadcast.Service).Cancel),
		"GET /admin/v1/bots/{id}/broadcasts/{bid}/recipients": h.broadcastRecipients,
	}
}

// uploadRoute streams its body (CSV or JSON Lines of recipients).
const uploadRoute = "POST /admin/v1/bots/{id}/broadcasts/uploads"

// uploadTime bounds an upload: a million rows take minutes.
const uploadTime = time.Hour

func (h *Handler) createBroadcast(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	spec, err := decodeSpec(r)
	if err != nil {
		return 0, nil, err
	}
	b, err := h.Broadcasts.Create(ctx, bot, spec)
	if err != nil {
		return 0, nil, err
	}
	if spec.DryRun {
		return http.StatusOK, b, nil
	}
	return http.StatusCreated, b, nil
}

// updateBroadcast replaces a draft's spec: a create's body without dry_run
// and draft.
func (h *Handler) updateBroadcast(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	spec, err := decodeSpec(r)
	if err != nil {
		return 0, nil, err
	}
	// Refused rather than ignored: an edit that asks for a dry run would
	// otherwise replace the draft.
	if spec.DryRun {
		return 0, nil, core.Invalid("dry_run", "is not a field of an edit; POST a dry run instead")
	}
	if spec.Draft {
		return 0, nil, core.Invalid("draft", "is not a field of an edit; an edited draft stays a draft")
	}
	b, err := h.Broadcasts.Update(ctx, bot, r.PathValue("bid"), spec)
	return http.StatusOK, b, err
}

func (h *Handler) scheduleBroadcast(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	b, err := h.Broadcasts.Schedule(ctx, bot, r.PathValue("bid"))
	return http.StatusOK, b, err
}

func (h *Handler) deleteBroadcast(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.Broadcasts.Delete(ctx, bot.ID, r.PathValue("bid"))
}

// broadcastList is a page of broadcasts; next is the cursor of the next page.
type broadcastList struct {
	Broadcasts []broadcast.Broadcast `json:"broadcasts"`
	Next       string                `json:"next,omitempty"`
}

func (h *Handler) listBroadcasts(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	limit, err := limitParam(r)
	if err != nil {
		return 0, nil, err
	}
	bs, next, err := h.Broadcasts.List(ctx, bot.ID, r.URL.Query().Get("cursor"), limit)
	if bs == nil {
		bs = []broadcast.Broadcast{}
	}
	return http.StatusOK, broadcastList{bs, next}, err
}

func (h *Handler) getBroadcast(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	b, err := h.Broadcasts.Get(ctx, bot.ID, r.PathValue("bid"))
	return http.StatusOK, b, err
}

func (h *Handler) changeBroadcast(fn func(*broadcast.Service, context.Context, string, string) (*broadcast.Broadcast, error)) func(ctx context.Context, r *http.Request) (int, any, error) {
	return func(ctx context.Context, r *http.Request) (int, any, error) {
		bot, err := h.liveBot(ctx, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		b, err := fn(h.Broadcasts, ctx, bot.ID, r.PathValue("bid"))
		return http.StatusOK, b, err
	}
}

// recipientList is a page of a broadcast's recipients.
type recipientList struct {
	Recipients []broadcast.Recipient `json:"recipients"`
	Next       string                `json:"next,omitempty"`
}

func (h *Handler) broadcastRecipients(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	limit, err := limitParam(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	rs, next, err := h.Broadcasts.Recipients(ctx, bot.ID, r.PathValue("bid"),
		broadcast.RecipientFilter{State: q.Get("state"), Reason: q.Get("reason")}, q.Get("cursor"), limit)
	if rs == nil {
		rs = []broadcast.Recipient{}
	}
	return http.StatusOK, recipientList{rs, next}, err
}

// uploadRecipients is POST .../broadcasts/uploads?format=csv|jsonl (or
// the Content-Type's): the body, streamed, is the list.
func (h *Handler) uploadRecipients(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = formatOf(r.Header.Get("Content-Type"))
	}
	if format == "" {
		return 0, nil, core.Invalid("format", "is required: csv or jsonl (or send Content-Type text/csv or application/x-ndjson)")
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTime))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTime))
	up, err := h.Broadcasts.Upload(ctx, bot.ID, r.Body, format)
	if err != nil {
		return 0, nil, err
	}
	if up.Refused == nil {
		up.Refused = []broadcast.RowError{}
	}
	return http.StatusCreated, up, nil
}

func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, core.Invalid("limit", "must be a number from 1 to 1000")
	}
	return n, nil
}

// decodeSpec reads a broadcast's spec: the API's JSON (times in RFC 3339,
// wrote_within a duration such as "168h"), an unknown field refused by name.
func decodeSpec(r *http.Request) (broadcast.Spec, error) {
	var spec broadcast.Spec
	data, err := api.ReadBody(nil, r)
	if err != nil {
		return spec, err
	}
	if err := api.DecodeJSON(data, &spec); err != nil {
		return spec, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(new(broadcast.Spec)); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			return spec, core.Invalid(name, "is not a field of a broadcast")
		}
	}
	return spec, nil
}
