package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Drafts (issue 14): the compose page saves a broadcast unsent; its page
// shows what it would send with Edit, Schedule and Delete; Edit is the
// compose page filled from the draft, whose save replaces it. The form
// carries the draft's id in "editing", so a preview, an audience check or
// an upload on the way keeps editing the same draft.

// draftView is what a draft's page shows of its spec: the facts and the
// phone preview for a sample contact.
type draftView struct {
	Facts   []fact
	Preview []template.HTML
	PrevErr string
	// NoForm says why the compose form cannot edit this draft without
	// losing part of it; "" when it can.
	NoForm string
}

type fact struct{ Label, Value string }

// broadcastEdit shows the compose form filled from a draft.
func (c *Console) broadcastEdit(w http.ResponseWriter, r *http.Request) {
	botID, id := r.PathValue("bot"), r.PathValue("id")
	b, err := c.Broadcasts.Get(r.Context(), botID, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if b.State != broadcast.StateDraft {
		c.fail(w, r, core.Errorf(core.KindConflict, "broadcast %s is %s; only a draft can be edited", id, b.State))
		return
	}
	if why := formCannotHold(b.Spec); why != "" {
		c.fail(w, r, core.Errorf(core.KindConflict, "%s", why))
		return
	}
	c.compose(w, r, http.StatusOK, botID, formFromSpec(b.ID, b.Spec), nil)
}

// broadcastUpdate replaces a draft with the form; a refusal shows beside
// the form, with what was typed kept.
func (c *Console) broadcastUpdate(w http.ResponseWriter, r *http.Request) {
	botID, id := r.PathValue("bot"), r.PathValue("id")
	spec, err := specFromForm(r.PostForm)
	var b *broadcast.Broadcast
	if err == nil {
		var bot *core.Bot
		if bot, err = c.store.GetBot(r.Context(), botID); err == nil {
			b, err = c.Broadcasts.Update(r.Context(), bot, id, spec)
		}
	}
	if err != nil {
		if !formError(err) {
			c.fail(w, r, err)
			return
		}
		f := newForm(r, err)
		f.Values["editing"] = id
		c.compose(w, r, http.StatusBadRequest, botID, f, nil)
		return
	}
	c.audit(r, "broadcast.edit", botID+"/"+id, b.Name)
	redirect(w, r, "/console/broadcasts/"+botID+"/"+id, "Draft "+b.Name+" saved")
}

// broadcastDelete removes a draft and goes back to the list.
func (c *Console) broadcastDelete(w http.ResponseWriter, r *http.Request) {
	botID, id := r.PathValue("bot"), r.PathValue("id")
	b, err := c.Broadcasts.Get(r.Context(), botID, id)
	if err == nil {
		err = c.Broadcasts.Delete(r.Context(), botID, id)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "broadcast.delete", botID+"/"+id, b.Name)
	redirect(w, r, "/console/broadcasts?bot="+botID, "Draft "+b.Name+" deleted")
}

// draftOf fills a draft's page: its facts and the preview for the bot's
// first contact (as the compose page's default sample).
func (c *Console) draftOf(r *http.Request, b *broadcast.Broadcast) (*draftView, error) {
	bot, err := c.store.GetBot(r.Context(), b.BotID)
	if err != nil {
		return nil, err
	}
	contacts, err := c.store.ListContacts(r.Context(), store.ContactFilter{BotID: b.BotID, Limit: 1})
	if err != nil {
		return nil, err
	}
	d := &composer{Bot: bot}
	if len(contacts.Contacts) > 0 {
		d.Sample = contacts.Contacts[0].PSID
	}
	c.previewFor(r, formFromSpec(b.ID, b.Spec), d)
	return &draftView{Facts: specFacts(b.Spec), Preview: d.Preview, PrevErr: d.PrevErr, NoForm: formCannotHold(b.Spec)}, nil
}

// formCannotHold says why the compose form would lose part of a spec made
// through the API: its list gives recipients their own parameters, or names
// them in more than one way, and the form writes a list of one way without
// parameters. Saving the form would replace the draft with less than it
// holds, so such a draft is edited through the API or the CLI.
func formCannotHold(s broadcast.Spec) string {
	const how = "; edit it with PUT /v1/broadcasts/{id} or botgate broadcasts edit"
	for i, e := range s.Audience.List {
		if len(e.Params) > 0 {
			return "This draft's recipient list gives recipients their own parameters, which the form cannot show" + how
		}
		if way, _ := listWay(e); i > 0 {
			if first, _ := listWay(s.Audience.List[0]); way != first {
				return "This draft's recipient list names recipients in more than one way, which the form cannot show" + how
			}
		}
	}
	return ""
}

// formTime is how a datetime-local input shows a UTC time.
const formTime = "2006-01-02T15:04"

// formFromSpec is the compose form's values for a stored spec: the inverse
// of specFromForm. An inline list is shown in the way its first entry
// names a recipient, as the form writes lists.
func formFromSpec(editing string, s broadcast.Spec) form {
	v := maps.Clone(composeDefaults)
	v["editing"], v["name"], v["channel"] = editing, s.Name, s.Channel
	if s.MessagingType != "" {
		v["messaging_type"] = s.MessagingType
	}
	if s.Tag != "" {
		v["tag"] = s.Tag
	}
	c := s.Content
	switch {
	case len(c.Message) > 0:
		v["content"], v["content.message"] = "message", indentJSON(c.Message)
	case c.Block != nil:
		v["content"], v["content.block.name"] = "block", c.Block.Name
		var lines []string
		for _, k := range slices.Sorted(maps.Keys(c.Block.Params)) {
			lines = append(lines, k+"="+c.Block.Params[k])
		}
		v["content.block.params"] = strings.Join(lines, "\n")
	case len(c.Template) > 0:
		v["content"], v["content.template"] = "template", indentJSON(c.Template)
	}
	a := s.Audience
	switch {
	case a.List != nil:
		kind, ids := "psid", make([]string, 0, len(a.List))
		for i, e := range a.List {
			k, id := listWay(e)
			if i == 0 {
				kind = k
			}
			ids = append(ids, id)
		}
		v["audience"], v["audience.list_kind"], v["audience.list"] = "list", kind, strings.Join(ids, "\n")
	case a.Topic != "":
		v["audience"], v["audience.topic"] = "topic", a.Topic
	case a.WindowOpen:
		v["audience"] = "window_open"
	case a.WroteWithin > 0:
		v["audience"], v["audience.wrote_within"] = "wrote_within", strconv.FormatFloat(a.WroteWithin.Hours()/24, 'f', -1, 64)
	case a.Filter != "":
		v["audience"], v["audience.filter"] = "filter", a.Filter
	case a.Upload != "":
		v["audience"], v["audience.upload"] = "upload", a.Upload
	}
	sc := s.Schedule
	switch {
	case sc.At != nil:
		v["schedule"], v["schedule.at"] = "at", sc.At.UTC().Format(formTime)
	case sc.LocalTime != "" || sc.Date != "":
		v["schedule"], v["schedule.local_time"], v["schedule.date"] = "local", sc.LocalTime, sc.Date
		v["schedule.default_timezone"] = sc.DefaultTimezone
		if sc.Late != "" {
			v["schedule.late"] = sc.Late
		}
	}
	if len(sc.QuietHours) == 2 {
		v["schedule.quiet_from"], v["schedule.quiet_to"] = sc.QuietHours[0], sc.QuietHours[1]
	}
	if s.ExpiresAt != nil {
		v["expires_at"] = s.ExpiresAt.UTC().Format(formTime)
	}
	if s.RatePerSecond > 0 {
		v["rate_per_second"] = strconv.FormatFloat(s.RatePerSecond, 'f', -1, 64)
	}
	return form{Values: v}
}

// listWay is how one list entry names its recipient.
func listWay(e broadcast.ListEntry) (string, string) {
	switch {
	case e.PSID != "":
		return "psid", e.PSID
	case e.WaID != "":
		return "wa_id", e.WaID
	case e.Phone != "":
		return "phone", e.Phone
	case e.Username != "":
		return "username", e.Username
	}
	return "email", e.Email
}

func indentJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}

// specFacts says in words what a draft would send, to whom and when.
func specFacts(s broadcast.Spec) []fact {
	var out []fact
	c := s.Content
	switch {
	case len(c.Message) > 0:
		out = append(out, fact{"Message", indentJSON(c.Message)})
	case c.Block != nil:
		out = append(out, fact{"Block", c.Block.Name})
	case len(c.Template) > 0:
		out = append(out, fact{"Template", indentJSON(c.Template)})
	}
	if s.MessagingType != "" {
		mt := s.MessagingType
		if s.Tag != "" {
			mt += " (" + s.Tag + ")"
		}
		out = append(out, fact{"Messaging type", mt})
	}
	a := s.Audience
	var who string
	switch {
	case a.List != nil:
		who = fmt.Sprintf("a list of %d", len(a.List))
	case a.Topic != "":
		who = "subscribers of topic " + a.Topic
	case a.WindowOpen:
		who = "everyone whose window is open when it starts"
	case a.WroteWithin > 0:
		who = "everyone who wrote within " + strconv.FormatFloat(a.WroteWithin.Hours()/24, 'f', -1, 64) + " days"
	case a.Filter != "":
		who = "contacts matching " + a.Filter
	case a.Upload != "":
		who = "uploaded list " + a.Upload
	}
	out = append(out, fact{"Audience", who})
	sc := s.Schedule
	when := "as soon as it is scheduled"
	switch {
	case sc.At != nil:
		when = "at " + sc.At.UTC().Format(time.DateTime) + " UTC"
	case sc.LocalTime != "":
		when = sc.LocalTime + " on " + sc.Date + " in each recipient's zone"
	}
	if len(sc.QuietHours) == 2 {
		when += ", never between " + sc.QuietHours[0] + " and " + sc.QuietHours[1]
	}
	out = append(out, fact{"When", when})
	return out
}
