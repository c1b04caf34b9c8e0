package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/botgate/botgate/internal/core"
)

// templateExample is what the new-template form starts with: a template in
// the `botgate templates push` file format.
const templateExample = `{
  "name": "back_in_stock",
  "language": "en_US",
  "category": "MARKETING",
  "components": [
    {"type": "BODY", "text": "Good news, {{1}}: {{2}} is back in stock.",
     "example": {"body_text": [["Ada", "the blue kettle"]]}},
    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Reserve one"}]}
  ]
}`

// templateNewData is the new-template form: the number and what was typed.
type templateNewData struct {
	Bot  *core.Bot
	Form form
	Err  string // why the definition was refused, shown beside it
}

// templateNew shows the form to submit a template for review.
func (c *Console) templateNew(w http.ResponseWriter, r *http.Request) {
	b, err := c.templateBot(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "template_new.html", templateNewData{Bot: b, Form: form{Values: map[string]string{"definition": templateExample}}})
}

// templateCreate validates the definition and submits it for review
// (gateway.CreateTemplate), then shows the template, PENDING; a refusal,
// the core's or Graph's, is shown beside the definition.
func (c *Console) templateCreate(w http.ResponseWriter, r *http.Request) {
	b, err := c.templateBot(r)
	if err == nil && c.Gateway == nil {
		err = core.Errorf(core.KindPolicy, "templates cannot be created: this console runs without the gateway")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := templateDefinition(r.PostForm.Get("definition"))
	if err == nil {
		err = c.Gateway.CreateTemplate(r.Context(), b, d)
	}
	if err != nil {
		e := core.AsError(err)
		if e.Kind == core.KindInternal {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, http.StatusBadRequest, "template_new.html", templateNewData{Bot: b, Form: newForm(r, err), Err: e.Message})
		return
	}
	c.audit(r, "create template", b.ID, d.Name+" "+d.Language)
	redirect(w, r, "/console/templates/"+url.PathEscape(b.ID)+"/"+url.PathEscape(d.Name)+"/"+url.PathEscape(d.Language),
		"Template "+d.Name+" submitted for review.")
}

// templateDefinition reads a template as `botgate templates push` files
// hold it; what `pull` adds (id, status, quality, reason) is ignored.
func templateDefinition(text string) (*core.WATemplateDef, error) {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		return nil, core.Missing("definition")
	}
	var d core.WATemplateDef
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return nil, core.Invalid("definition", "is not a template in JSON: %v", err)
	}
	return &core.WATemplateDef{Name: d.Name, Language: d.Language, Category: d.Category, ParameterFormat: d.ParameterFormat, Components: d.Components}, nil
}
