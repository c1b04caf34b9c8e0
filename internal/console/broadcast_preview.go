package console

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
)

// previewFields name a broadcast's request fields as the compose form does,
// so a preview's error points at the field to fix.
var previewFields = core.Fields{RequestID: "name", Recipient: "sample", MessagingType: "messaging_type", Tag: "tag",
	Message: "content", Params: "content.block.params"}

// previewFor fills the compose page's phone preview: the bodies the
// broadcast's send to the sample contact would make — the engine builds
// the request as its workers do, the gateway checks and renders it, nothing
// is sent — shown by internal/preview.
func (c *Console) previewFor(r *http.Request, f form, d *composer) {
	if c.Gateway == nil {
		d.PrevErr = "The preview needs the gateway."
		return
	}
	values := map[string][]string{}
	for k, v := range f.Values {
		values[k] = []string{v}
	}
	spec, err := contentFromForm(values)
	if err != nil {
		d.PrevErr = core.AsError(err).Error()
		return
	}
	if d.Sample == "" {
		d.PrevErr = "No contact yet to show the preview for."
		return
	}
	req, skip, err := c.Broadcasts.Sample(r.Context(), d.Bot, spec, d.Sample)
	switch {
	case err != nil:
		d.PrevErr = core.AsError(err).Error()
		return
	case skip != "":
		d.PrevErr = "This contact would be skipped: " + skip + "."
		return
	}
	v, err := c.Gateway.Check(r.Context(), d.Bot, req, previewFields)
	if err != nil {
		d.PrevErr = core.AsError(err).Error()
		return
	}
	bodies, err := c.withProfile(r.Context(), d.Bot, req, v.Bodies)
	if err != nil {
		d.PrevErr = core.AsError(err).Error()
		return
	}
	for _, body := range bodies {
		d.Preview = append(d.Preview, phone(spec.Channel, body, c.templatesOf(r.Context(), d.Bot.ID)))
	}
	d.PrevWarning = v.Warning
}

// withProfile renders a checked request again with the user's profile read
// from Graph when botgate has none yet, as the dispatcher does before it
// sends ({{first_name}} filled); reading a profile sends the user nothing.
func (c *Console) withProfile(ctx context.Context, bot *core.Bot, req *core.SendRequest, bodies [][]byte) ([][]byte, error) {
	if c.Graph == nil || bot.Messenger == nil || req.WhatsApp != nil || !req.NeedsProfile() || req.PSID == "" {
		return bodies, nil
	}
	if contact, err := c.store.GetContact(ctx, bot.ID, req.PSID); err != nil || (contact != nil && contact.Profile != nil) {
		return bodies, err
	}
	gp, err := c.Graph.GetProfile(ctx, bot.Messenger.AccessToken, req.PSID)
	if err != nil {
		return bodies, nil // the dispatcher sends without it too, placeholders as the bot's setting says
	}
	return dispatch.Bodies(bot, req, &core.Profile{ID: req.PSID, FirstName: gp.FirstName, LastName: gp.LastName, Locale: gp.Locale, Gender: gp.Gender})
}
