package bothub

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

func (h *Handler) sendMessage(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	req, err := h.baseRequest(env, "send_message")
	if err != nil {
		return nil, 0, err
	}
	if len(env.Message) == 0 || string(env.Message) == "null" {
		return nil, 0, core.Errorf(core.KindMissingMessage, "message is required")
	}
	var msg core.Message
	if err := core.DecodeStrict(env.Message, &msg, "message"); err != nil {
		return nil, 0, err
	}
	core.Normalize(&msg)
	req.Cards = []core.Message{msg}
	return h.send(ctx, bot, req)
}

// baseRequest reads what every send method shares: sync, meta, recipient,
// messaging type and tag.
func (h *Handler) baseRequest(env *envelope, method string) (*core.SendRequest, error) {
	isSync, err := ParseSync(env.Request.Sync, "request.sync")
	if err != nil {
		return nil, err
	}
	raw := env.Recipient
	if len(raw) == 0 || string(raw) == "null" {
		raw = env.Request.Recipient
	}
	recipient, err := parseRecipient(raw)
	if err != nil {
		return nil, err
	}
	return &core.SendRequest{
		Face: Face, Method: method, RequestID: env.requestID, Sync: isSync, Meta: env.Request.Meta,
		Recipient: recipient, MessagingType: env.MessagingType, Tag: env.MessageTag,
	}, nil
}

// send hands req to the core and shapes the answer.
func (h *Handler) send(ctx context.Context, bot *core.Bot, req *core.SendRequest) (any, int, error) {
	m, err := h.Service.Send(ctx, bot, req, fields)
	if err != nil {
		return nil, 0, err
	}
	if !req.Sync {
		return Result{RequestID: req.RequestID}, http.StatusOK, nil
	}
	if m.Status == core.StatusFailed {
		body, status := NewErrorBody(m.Error, req.RequestID)
		body.Error.MessageIDs = graphIDs(m)
		return body, status, nil
	}
	return newResult(m, false), http.StatusOK, nil
}

// Result is a send's outcome: the sync answer, and the async callback body.
// A block's answer lists every card's message id; message_id is the last.
type Result struct {
	RequestID   string          `json:"request_id"`
	RecipientID string          `json:"recipient_id,omitempty"`
	MessageID   string          `json:"message_id,omitempty"`
	MessageIDs  []string        `json:"message_ids,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

func newResult(m *core.MessageRecord, withMeta bool) Result {
	r := Result{RequestID: m.Request.RequestID, RecipientID: m.RecipientID}
	if ids := graphIDs(m); len(ids) > 0 {
		r.MessageID = ids[len(ids)-1]
		if m.Request.Block != "" {
			r.MessageIDs = ids
		}
	}
	if withMeta {
		r.Meta = m.Request.Meta
	}
	return r
}

func graphIDs(m *core.MessageRecord) []string {
	var ids []string
	for _, p := range m.Parts {
		ids = append(ids, p.GraphID)
	}
	return ids
}

// ResultBody is the callback body for a finished async message: the same
// body a sync call answers, or the error envelope, with request.meta echoed.
func ResultBody(m *core.MessageRecord) ([]byte, error) {
	if m.Status == core.StatusFailed && m.Error != nil {
		body, _ := NewErrorBody(m.Error, m.Request.RequestID)
		body.Error.MessageIDs = graphIDs(m)
		body.Meta = m.Request.Meta
		return json.Marshal(body)
	}
	return json.Marshal(newResult(m, true))
}
