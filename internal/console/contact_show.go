package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/preview"
	"github.com/botgate/botgate/internal/store"
)

// turnView is one bubble of the conversation.
type turnView struct {
	At       time.Time
	Inbound  bool
	Kind     string // what the user did
	Text     string // what the user wrote or tapped
	Preview  template.HTML
	Message  string // the outbound message's id
	Status   string
	Fallback string // an outbound message not sent (yet): its summary
}

type contactShow struct {
	BotID, PSID   string
	Contact       *core.Contact
	Window        string
	WindowAt      *time.Time
	Open          bool
	Links         []core.Link
	Subscriptions []store.Subscription
	Params        string // "name=value" lines, for the editor
	ParamsErr     string
	Turns         []turnView
	Earlier       string // the "before" of the previous page of the conversation
}

// contactShow shows a user: window, profile, parameters, linked accounts,
// subscriptions, and the conversation as a chat.
func (c *Console) contactShow(w http.ResponseWriter, r *http.Request) {
	c.renderContact(w, r, http.StatusOK, "", "")
}

func (c *Console) renderContact(w http.ResponseWriter, r *http.Request, status int, params, paramsErr string) {
	ctx := r.Context()
	d := contactShow{BotID: r.PathValue("bot"), PSID: r.PathValue("psid"), ParamsErr: paramsErr}
	var err error
	if d.Contact, err = c.store.GetContact(ctx, d.BotID, d.PSID); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Contact != nil {
		d.Window, d.WindowAt = window(d.Contact.LastInboundAt, c.now())
		d.Open = d.Window == "open until"
		d.Params = paramLines(d.Contact.Params)
	} else {
		d.Window = "never written"
	}
	if paramsErr != "" {
		d.Params = params
	}
	if d.Links, err = c.store.ListLinks(ctx, d.BotID, d.PSID); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Subscriptions, err = c.store.ContactSubscriptions(ctx, d.BotID, d.PSID); err != nil {
		c.fail(w, r, err)
		return
	}
	var before time.Time
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			c.fail(w, r, core.Invalid("before", "must be an RFC 3339 time"))
			return
		}
	}
	turns, err := c.store.Conversation(ctx, d.BotID, d.PSID, before, 50)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	defs := c.templatesOf(ctx, d.BotID)
	for _, t := range turns {
		d.Turns = append(d.Turns, turnOf(t, defs))
	}
	if len(turns) == 50 {
		d.Earlier = turns[0].At.Format(time.RFC3339Nano)
	}
	c.render(w, r, status, "contact_show.html", d)
}

// turnOf shows a user's event as a bubble with what they wrote or tapped,
// and a bot's message as the phone showed it (its parts as sent to Graph).
func turnOf(t store.Turn, defs preview.Templates) turnView {
	if in := t.Inbound; in != nil {
		return turnView{At: t.At, Inbound: true, Kind: in.Kind, Text: inboundText(in)}
	}
	m := t.Outbound
	v := turnView{At: t.At, Message: m.ID, Status: string(m.Status)}
	for _, p := range m.Parts {
		v.Preview += phone(m.Channel, p.Body, defs)
	}
	if len(m.Parts) == 0 {
		v.Fallback = summary(&m.Request)
	}
	return v
}

// inboundText is what a user's event says: the text, the tapped title, the opt-in.
func inboundText(in *store.InboundMessage) string {
	var ev struct {
		Message *struct {
			Text        string `json:"text"`
			Attachments []struct {
				Type string `json:"type"`
			} `json:"attachments"`
		} `json:"message"`
		Postback *struct {
			Title   string `json:"title"`
			Payload string `json:"payload"`
		} `json:"postback"`
		Optin *struct {
			Type  string `json:"type"`
			Title string `json:"title"`
		} `json:"optin"`
		// WhatsApp
		Type string `json:"type"`
		Text *struct {
			Body string `json:"body"`
		} `json:"text"`
		Interactive *struct {
			ButtonReply *struct{ Title string } `json:"button_reply"`
			ListReply   *struct{ Title string } `json:"list_reply"`
		} `json:"interactive"`
		Button *struct {
			Text string `json:"text"`
		} `json:"button"`
	}
	_ = json.Unmarshal(in.Body, &ev) // an unreadable event shows its kind only
	switch {
	case ev.Message != nil && ev.Message.Text != "":
		return ev.Message.Text
	case ev.Message != nil && len(ev.Message.Attachments) > 0:
		return "[" + ev.Message.Attachments[0].Type + "]"
	case ev.Postback != nil:
		return "tapped “" + ev.Postback.Title + "”"
	case ev.Optin != nil:
		return "opted in: " + ev.Optin.Title
	case ev.Text != nil:
		return ev.Text.Body
	case ev.Interactive != nil && ev.Interactive.ButtonReply != nil:
		return "tapped “" + ev.Interactive.ButtonReply.Title + "”"
	case ev.Interactive != nil && ev.Interactive.ListReply != nil:
		return "chose “" + ev.Interactive.ListReply.Title + "”"
	case ev.Button != nil:
		return "tapped “" + ev.Button.Text + "”"
	case ev.Type != "":
		return "[" + ev.Type + "]"
	}
	return "[" + in.Kind + "]"
}

func paramLines(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + params[k] + "\n")
	}
	return b.String()
}

// contactParams replaces a user's parameters with the editor's lines,
// through the gateway's rules like the admin API.
func (c *Console) contactParams(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bot, err := c.store.GetBot(ctx, r.PathValue("bot"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	text := r.FormValue("params")
	params := map[string]string{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			c.renderContact(w, r, http.StatusBadRequest, text, "line "+itoa(i+1)+": write name=value")
			return
		}
		params[strings.TrimSpace(k)] = v
	}
	psid := r.PathValue("psid")
	if _, err := c.Gateway.SetParams(ctx, bot, psid, params, true, "params"); err != nil {
		if e := core.AsError(err); e.Kind == core.KindInvalid {
			c.renderContact(w, r, http.StatusBadRequest, text, e.Message)
			return
		}
		c.fail(w, r, err)
		return
	}
	c.audit(r, "contact.params", bot.ID+"/"+psid, itoa(len(params))+" parameters")
	redirect(w, r, "/console/contacts/"+bot.ID+"/"+psid, "Parameters saved")
}
