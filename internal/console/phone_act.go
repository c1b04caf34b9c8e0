package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
)

// phoneAct is the user doing something on the phone: typing a message or
// tapping a button, a quick reply or a list row. The fake Graph sends
// botgate the signed webhook a real phone's action causes, and the phone
// page shows the answer when it comes.
func (c *Console) phoneAct(w http.ResponseWriter, r *http.Request) {
	channel, business, user := r.PathValue("channel"), r.PathValue("business"), r.PathValue("user")
	kind, text := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("text"))
	title, payload := r.PostFormValue("title"), r.PostFormValue("payload")
	if kind == "text" && text == "" {
		redirect(w, r, phonePath(channel, business, user), "")
		return
	}
	hook, err := c.phoneDo(channel, business, user, kind, text, title, payload,
		r.PostFormValue("description"), r.PostFormValue("context"))
	if err != nil {
		c.fail(w, r, core.Errorf(core.KindInvalid, "the phone could not do that: %v", err))
		return
	}
	what := text
	if kind != "text" && kind != "read" {
		what = title
	}
	c.audit(r, "phone."+kind, channel+":"+business+"/"+user, what)
	notice := ""
	if hook.Status != http.StatusOK {
		notice = fmt.Sprintf("botgate answered the webhook with HTTP %d", hook.Status)
	}
	redirect(w, r, phonePath(channel, business, user), notice)
}

func (c *Console) phoneDo(channel, business, user, kind, text, title, payload, description, context string) (fakegraph.Webhook, error) {
	f := c.Fake
	if kind == "read" {
		return c.phoneRead(channel, business, user)
	}
	if channel == fakegraph.ChannelMessenger {
		switch kind {
		case "text":
			return f.UserSendsText(business, user, text)
		case "postback":
			return f.UserTapsPostback(business, user, title, payload)
		case "quick_reply":
			return f.UserTapsQuickReply(business, user, title, payload)
		case "optin":
			return f.UserOptsIn(business, user, fakegraph.OptIn{Title: title, Payload: payload})
		}
	} else if channel == fakegraph.ChannelWhatsApp {
		chat, _ := f.Conversation(channel, business, user)
		name := chat.Name
		if name == "" {
			name = "Sandbox user"
		}
		switch kind {
		case "text":
			return f.WAUserSendsText(business, user, name, text)
		case "button_reply":
			return f.WAUserTapsButton(business, user, name, context, payload, title)
		case "list_reply":
			return f.WAUserPicksRow(business, user, name, context, payload, title, description)
		case "button":
			return f.WAUserTapsTemplateButton(business, user, name, context, payload, title)
		}
	}
	return fakegraph.Webhook{}, errors.New("this phone cannot do " + kind)
}

// readBack bounds the WhatsApp messages one "read" marks: the latest ones.
const readBack = 20

// phoneRead is the user opening the conversation: Messenger gets a delivery
// naming the messages received and a read; WhatsApp a delivered and a read
// status for each of the latest messages. botgate moves their statuses on.
func (c *Console) phoneRead(channel, business, user string) (fakegraph.Webhook, error) {
	_, turns := c.Fake.Conversation(channel, business, user)
	var mids []string
	for _, t := range turns {
		if !t.FromUser && t.MessageID != "" {
			mids = append(mids, t.MessageID)
		}
	}
	if channel == fakegraph.ChannelMessenger {
		if len(mids) > 0 {
			if hook, err := c.Fake.UserReceives(business, user, mids); err != nil || hook.Status != http.StatusOK {
				return hook, err
			}
		}
		return c.Fake.UserReads(business, user)
	}
	if channel != fakegraph.ChannelWhatsApp || len(mids) == 0 {
		return fakegraph.Webhook{}, errors.New("there is nothing to read")
	}
	var hook fakegraph.Webhook
	var err error
	for _, mid := range mids[max(0, len(mids)-readBack):] {
		for _, status := range []string{"delivered", "read"} {
			if hook, err = c.Fake.WAStatus(business, mid, user, status); err != nil || hook.Status != http.StatusOK {
				return hook, err
			}
		}
	}
	return hook, nil
}
