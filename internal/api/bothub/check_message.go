package bothub

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// checkMessage is a dry run of send_message or send_block: validation,
// rendering and the window policy, nothing sent and nothing recorded. It
// answers whether the send would go out, with the exact Graph bodies or the
// error a send would get.
func (h *Handler) checkMessage(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	req, err := h.baseRequest(env, "check_message")
	if err != nil {
		return deny(env, err)
	}
	if len(env.Message) == 0 || string(env.Message) == "null" {
		return deny(env, core.Errorf(core.KindMissingMessage, "message is required"))
	}
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(env.Message, &probe)
	if _, isBlock := probe["block_name"]; isBlock {
		var msg blockMessage
		if err := core.DecodeStrict(env.Message, &msg, "message"); err != nil {
			return deny(env, err)
		}
		raw, path := msg.Params, "message.params"
		if len(raw) == 0 || string(raw) == "null" {
			raw, path = env.Params, "params"
		}
		if req.Params, err = parseParams(raw, path); err != nil {
			return deny(env, err)
		}
		req.Block = msg.BlockName
	} else {
		var msg core.Message
		if err := core.DecodeStrict(env.Message, &msg, "message"); err != nil {
			return deny(env, err)
		}
		core.Normalize(&msg)
		req.Cards = []core.Message{msg}
	}
	v, err := h.Service.Check(ctx, bot, req, fields)
	if err != nil {
		return deny(env, err)
	}
	bodies := make([]json.RawMessage, len(v.Bodies))
	for i, b := range v.Bodies {
		bodies[i] = b
	}
	return verdict{RequestID: env.requestID, Allowed: true, Bodies: bodies, Warning: v.Warning}, http.StatusOK, nil
}

// verdict is check_message's answer.
type verdict struct {
	RequestID string            `json:"request_id"`
	Allowed   bool              `json:"allowed"`
	Bodies    []json.RawMessage `json:"bodies,omitempty"`
	Warning   string            `json:"warning,omitempty"`
	Error     *ErrorDetail      `json:"error,omitempty"`
}

// deny answers a refusal as a verdict: the same error a send would get, with 200.
func deny(env *envelope, err error) (any, int, error) {
	body, _ := NewErrorBody(err, env.requestID)
	return verdict{RequestID: env.requestID, Allowed: false, Error: &body.Error}, http.StatusOK, nil
}
