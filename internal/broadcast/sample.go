package broadcast

import (
	"context"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// Sample is the send spec would make to one contact of bot (a PSID, or a
// WhatsApp contact's key "wa:" and the number), built by the request
// builder the workers use, with the contact's stored parameters. Nothing
// is stored or sent: the console's compose page passes it to the
// gateway's Check and shows the bodies as its phone preview. skip is the
// reason the recipient would be skipped before any check (a template
// placeholder the contact has no parameter for).
func (s *Service) Sample(ctx context.Context, bot *core.Bot, spec Spec, contact string) (req *core.SendRequest, skip string, err error) {
	r := &record{id: "sample", botID: bot.ID, name: spec.Name, channel: spec.Channel, spec: spec}
	d := due{seq: 1, way: WayPSID, recipient: contact, contact: contact}
	if spec.Channel == core.ChannelWhatsApp {
		d.way, d.recipient = WayWaID, "+"+strings.TrimPrefix(contact, "wa:")
	}
	return s.request(ctx, bot, r, d)
}
