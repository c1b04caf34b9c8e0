package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/preview"
)

// phoneTurn is one message on the phone: the user's own, or the business's
// rendered by the one preview renderer.
type phoneTurn struct {
	fakegraph.Turn
	HTML    template.HTML
	Divider string // a time shown above the turn when the conversation resumed after a pause
}

// phoneView is the phone page.
type phoneView struct {
	Chat       fakegraph.Chat
	WhatsApp   bool
	Bot        string
	BotInitial string
	Path       string
	Turns      []phoneTurn
	LatestSeq  int
}

// phoneShow is one user's phone. htmx polls it with ?seq= (the latest
// turn shown) and gets 204 until there is something new, so an open list
// or a scrolled conversation is left alone.
func (c *Console) phoneShow(w http.ResponseWriter, r *http.Request) {
	v, ok := c.phoneView(w, r)
	if !ok {
		return
	}
	if seq := r.URL.Query().Get("seq"); r.Header.Get("HX-Request") == "true" && seq == strconv.Itoa(v.LatestSeq) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	c.render(w, r, http.StatusOK, "phone_show.html", v)
}

func (c *Console) phoneView(w http.ResponseWriter, r *http.Request) (phoneView, bool) {
	channel, business, user := r.PathValue("channel"), r.PathValue("business"), r.PathValue("user")
	if channel != fakegraph.ChannelMessenger && channel != fakegraph.ChannelWhatsApp {
		c.notFound(w, r)
		return phoneView{}, false
	}
	chat, turns := c.Fake.Conversation(channel, business, user)
	v := phoneView{Chat: chat, WhatsApp: channel == fakegraph.ChannelWhatsApp,
		Bot: c.botNames(r.Context())[channel+":"+business], Path: phonePath(channel, business, user)}
	if v.Bot == "" {
		v.Bot = business
	}
	v.BotInitial = initial(v.Bot)
	admin := currentUser(r).Role == core.RoleAdmin
	var last time.Time
	for i, t := range turns {
		pt := phoneTurn{Turn: t}
		if last.IsZero() || t.Time.Sub(last) > 10*time.Minute {
			pt.Divider = t.Time.UTC().Format("Jan 2, 15:04 UTC")
		}
		last = t.Time
		if !t.FromUser {
			pt.HTML = c.phoneBubble(r, v, t, admin, i == len(turns)-1)
		}
		v.Turns = append(v.Turns, pt)
		v.LatestSeq = t.Seq
	}
	return v, true
}

// phoneBubble renders what the business sent. Admins get tappable buttons
// (a viewer changes nothing, so sees them inert). Messenger shows quick
// replies only under the latest message, so earlier ones go.
func (c *Console) phoneBubble(r *http.Request, v phoneView, t fakegraph.Turn, admin, latest bool) template.HTML {
	var taps preview.Taps
	if admin {
		taps = preview.Taps{URL: v.Path, Fields: map[string]string{"csrf": csrfToken(r), "context": t.MessageID}}
	}
	var html template.HTML
	var err error
	if v.WhatsApp {
		html, err = preview.WhatsAppTaps(t.Body, taps)
	} else {
		body := t.Body
		if !latest {
			body = withoutQuickReplies(body)
		}
		html, err = preview.MessengerTaps(body, taps)
	}
	if err != nil {
		return template.HTML(`<p class="error">` + template.HTMLEscapeString(err.Error()) + `</p>`)
	}
	return html
}

// withoutQuickReplies drops message.quick_replies from a send body.
func withoutQuickReplies(body json.RawMessage) json.RawMessage {
	var send map[string]json.RawMessage
	var msg map[string]json.RawMessage
	if json.Unmarshal(body, &send) != nil || json.Unmarshal(send["message"], &msg) != nil || msg["quick_replies"] == nil {
		return body
	}
	delete(msg, "quick_replies")
	send["message"], _ = json.Marshal(msg)
	out, _ := json.Marshal(send)
	return out
}
