package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
)

// The sandbox phone: the fake Graph's users as their phones show them. The
// console reads the in-process fake through its Go API (Deps.Fake, set by
// the server only with --sandbox): the fake imports nothing of botgate, and
// a tap goes from the fake to botgate as a signed webhook over HTTP, the
// same way a real phone's does through Facebook. Outside the sandbox these
// pages do not exist.

// sandboxOnly answers 404, before asking anyone to sign in, when there is
// no fake Graph to play.
func (c *Console) sandboxOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.Sandbox || c.Fake == nil {
			c.notFound(w, r)
			return
		}
		h(w, r)
	}
}

// phoneChat is one line of the phone list.
type phoneChat struct {
	fakegraph.Chat
	Bot     string // the bot that owns the page or number
	Initial string // for the avatar
	Path    string
	Last    *time.Time
}

// phoneList lists the sandbox's users: Messenger users per page, WhatsApp
// users per number.
func (c *Console) phoneList(w http.ResponseWriter, r *http.Request) {
	bots := c.botNames(r.Context())
	var messenger, whatsApp []phoneChat
	for _, chat := range c.Fake.Chats() {
		pc := phoneChat{Chat: chat, Bot: bots[chat.Channel+":"+chat.Business], Initial: initial(chat.Name),
			Path: phonePath(chat.Channel, chat.Business, chat.User)}
		if !chat.Last.IsZero() {
			pc.Last = &chat.Last
		}
		if chat.Channel == fakegraph.ChannelWhatsApp {
			whatsApp = append(whatsApp, pc)
		} else {
			messenger = append(messenger, pc)
		}
	}
	c.render(w, r, http.StatusOK, "phone_list.html", map[string]any{"Messenger": messenger, "WhatsApp": whatsApp,
		"Channels": c.phoneChannels(r.Context())})
}

// phoneChannel is a page or number a new sandbox user can write to.
type phoneChannel struct {
	Value, Label string
}

func (c *Console) phoneChannels(ctx context.Context) []phoneChannel {
	var out []phoneChannel
	bots, err := c.store.ListBots(ctx)
	if err != nil {
		return nil
	}
	for _, b := range bots {
		if b.Messenger != nil {
			out = append(out, phoneChannel{fakegraph.ChannelMessenger + ":" + b.Messenger.PageID, b.Name + " · Messenger page " + b.Messenger.PageID})
		}
		if b.WhatsApp != nil {
			out = append(out, phoneChannel{fakegraph.ChannelWhatsApp + ":" + b.WhatsApp.PhoneNumberID, b.Name + " · WhatsApp " + b.WhatsApp.Phone})
		}
	}
	return out
}

// phoneOpen opens the phone of any user: a new PSID on a page, or a new
// WhatsApp number (digits, as wa_id has them).
func (c *Console) phoneOpen(w http.ResponseWriter, r *http.Request) {
	channel, business, _ := strings.Cut(r.URL.Query().Get("to"), ":")
	user := strings.TrimSpace(r.URL.Query().Get("user"))
	if channel == fakegraph.ChannelWhatsApp {
		user = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, user)
	}
	if business == "" || user == "" || (channel != fakegraph.ChannelMessenger && channel != fakegraph.ChannelWhatsApp) {
		c.fail(w, r, core.Errorf(core.KindInvalid, "choose a page or number and give the user a PSID or phone number"))
		return
	}
	http.Redirect(w, r, phonePath(channel, business, user), http.StatusSeeOther)
}

// botNames names each bot's page ("messenger:<page id>") and number
// ("whatsapp:<phone number id>"), for the phone's header.
func (c *Console) botNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	bots, err := c.store.ListBots(ctx)
	if err != nil {
		c.log.Warn("console: phone: bots not listed", "err", err)
		return names
	}
	for _, b := range bots {
		if b.Messenger != nil {
			names[fakegraph.ChannelMessenger+":"+b.Messenger.PageID] = b.Name
		}
		if b.WhatsApp != nil {
			names[fakegraph.ChannelWhatsApp+":"+b.WhatsApp.PhoneNumberID] = b.Name
		}
	}
	return names
}

func phonePath(channel, business, user string) string {
	return "/console/phone/" + url.PathEscape(channel) + "/" + url.PathEscape(business) + "/" + url.PathEscape(user)
}

// initial is the letter an avatar shows.
func initial(name string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name))
	if r == utf8.RuneError {
		return "?"
	}
	return strings.ToUpper(string(r))
}
