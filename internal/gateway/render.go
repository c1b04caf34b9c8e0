package gateway

import (
	"context"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/graph"
)

// BlockRender is what a block's render is asked for: the block (saved, or
// cards being edited), the user and the parameters a send would carry.
type BlockRender struct {
	Name          string
	Version       int
	Cards         []core.Message
	PSID          string
	Params        map[string]string
	MessagingType string // default RESPONSE
	Tag           string
}

// RenderBlock returns the exact Graph bodies a send of the block to the user
// would make, sending nothing: the core's checks and placeholders with the
// user's stored parameters and profile (read from Graph when not cached,
// which sends the user nothing). The admin API's render and the console's
// live preview both call it.
func (s *Service) RenderBlock(ctx context.Context, bot *core.Bot, in BlockRender) ([][]byte, error) {
	if in.PSID == "" {
		return nil, core.Invalid("psid", "is required: the user to render for")
	}
	if in.MessagingType == "" {
		in.MessagingType = core.TypeResponse
	}
	req := &core.SendRequest{RequestID: "render", Recipient: core.Recipient{ID: in.PSID}, MessagingType: in.MessagingType,
		Tag: in.Tag, Block: in.Name, BlockVersion: in.Version, Cards: in.Cards, Params: in.Params}
	contact, err := s.Store.GetContact(ctx, bot.ID, in.PSID)
	if err != nil {
		return nil, err
	}
	var profile *core.Profile
	fields := core.Fields{RequestID: "request_id", Recipient: "psid", MessagingType: "messaging_type", Tag: "message_tag", Message: "block", Params: "params"}
	err = req.Check(bot, fields, func(core.Recipient, bool) (string, map[string]string, error) {
		if contact == nil {
			return in.PSID, nil, nil
		}
		profile = contact.Profile
		return in.PSID, contact.Params, nil
	})
	if err != nil {
		return nil, err
	}
	if graph := s.graph(); profile == nil && graph != nil && bot.Messenger != nil && req.NeedsProfile() {
		if gp, err := graph.GetProfile(ctx, bot.Messenger.AccessToken, in.PSID); err == nil {
			profile = &core.Profile{ID: in.PSID, FirstName: gp.FirstName, LastName: gp.LastName, Locale: gp.Locale, Gender: gp.Gender}
		}
	}
	return dispatch.Bodies(bot, req, profile)
}

func (s *Service) graph() *graph.Client {
	if s.Dispatch == nil {
		return nil
	}
	return s.Dispatch.Graph
}
