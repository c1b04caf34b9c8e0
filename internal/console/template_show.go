package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"

	"github.com/botgate/botgate/internal/core"
)

// templateShow shows a template: its components, status and reason, and
// the phone showing a send of it filled with the definition's example
// values, rendered by internal/preview from the Cloud API body as for a
// message.
func (c *Console) templateShow(w http.ResponseWriter, r *http.Request) {
	b, err := c.templateBot(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	t, err := c.store.GetTemplate(r.Context(), b.WhatsApp.WABAID, r.PathValue("name"), r.PathValue("language"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "template_show.html", struct {
		Bot        *core.Bot
		Template   *core.WATemplateDef
		Class      string
		Components string
		Preview    template.HTML
	}{b, t, templateStatusClass(t.Status), prettyValue(t.Components), phone(core.ChannelWhatsApp, exampleBody(t), func(string, string) *core.WATemplateDef { return t })})
}

// exampleBody is the Cloud API body of a send of t with its example values.
func exampleBody(t *core.WATemplateDef) json.RawMessage {
	send := t.ExampleSend()
	send.Category = "" // botgate's own note for the message log; Graph's body has none
	body, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "type": "template", "template": send})
	if err != nil {
		return nil
	}
	return body
}

// templateDelete deletes a template, in every language, at Graph and in
// the copy (gateway.DeleteTemplate).
func (c *Console) templateDelete(w http.ResponseWriter, r *http.Request) {
	b, err := c.templateBot(r)
	if err == nil && c.Gateway == nil {
		err = core.Errorf(core.KindPolicy, "templates cannot be deleted: this console runs without the gateway")
	}
	if err == nil {
		err = c.Gateway.DeleteTemplate(r.Context(), b, r.PathValue("name"))
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "delete template", b.ID, r.PathValue("name"))
	redirect(w, r, "/console/templates?bot="+url.QueryEscape(b.ID), "Template "+r.PathValue("name")+" deleted.")
}
