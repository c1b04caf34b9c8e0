package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
)

// previewFields name a broadcast's request fields as the compose form does,
// so a preview's error points at the field to fix.
var previewFields = core.Fields{RequestID: "name", Recipient: "sample", MessagingType: "messaging_type", Tag: "tag",
	Message: "content", Params: "content.block.params"}

// previewFor fills the compose page's phone preview: the bodies a send of
// the broadcast's content to the sample contact would make, through the
// gateway's own checks and rendering (nothing is sent), shown by
// internal/preview.
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
	req, err := sampleRequest(d.Bot, spec, d.Sample, c.now().Unix())
	if err != nil {
		d.PrevErr = core.AsError(err).Error()
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
		d.Preview = append(d.Preview, phone(spec.Channel, body))
	}
	d.PrevWarning = v.Warning
}

// sampleRequest is the send a broadcast makes to one recipient named by
// psid (a WhatsApp contact's is "wa:" and the number).
func sampleRequest(bot *core.Bot, spec broadcast.Spec, psid string, now int64) (*core.SendRequest, error) {
	req := &core.SendRequest{Face: core.FaceAuto, RequestID: "preview", MessagingType: spec.MessagingType, Tag: spec.Tag}
	if spec.Channel == core.ChannelWhatsApp {
		req.Recipient = core.Recipient{PhoneNumber: strings.TrimPrefix(psid, "wa:")}
		if len(spec.Content.Template) == 0 {
			return nil, core.Invalid("content", "a WhatsApp broadcast sends a template")
		}
		var t core.WATemplate
		if err := core.DecodeStrict(spec.Content.Template, &t, "content.template"); err != nil {
			return nil, err
		}
		req.WhatsApp = &core.WAMessage{Type: "template", Template: &t, Source: "botchat", Timestamp: strconv.FormatInt(now, 10)}
		return req, nil
	}
	req.Recipient = core.Recipient{ID: psid}
	if req.MessagingType == "" {
		req.MessagingType = core.TypeResponse
	}
	switch {
	case spec.Content.Block != nil:
		req.Block, req.Params = spec.Content.Block.Name, spec.Content.Block.Params
	case len(spec.Content.Message) > 0:
		var m core.Message
		if err := core.DecodeStrict(spec.Content.Message, &m, "content.message"); err != nil {
			return nil, err
		}
		core.Normalize(&m)
		req.Cards = []core.Message{m}
	default:
		return nil, core.Invalid("content", "a Messenger broadcast sends a message or a block")
	}
	return req, nil
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
