package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// messageResend sends a message's request again as a new request, through
// the gateway like any face: the same checks, a new request id, its own
// record and callback.
func (c *Console) messageResend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if c.Gateway == nil {
		c.fail(w, r, core.Errorf(core.KindUnavailable, "messages cannot be sent from this console"))
		return
	}
	m, err := c.store.GetMessage(ctx, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bot, err := c.store.GetBot(ctx, m.BotID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	req := m.Request
	req.RequestID = core.NewID("again_", c.now())
	req.Sync = false
	if bot.CallbackURL == "" {
		req.Sync = true // no callback URL to tell the result to: wait for it here
	}
	again, err := c.Gateway.Send(ctx, bot, &req, core.Fields{RequestID: "request_id", Recipient: "recipient",
		MessagingType: "messaging_type", Tag: "tag", Message: "message", Params: "params"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "message.resend", again.ID, "again of "+m.ID)
	redirect(w, r, "/console/messages/"+again.ID, "Sent again as a new request ("+req.RequestID+")")
}
