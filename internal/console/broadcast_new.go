package console

import (
	"html/template"
	"maps"
	"net/http"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// composer is the compose page: the form as typed, what it offers to
// choose from, the phone preview for a sample contact, and the last
// audience check (a dry run) or upload.
type composer struct {
	Bot         *core.Bot
	Form        form
	Part        string // which part an htmx request asked for: "preview" or "check"
	Blocks      []*core.Block
	Topics      []*store.SobotTopic
	Contacts    []store.ContactRow
	Sample      string // the sample contact's PSID
	Preview     []template.HTML
	PrevErr     string
	PrevWarning string
	Check       *broadcast.Broadcast // the dry run's answer
	Skipped     []reason
	Hours       hoursChart
	Upload      *broadcast.Upload
	Editing     string // the draft's id when the form edits one

	ContentKinds, AudienceKinds, ListKinds, ScheduleKinds []string
	Types, Tags, Zones                                    []string
}

// Defaults of a new broadcast's form.
var composeDefaults = map[string]string{
	"channel": core.ChannelMessenger, "content": "message", "audience": "list", "audience.list_kind": "psid",
	"schedule": "now", "schedule.late": broadcast.LateSendNow, "messaging_type": core.TypeUpdate,
	"tag": core.TagAccountUpdate, "content.message": `{"text": "Hello {{first_name}}! Our winter sale starts today."}`,
}

// broadcastNew shows an empty compose form for ?bot=.
func (c *Console) broadcastNew(w http.ResponseWriter, r *http.Request) {
	f := form{Values: maps.Clone(composeDefaults)}
	c.compose(w, r, http.StatusOK, r.URL.Query().Get("bot"), f, nil)
}

// withBroadcasts answers 404 when this botgate runs no broadcast engine.
func (c *Console) withBroadcasts(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c.Broadcasts == nil {
			c.notFound(w, r)
			return
		}
		h(w, r)
	}
}

// Refused is the first of the uploaded file's refused rows.
func (d *composer) Refused() []broadcast.RowError { return refusedRows(d.Upload) }

// broadcastPreview answers the compose form's live preview (htmx) or, without
// JavaScript, the whole page with it.
func (c *Console) broadcastPreview(w http.ResponseWriter, r *http.Request) {
	c.compose(w, r, http.StatusOK, r.PathValue("bot"), newForm(r, nil), func(d *composer) { d.Part = "preview" })
}

// broadcastCheck runs the form as a dry run: the audience's size and the
// skips by reason, with the time-zone breakdown, storing and sending nothing.
func (c *Console) broadcastCheck(w http.ResponseWriter, r *http.Request) {
	botID := r.PathValue("bot")
	spec, err := specFromForm(r.PostForm)
	var b *broadcast.Broadcast
	if err == nil {
		var bot *core.Bot
		if bot, err = c.store.GetBot(r.Context(), botID); err == nil {
			spec.DryRun = true
			b, err = c.Broadcasts.Create(r.Context(), bot, spec)
		}
	}
	if err != nil && !formError(err) {
		c.fail(w, r, err)
		return
	}
	c.compose(w, r, statusOf(err), botID, newForm(r, err), func(d *composer) {
		d.Part, d.Check = "check", b
		if b != nil {
			d.Skipped, d.Hours = byCount(b.SkippedByReason), hoursOf(b.Hours)
		}
	})
}

// broadcastCreate stores the broadcast, as a draft or scheduled, and shows
// its page; a refusal shows beside the form, with what was typed kept.
func (c *Console) broadcastCreate(w http.ResponseWriter, r *http.Request) {
	botID := r.PathValue("bot")
	spec, err := specFromForm(r.PostForm)
	var b *broadcast.Broadcast
	if err == nil {
		spec.Draft = r.PostForm.Get("draft") == "1"
		var bot *core.Bot
		if bot, err = c.store.GetBot(r.Context(), botID); err == nil {
			b, err = c.Broadcasts.Create(r.Context(), bot, spec)
		}
	}
	if err != nil {
		if !formError(err) {
			c.fail(w, r, err)
			return
		}
		c.compose(w, r, http.StatusBadRequest, botID, newForm(r, err), nil)
		return
	}
	c.audit(r, "broadcast.create", botID+"/"+b.ID, b.Name+" ("+b.State+")")
	notice := "Broadcast " + b.Name + " " + b.State
	if b.State == broadcast.StateDraft {
		notice = "Draft " + b.Name + " saved; nothing is sent until you schedule it"
	}
	redirect(w, r, "/console/broadcasts/"+botID+"/"+b.ID, notice)
}

// formError tells whether err is the kind shown beside the form (the input
// is wrong) rather than as an error page.
func formError(err error) bool {
	switch core.ErrorKind(err) {
	case core.KindInvalid, core.KindBadMessage, core.KindMissing, core.KindUnknownBlock, core.KindPolicy, core.KindNotFound:
		return true
	}
	return false
}

func statusOf(err error) int {
	if err != nil {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// compose renders the compose page (or, for htmx, the part asked for)
// for botID with f's values.
func (c *Console) compose(w http.ResponseWriter, r *http.Request, status int, botID string, f form, adjust func(*composer)) {
	ctx := r.Context()
	bot, err := c.store.GetBot(ctx, botID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &composer{Bot: bot, Form: f, Sample: f.Value("sample", ""), Editing: f.Value("editing", ""),
		ContentKinds: contentKinds, AudienceKinds: audienceKinds, ListKinds: listKinds, ScheduleKinds: scheduleKinds,
		Types: []string{core.TypeMessageTag, core.TypeUpdate, core.TypeResponse}, Tags: core.CurrentTags, Zones: zones}
	if adjust != nil {
		adjust(d)
	}
	if d.Blocks, err = c.store.ListBlocks(ctx, botID); err != nil {
		c.fail(w, r, err)
		return
	}
	if bot.Messenger != nil {
		if d.Topics, _, err = c.store.ListSobotTopics(ctx, store.SobotTopicFilter{PageIDs: []string{bot.Messenger.PageID}, Limit: 200}); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	contacts, err := c.store.ListContacts(ctx, store.ContactFilter{BotID: botID, Limit: 100})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Contacts = contacts.Contacts
	if d.Sample == "" && len(d.Contacts) > 0 {
		d.Sample = d.Contacts[0].PSID
	}
	c.previewFor(r, f, d)
	c.render(w, r, status, "broadcast_new.html", d)
}
