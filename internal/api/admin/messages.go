package admin

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// messageOut summarises a message for lists.
type messageOut struct {
	ID            string         `json:"id"`
	BotID         string         `json:"bot_id"`
	RequestID     string         `json:"request_id"`
	Channel       string         `json:"channel"`
	Face          string         `json:"face"`
	Method        string         `json:"method"`
	Sync          bool           `json:"sync"`
	Status        core.Status    `json:"status"`
	Recipient     core.Recipient `json:"recipient"`
	PSID          string         `json:"psid,omitempty"`
	RecipientID   string         `json:"recipient_id,omitempty"`
	MessageIDs    []string       `json:"message_ids"`
	MessagingType string         `json:"messaging_type,omitempty"`
	Tag           string         `json:"tag,omitempty"`
	EffectiveTag  string         `json:"effective_tag,omitempty"`
	Error         *core.Error    `json:"error,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	SentAt        *time.Time     `json:"sent_at,omitempty"`
	DeliveredAt   *time.Time     `json:"delivered_at,omitempty"`
	ReadAt        *time.Time     `json:"read_at,omitempty"`
	// NextAttemptAt is when a queued send is next tried (absent once done).
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// messageDetail adds what was asked, what was sent, every attempt and the history.
type messageDetail struct {
	messageOut
	Request  *core.SendRequest `json:"request"`
	Parts    []core.Part       `json:"parts"`
	Attempts []attemptOut      `json:"attempts"`
	History  []core.Event      `json:"history"`
}

type attemptOut struct {
	core.Attempt
	DurationMS float64 `json:"duration_ms"`
}

func newMessageOut(m *core.MessageRecord) messageOut {
	out := messageOut{ID: m.ID, BotID: m.BotID, RequestID: m.Request.RequestID, Channel: m.Channel, Face: m.Request.Face,
		Method: m.Request.Method, Sync: m.Request.Sync, Status: m.Status, Recipient: m.Request.Recipient, PSID: m.PSID,
		RecipientID: m.RecipientID, MessageIDs: []string{}, MessagingType: m.Request.MessagingType, Tag: m.Request.Tag,
		EffectiveTag: m.Request.EffectiveTag, Error: m.Error, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		SentAt: m.SentAt, DeliveredAt: m.DeliveredAt, ReadAt: m.ReadAt}
	for _, p := range m.Parts {
		out.MessageIDs = append(out.MessageIDs, p.GraphID)
	}
	return out
}

func (h *Handler) listMessages(ctx context.Context, r *http.Request) (int, any, error) {
	q := r.URL.Query()
	f := store.MessageFilter{BotID: q.Get("bot_id"), RequestID: q.Get("request_id"), Status: core.Status(q.Get("status")),
		Recipient: q.Get("recipient"), Before: q.Get("before"), Limit: 100}
	for name, t := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if s := q.Get(name); s != "" {
			v, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return 0, nil, core.Invalid(name, "must be a time in RFC 3339, e.g. 2026-12-04T15:00:00Z")
			}
			*t = v
		}
	}
	if f.Status != "" && !slices.Contains(core.Statuses, f.Status) {
		return 0, nil, core.Invalid("status", "must be one of accepted, sent, delivered, read, failed")
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, core.Invalid("limit", "must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	msgs, err := h.Store.ListMessages(ctx, f)
	if err != nil {
		return 0, nil, err
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	next, err := h.Store.NextSendAttempts(ctx, ids...)
	if err != nil {
		return 0, nil, err
	}
	out := make([]messageOut, 0, len(msgs))
	for _, m := range msgs {
		o := newMessageOut(m)
		if t, ok := next[m.ID]; ok {
			o.NextAttemptAt = &t
		}
		out = append(out, o)
	}
	page := map[string]any{"messages": out}
	if len(msgs) == f.Limit {
		page["next_before"] = msgs[len(msgs)-1].ID
	}
	return http.StatusOK, page, nil
}

func (h *Handler) getMessage(ctx context.Context, r *http.Request) (int, any, error) {
	m, err := h.Store.GetMessage(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	attempts, err := h.Store.Attempts(ctx, m.ID)
	if err != nil {
		return 0, nil, err
	}
	history, err := h.Store.Events(ctx, m)
	if err != nil {
		return 0, nil, err
	}
	next, err := h.Store.NextSendAttempts(ctx, m.ID)
	if err != nil {
		return 0, nil, err
	}
	d := messageDetail{messageOut: newMessageOut(m), Request: &m.Request, Parts: m.Parts, Attempts: []attemptOut{}, History: history}
	if t, ok := next[m.ID]; ok {
		d.NextAttemptAt = &t
	}
	if d.Parts == nil {
		d.Parts = []core.Part{}
	}
	for _, a := range attempts {
		d.Attempts = append(d.Attempts, attemptOut{Attempt: a, DurationMS: float64(a.Duration.Microseconds()) / 1000})
	}
	return http.StatusOK, d, nil
}
