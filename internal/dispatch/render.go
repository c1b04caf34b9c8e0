package dispatch

import (
	"fmt"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
)

// Bodies renders a request into the exact Send API bodies, one per card:
// placeholders filled from the parameters and profile, Messenger's limits
// checked on the result, block buttons turned into postbacks. It is the one
// place a message becomes what Graph receives; sends and `botgate blocks
// render` both use it. profile is nil when the user's profile is unknown.
func Bodies(bot *core.Bot, req *core.SendRequest, profile *core.Profile) ([][]byte, error) {
	vars := req.Vars(profile)
	bodies := make([][]byte, len(req.Cards))
	for i, card := range req.Cards {
		path := "message"
		if len(req.Cards) > 1 || req.Block != "" {
			path = fmt.Sprintf("card[%d]", i)
		}
		msg, err := core.Render(card, vars, bot.Settings.UnfilledPlaceholder, path)
		if err != nil {
			return nil, err
		}
		if err := core.ValidateMessage(&msg, path); err != nil {
			return nil, err
		}
		if bodies[i], err = graph.Encode(graph.MessengerBody{
			Recipient:     graph.NewMessengerRecipient(req.Recipient, req.PSID),
			MessagingType: req.MessagingType,
			Tag:           req.EffectiveTag,
			Message:       core.ForGraph(msg),
		}); err != nil {
			return nil, err
		}
	}
	return bodies, nil
}
