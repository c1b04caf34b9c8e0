package fakegraph

import (
	"errors"
	"fmt"
	"time"
)

// The fake as a user's phone on Messenger: each action POSTs at once the
// webhook Facebook would send the page's app, in the shape of seed 002's
// samples. Nothing is retried: a test sees each delivery's answer instead.

// OptIn is a user's answer to a notification-messages (marketing) opt-in
// request. Empty fields take the values of seed 002's samples.
type OptIn struct {
	Title   string
	Payload string
	Token   string // notification_messages_token; 18 random digits when empty
	// Timezone defaults to "UTC" on a subscription; STOP and RESUME events
	// carry none in the seed, so there it is sent only when set.
	Timezone        string
	Status          string    // "", STOP_NOTIFICATIONS or RESUME_NOTIFICATIONS
	UserTokenStatus string    // default NOT_REFRESHED
	Expiry          time.Time // token_expiry_timestamp; zero = 2145916800000 (2038-01-01), the seed's value
}

const seedTokenExpiry = 2145916800000

// layout is the key order of one event's envelope. Seed 002's samples
// differ: messages, deliveries and reads put the entry's time before its
// id; notification opt-ins put the id first, and STOP/RESUME_NOTIFICATIONS
// also start the messaging item with its recipient.
type layout int

const (
	layoutTimeID   layout = iota // entry{time,id}, item{sender,recipient,timestamp,EVENT}
	layoutIDTime                 // entry{id,time}, item{sender,recipient,timestamp,EVENT}
	layoutStatus                 // entry{id,time}, item{recipient,timestamp,sender,EVENT}
	layoutNoSender               // entry{time,id}, item{recipient,timestamp,EVENT}: checkbox plugin
)

// pageWebhook wraps one event in the page envelope. Time and timestamp are
// the same instant: the fake has no delay between the two.
func pageWebhook(pageID, psid string, ms int64, l layout, event string, body object) object {
	sender := member{"sender", object{{"id", psid}}}
	recipient := member{"recipient", object{{"id", pageID}}}
	timestamp := member{"timestamp", ms}
	ev := member{event, body}
	var item object
	switch l {
	case layoutStatus:
		item = object{recipient, timestamp, sender, ev}
	case layoutNoSender:
		item = object{recipient, timestamp, ev}
	default:
		item = object{sender, recipient, timestamp, ev}
	}
	entry := object{{"time", ms}, {"id", pageID}, {"messaging", []object{item}}}
	if l == layoutIDTime || l == layoutStatus {
		entry[0], entry[1] = entry[1], entry[0]
	}
	return object{{"object", "page"}, {"entry", []object{entry}}}
}

// userAction builds one event under the lock (ids come from the seeded
// source) and delivers it without. build gets the event's time in ms and
// returns the event body and its mid, if any.
func (s *Server) userAction(pageID, psid string, l layout, event string,
	build func(ms int64) (object, string, error)) (Webhook, error) {
	if pageID == "" || psid == "" {
		return Webhook{}, errors.New("fakegraph: a page id and a PSID (or user_ref) are required")
	}
	s.mu.Lock()
	ms := s.now().UnixMilli()
	body, mid, err := build(ms)
	target := s.messengerHook
	var payload []byte
	if err == nil {
		payload = s.encodeWebhook(pageWebhook(pageID, psid, ms, l, event, body))
	}
	s.mu.Unlock()
	if err != nil {
		return Webhook{}, err
	}
	return s.post(target, "messenger", payload, mid)
}

// UserSendsText delivers message{mid, text}.
func (s *Server) UserSendsText(pageID, psid, text string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "message", func(int64) (object, string, error) {
		mid := s.newMIDLocked()
		s.userTurnLocked(pageID, psid, Turn{MessageID: mid, Kind: "text", Text: text})
		return object{{"mid", mid}, {"text", text}}, mid, nil
	})
}

var userAttachmentTypes = []string{"image", "video", "audio", "file"}

// UserSendsAttachment delivers message{mid, attachments:[{type, payload:{url}}]};
// kind is image, video, audio or file.
func (s *Server) UserSendsAttachment(pageID, psid, kind, url string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "message", func(int64) (object, string, error) {
		if !oneOf(kind, userAttachmentTypes) {
			return nil, "", fmt.Errorf("fakegraph: attachment type %q is not one of %v", kind, userAttachmentTypes)
		}
		mid := s.newMIDLocked()
		s.userTurnLocked(pageID, psid, Turn{MessageID: mid, Kind: "attachment", Text: kind, Payload: url})
		attachment := object{{"type", kind}, {"payload", object{{"url", url}}}}
		return object{{"mid", mid}, {"attachments", []object{attachment}}}, mid, nil
	})
}

// UserTapsQuickReply delivers message{mid, text: title, quick_reply:{payload}}.
func (s *Server) UserTapsQuickReply(pageID, psid, title, payload string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "message", func(int64) (object, string, error) {
		mid := s.newMIDLocked()
		s.userTurnLocked(pageID, psid, Turn{MessageID: mid, Kind: "quick_reply", Text: title, Payload: payload})
		return object{{"mid", mid}, {"text", title}, {"quick_reply", object{{"payload", payload}}}}, mid, nil
	})
}

// UserTapsPostback delivers postback{mid, title, payload}.
func (s *Server) UserTapsPostback(pageID, psid, title, payload string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "postback", func(int64) (object, string, error) {
		mid := s.newMIDLocked()
		s.userTurnLocked(pageID, psid, Turn{MessageID: mid, Kind: "postback", Text: title, Payload: payload})
		return object{{"mid", mid}, {"title", title}, {"payload", payload}}, mid, nil
	})
}

// UserReceives delivers delivery{mids, watermark: now}. Facebook may leave
// mids out, and so does the fake when mids is nil (an empty, non-nil slice
// is sent as []). SentTo gives the mids of what the page sent the user.
func (s *Server) UserReceives(pageID, psid string, mids []string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "delivery", func(ms int64) (object, string, error) {
		body := object{{"watermark", ms}}
		if mids != nil {
			body = object{{"mids", mids}, {"watermark", ms}}
		}
		return body, "", nil
	})
}

// UserReads delivers read{watermark: now}: every message before now is read.
func (s *Server) UserReads(pageID, psid string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "read", func(ms int64) (object, string, error) {
		return object{{"watermark", ms}}, "", nil
	})
}

// UserOptsIn delivers a notification_messages opt-in, or its STOP or RESUME
// when o.Status says so, keyed as in seed 002's samples.
func (s *Server) UserOptsIn(pageID, psid string, o OptIn) (Webhook, error) {
	l := layoutIDTime
	if o.Status != "" {
		l = layoutStatus
	}
	return s.userAction(pageID, psid, l, "optin", func(int64) (object, string, error) {
		if o.Status != "" && o.Status != "STOP_NOTIFICATIONS" && o.Status != "RESUME_NOTIFICATIONS" {
			return nil, "", fmt.Errorf("fakegraph: opt-in status %q is not STOP_NOTIFICATIONS or RESUME_NOTIFICATIONS", o.Status)
		}
		if o.Token == "" {
			o.Token = s.randomDigitsLocked(18)
		}
		if o.UserTokenStatus == "" {
			o.UserTokenStatus = "NOT_REFRESHED"
		}
		if o.Timezone == "" && o.Status == "" {
			o.Timezone = "UTC"
		}
		expiry := int64(seedTokenExpiry)
		if !o.Expiry.IsZero() {
			expiry = o.Expiry.UnixMilli()
		}
		body := object{{"type", "notification_messages"}, {"payload", o.Payload},
			{"notification_messages_token", o.Token}, {"token_expiry_timestamp", expiry},
			{"user_token_status", o.UserTokenStatus}}
		if o.Timezone != "" {
			body = append(body, member{"notification_messages_timezone", o.Timezone})
		}
		if o.Status != "" {
			body = append(body, member{"notification_messages_status", o.Status})
		}
		return append(body, member{"title", o.Title}), "", nil
	})
}

// UserOptsInPlugin delivers optin{ref}: the user tapped a Send to Messenger
// plugin whose data-ref was ref.
func (s *Server) UserOptsInPlugin(pageID, psid, ref string) (Webhook, error) {
	return s.userAction(pageID, psid, layoutTimeID, "optin", func(int64) (object, string, error) {
		return object{{"ref", ref}}, "", nil
	})
}

// UserOptsInCheckbox delivers optin{ref, user_ref} without a sender: the
// user ticked a checkbox plugin, and the page knows them only by userRef
// (send to recipient.user_ref) until they answer.
func (s *Server) UserOptsInCheckbox(pageID, userRef, ref string) (Webhook, error) {
	return s.userAction(pageID, userRef, layoutNoSender, "optin", func(int64) (object, string, error) {
		return object{{"ref", ref}, {"user_ref", userRef}}, "", nil
	})
}

// SentTo returns the accepted send calls to recipient.id psid, on any page,
// oldest first. Sender actions are among them, with no MessageID.
func (s *Server) SentTo(psid string) []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Send
	for _, send := range s.sends {
		if send.Err != nil || send.Status != 200 {
			continue
		}
		if id, _ := getID(send.Recipient, "", "id"); id == psid {
			out = append(out, send)
		}
	}
	return out
}

func oneOf(s string, allowed []string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}

// userTurnLocked records what the user did on their phone, before the
// webhook goes, so that the business's answer comes after it.
func (s *Server) userTurnLocked(pageID, psid string, t Turn) {
	t.FromUser = true
	s.addTurnLocked(chatKey{ChannelMessenger, pageID, psid}, t)
}
