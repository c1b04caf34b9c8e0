package bothub

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/botgate/botgate/internal/core"
)

// blockMessage is send_block's message: a block's name and this send's parameters.
type blockMessage struct {
	BlockName string          `json:"block_name"`
	Params    json.RawMessage `json:"params"`
}

func (h *Handler) sendBlock(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	req, err := h.baseRequest(env, "send_block")
	if err != nil {
		return nil, 0, err
	}
	if len(env.Message) == 0 || string(env.Message) == "null" {
		return nil, 0, core.Errorf(core.KindMissingMessage, "message is required")
	}
	var msg blockMessage
	if err := core.DecodeStrict(env.Message, &msg, "message"); err != nil {
		return nil, 0, err
	}
	if msg.BlockName == "" {
		return nil, 0, core.BadShape("message.block_name", "is required")
	}
	raw, path := msg.Params, "message.params"
	if len(raw) == 0 || string(raw) == "null" {
		raw, path = env.Params, "params"
	}
	if req.Params, err = parseParams(raw, path); err != nil {
		return nil, 0, err
	}
	req.Block = msg.BlockName
	return h.send(ctx, bot, req)
}

// param is one entry of a params list; values may be strings or numbers.
type param struct {
	Key   string          `json:"key"`
	Value core.FlexString `json:"value"`
}

// parseParams reads [{"key", "value"}, …] into a map. Names are checked by
// the core; a key given twice is refused here, as neither value would be sure.
func parseParams(raw json.RawMessage, path string) (map[string]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []param
	if err := core.DecodeStrict(raw, &list, path); err != nil {
		e := core.AsError(err)
		e.Kind = core.KindInvalid
		return nil, e
	}
	params := make(map[string]string, len(list))
	for i, p := range list {
		if _, dup := params[p.Key]; dup {
			return nil, core.Invalid(fmt.Sprintf("%s[%d].key", path, i), "%q is given twice", p.Key)
		}
		params[p.Key] = string(p.Value)
	}
	return params, nil
}
