package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/store"
)

// The WhatsApp templates pages: the local copy of a WhatsApp number's
// templates (store), changed only through the gateway's CreateTemplate,
// DeleteTemplate and SyncTemplates, as the admin API and v1 do.

// templateStatuses are the statuses the list filters by.
var templateStatuses = []string{core.TemplateApproved, core.TemplatePending, core.TemplateRejected, core.TemplatePaused, core.TemplateDisabled}

// templateNumber is a bot's WhatsApp number, as the templates pages offer it.
type templateNumber struct {
	BotID, Label, WABAID string
}

// templateNumbers lists the bots with a WhatsApp number, by bot name.
func (c *Console) templateNumbers(ctx context.Context) ([]templateNumber, error) {
	bots, err := c.store.ListBots(ctx)
	if err != nil {
		return nil, err
	}
	var out []templateNumber
	for _, b := range bots {
		if !b.Deleted && b.WhatsApp != nil {
			out = append(out, templateNumber{BotID: b.ID, Label: b.Name + " · " + b.WhatsApp.Phone, WABAID: b.WhatsApp.WABAID})
		}
	}
	return out, nil
}

// templateRow is a template with its status pill's colour.
type templateRow struct {
	core.WATemplateDef
	Class string
}

// templateBot is the bot the path names, with a WhatsApp number that has
// its account's id (gateway.TemplateAccount says what is missing).
func (c *Console) templateBot(r *http.Request) (*core.Bot, error) {
	b, err := c.store.GetBot(r.Context(), r.PathValue("bot"))
	if err != nil {
		return nil, err
	}
	if b.Deleted {
		return nil, core.Errorf(core.KindNotFound, "bot %s was deleted", b.ID)
	}
	_, err = gateway.TemplateAccount(b)
	return b, err
}

// templateList lists a number's templates (the first number's when none is
// chosen), filtered by status, by name and language in pages.
func (c *Console) templateList(w http.ResponseWriter, r *http.Request) {
	numbers, err := c.templateNumbers(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	var number *templateNumber
	for i := range numbers {
		if numbers[i].BotID == q.Get("bot") || (q.Get("bot") == "" && i == 0) {
			number = &numbers[i]
		}
	}
	data := struct {
		Numbers   []templateNumber
		Number    *templateNumber
		Statuses  []string
		Status    string
		Templates []templateRow
		Next      string
	}{Numbers: numbers, Number: number, Statuses: templateStatuses, Status: q.Get("status")}
	if number != nil && number.WABAID != "" {
		p := pageOf(r)
		f := store.TemplateFilter{WABAID: number.WABAID, Status: data.Status, Limit: p.Limit}
		f.AfterName, f.AfterLanguage, _ = strings.Cut(p.Cursor, "/")
		page, err := c.store.TemplatePage(r.Context(), f)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		for _, t := range page.Templates {
			data.Templates = append(data.Templates, templateRow{t, templateStatusClass(t.Status)})
		}
		if page.More {
			last := page.Templates[len(page.Templates)-1]
			data.Next = last.Name + "/" + last.Language
		}
	}
	c.render(w, r, http.StatusOK, "template_list.html", data)
}

// templateSync refreshes the number's copy from Graph and says how many
// templates changed status.
func (c *Console) templateSync(w http.ResponseWriter, r *http.Request) {
	b, err := c.templateBot(r)
	if err == nil && c.Gateway == nil {
		err = core.Errorf(core.KindPolicy, "templates cannot be synced: this console runs without the gateway")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	changes, n, err := c.Gateway.SyncTemplates(r.Context(), b)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "sync templates", b.ID, strconv.Itoa(n)+" templates, "+strconv.Itoa(len(changes))+" changed")
	redirect(w, r, "/console/templates?bot="+b.ID, "Synced "+strconv.Itoa(n)+" templates: "+plural(len(changes), "status changed", "statuses changed")+".")
}

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// templateStatusClass colours a template's status pill.
func templateStatusClass(s string) string {
	switch s {
	case core.TemplateApproved:
		return "ok"
	case core.TemplateRejected, core.TemplateDisabled:
		return "bad"
	case core.TemplatePending, core.TemplatePaused:
		return "warn"
	}
	return ""
}
