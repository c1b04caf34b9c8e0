package v1

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/store"
)

// The templates of the key's WhatsApp number: a key belongs to one bot, a
// bot has at most one number, and the number's WhatsApp Business Account
// (waba_id) owns the templates. Each answer names both, so a caller sees
// which account and number it manages.

// templateOut is the template resource: the copy botgate keeps, with the
// account and number it belongs to.
type templateOut struct {
	core.WATemplateDef
	WABAID        string `json:"waba_id"`
	PhoneNumberID string `json:"phone_number_id"`
}

func templateOf(ch *core.WhatsAppChannel, d core.WATemplateDef) templateOut {
	if d.Components == nil {
		d.Components = []core.WATemplateComponent{}
	}
	return templateOut{WATemplateDef: d, WABAID: ch.WABAID, PhoneNumberID: ch.PhoneNumberID}
}

// ListWhatsAppTemplates answers a page of the copy, by name and language.
func (h *Server) ListWhatsAppTemplates(w http.ResponseWriter, r *http.Request, params ListWhatsAppTemplatesParams) {
	ch, err := gateway.TemplateAccount(botOf(r.Context()))
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	limit, after, err := pageOf(params.Limit, params.Cursor)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	f := store.TemplateFilter{WABAID: ch.WABAID, Status: strings.ToUpper(val(params.Status)), Name: val(params.Name), Language: val(params.Language), Limit: limit}
	if after != "" {
		var ok bool
		if f.AfterName, f.AfterLanguage, ok = strings.Cut(after, "\x00"); !ok {
			writeProblem(w, r, core.Invalid("cursor", "is not a cursor this API gave"), h.Log)
			return
		}
	}
	page, err := h.Store.TemplatePage(r.Context(), f)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	out := struct {
		WABAID        string        `json:"waba_id"`
		PhoneNumberID string        `json:"phone_number_id"`
		Items         []templateOut `json:"items"`
		NextCursor    string        `json:"next_cursor,omitempty"`
	}{WABAID: ch.WABAID, PhoneNumberID: ch.PhoneNumberID, Items: []templateOut{}}
	for _, d := range page.Templates {
		out.Items = append(out.Items, templateOf(ch, d))
	}
	if page.More {
		last := page.Templates[len(page.Templates)-1]
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(last.Name + "\x00" + last.Language))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// GetWhatsAppTemplate answers one template in one language.
func (h *Server) GetWhatsAppTemplate(w http.ResponseWriter, r *http.Request, name, language string) {
	ch, err := gateway.TemplateAccount(botOf(r.Context()))
	var d *core.WATemplateDef
	if err == nil {
		d, err = h.Store.GetTemplate(r.Context(), ch.WABAID, name, language)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, templateOf(ch, *d))
}

// CreateWhatsAppTemplate validates a template and submits it for review
// (gateway.CreateTemplate, as the admin API and the console do).
func (h *Server) CreateWhatsAppTemplate(w http.ResponseWriter, r *http.Request, _ CreateWhatsAppTemplateParams) {
	var in struct {
		Name            string                     `json:"name"`
		Language        string                     `json:"language"`
		Category        string                     `json:"category"`
		ParameterFormat string                     `json:"parameter_format"`
		Components      []core.WATemplateComponent `json:"components"`
	}
	bot := botOf(r.Context())
	ch, err := gateway.TemplateAccount(bot)
	if err == nil {
		err = readJSON(r, &in)
	}
	d := &core.WATemplateDef{Name: in.Name, Language: in.Language, Category: in.Category, ParameterFormat: in.ParameterFormat, Components: in.Components}
	if err == nil {
		err = h.Service.CreateTemplate(r.Context(), bot, d)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.Header().Set("Location", "/v1/whatsapp/templates/"+url.PathEscape(d.Name)+"/"+url.PathEscape(d.Language))
	writeJSON(w, "application/json", http.StatusCreated, templateOf(ch, *d))
}

// DeleteWhatsAppTemplate deletes a template in every language.
func (h *Server) DeleteWhatsAppTemplate(w http.ResponseWriter, r *http.Request, name string) {
	if err := h.Service.DeleteTemplate(r.Context(), botOf(r.Context()), name); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// SyncWhatsAppTemplates refreshes the copy from Graph now.
func (h *Server) SyncWhatsAppTemplates(w http.ResponseWriter, r *http.Request) {
	bot := botOf(r.Context())
	_, err := gateway.TemplateAccount(bot)
	var changes []store.TemplateChange
	var n int
	if err == nil {
		changes, n, err = h.Service.SyncTemplates(r.Context(), bot)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	type changed struct {
		Name     string `json:"name"`
		Language string `json:"language"`
		From     string `json:"from,omitempty"`
		Status   string `json:"status"`
		Reason   string `json:"reason,omitempty"`
	}
	out := struct {
		Templates int       `json:"templates"`
		Changed   []changed `json:"changed"`
	}{Templates: n, Changed: []changed{}}
	for _, c := range changes {
		out.Changed = append(out.Changed, changed{Name: c.Name, Language: c.Language, From: c.From, Status: c.To, Reason: c.Reason})
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}
