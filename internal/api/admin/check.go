package admin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// checkSend is the admin API's dry run: what a send to a user would do, in
// the core's terms. It sends and records nothing.
func (h *Handler) checkSend(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Recipient     core.Recipient    `json:"recipient"`
		MessagingType string            `json:"messaging_type"`
		MessageTag    string            `json:"message_tag"`
		Message       *core.Message     `json:"message"`
		BlockName     string            `json:"block_name"`
		Params        map[string]string `json:"params"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	req := &core.SendRequest{Face: "admin", Method: "check", RequestID: "check", Sync: true, Recipient: in.Recipient,
		MessagingType: in.MessagingType, Tag: in.MessageTag, Block: in.BlockName, Params: in.Params}
	if in.Message != nil {
		core.Normalize(in.Message)
		req.Cards = []core.Message{*in.Message}
	}
	fields := core.Fields{RequestID: "request_id", Recipient: "recipient", MessagingType: "messaging_type",
		Tag: "message_tag", Message: "message", Params: "params"}
	v, err := h.Gateway.Check(ctx, bot, req, fields)
	if err != nil {
		e := core.AsError(err)
		if e.Kind == core.KindInternal {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"allowed": false, "reason": e}, nil
	}
	bodies := make([]json.RawMessage, len(v.Bodies))
	for i, b := range v.Bodies {
		bodies[i] = b
	}
	out := map[string]any{"allowed": true, "bodies": bodies}
	if v.Warning != "" {
		out["warning"] = v.Warning
	}
	return http.StatusOK, out, nil
}
