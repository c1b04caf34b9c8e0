package fakegraph

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// The fake as each user's phone shows it: per user, the messages the
// business sent (sends Graph accepted) and what the user did (texts, taps),
// in order. The sandbox's phone pages read it; it is a record like Sends,
// forgotten by Reset.

// Channels of a Chat.
const (
	ChannelMessenger = "messenger"
	ChannelWhatsApp  = "whatsapp"
)

// Chat is one user's conversation with a page (Messenger: Business is the
// page id, User the PSID) or a WhatsApp number (Business is the phone
// number id, User the wa_id, digits only).
type Chat struct {
	Channel  string
	Business string
	User     string
	Name     string    // the user's profile name, when the fake knows it
	Last     time.Time // the latest turn; zero when there is none
	Turns    int
}

// Turn is one message on the user's phone. From the business, Body is the
// send body as Graph received it (a JSON object; a form body is given as
// the JSON Graph read from it). From the user, Kind says what they did
// (text, attachment, quick_reply, postback, button_reply, list_reply or
// button), Text is what their bubble shows, Payload the payload or reply id,
// and Context the message answered (WhatsApp).
type Turn struct {
	Seq       int
	Time      time.Time
	FromUser  bool
	MessageID string
	Body      json.RawMessage
	Kind      string
	Text      string
	Payload   string
	Context   string
}

// maxTurns bounds each conversation: a phone page shows the latest ones.
const maxTurns = 200

type chatKey struct{ channel, business, user string }

type chatLog struct {
	name     string
	turns    []Turn
	lastUser time.Time // the user's latest turn, which opens the 24-hour window
}

// addTurnLocked appends a turn to the user's conversation.
func (s *Server) addTurnLocked(k chatKey, t Turn) {
	c := s.chats[k]
	if c == nil {
		c = &chatLog{}
		s.chats[k] = c
	}
	s.turnSeq++
	t.Seq = s.turnSeq
	t.Time = s.now()
	if t.FromUser {
		c.lastUser = t.Time
	}
	c.turns = dropOldest(append(c.turns, t), maxTurns)
}

// nameLocked keeps the profile name a WhatsApp user's phone sent.
func (s *Server) nameLocked(k chatKey, name string) {
	if name == "" {
		return
	}
	if s.chats[k] == nil {
		s.chats[k] = &chatLog{}
	}
	s.chats[k].name = name
}

// sentTurnLocked records an accepted Messenger send with a message (not a
// sender action) in the recipient's conversation. A recipient named by
// user_ref or phone number has a conversation under that name.
func (s *Server) sentTurnLocked(send Send) {
	if send.Status != 200 || send.Err != nil || send.Parsed["message"] == nil {
		return
	}
	user, _ := getID(send.Recipient, "", "id")
	for _, key := range []string{"user_ref", "phone_number"} {
		if user == "" {
			user, _ = send.Recipient[key].(string)
		}
	}
	s.addTurnLocked(chatKey{ChannelMessenger, send.PageID, user},
		Turn{MessageID: send.MessageID, Body: jsonBody(send.Body, send.Parsed)})
}

// sentWATurnLocked records an accepted Cloud API send.
func (s *Server) sentWATurnLocked(send WhatsAppSend) {
	if send.Status != 200 || send.Err != nil {
		return
	}
	s.addTurnLocked(chatKey{ChannelWhatsApp, send.PhoneNumberID, digits(send.To)},
		Turn{MessageID: send.WAMID, Body: jsonBody(send.Body, send.Parsed)})
}

// jsonBody is a send body as JSON: as received, or re-encoded from the
// fields Graph read out of a form.
func jsonBody(body []byte, parsed map[string]any) json.RawMessage {
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return json.RawMessage(bytes.Clone(b))
	}
	b, _ := json.Marshal(parsed)
	return b
}

// Chats lists every conversation, and every Messenger user added with
// AddUser even before one, the latest activity first.
func (s *Server) Chats() []Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[chatKey]bool{}
	var out []Chat
	for k, c := range s.chats {
		seen[k] = true
		chat := Chat{Channel: k.channel, Business: k.business, User: k.user, Name: c.name, Turns: len(c.turns)}
		if n := len(c.turns); n > 0 {
			chat.Last = c.turns[n-1].Time
		}
		if p, ok := s.users[userKey{k.business, k.user}]; ok && k.channel == ChannelMessenger {
			chat.Name = profileName(p)
		}
		out = append(out, chat)
	}
	for k, p := range s.users {
		if key := (chatKey{ChannelMessenger, k.pageID, k.psid}); !seen[key] {
			out = append(out, Chat{Channel: ChannelMessenger, Business: k.pageID, User: k.psid, Name: profileName(p)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Last.Equal(out[j].Last) {
			return out[i].Last.After(out[j].Last)
		}
		return out[i].Channel+out[i].Business+out[i].User < out[j].Channel+out[j].Business+out[j].User
	})
	return out
}

// Conversation returns the turns of one conversation, oldest first (none
// for a conversation that has not begun). The records are shared: do not
// modify them.
func (s *Server) Conversation(channel, business, user string) (Chat, []Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := chatKey{channel, business, user}
	chat := Chat{Channel: channel, Business: business, User: user}
	if p, ok := s.users[userKey{business, user}]; ok && channel == ChannelMessenger {
		chat.Name = profileName(p)
	}
	c := s.chats[k]
	if c == nil {
		return chat, nil
	}
	if c.name != "" {
		chat.Name = c.name
	}
	chat.Turns = len(c.turns)
	if n := len(c.turns); n > 0 {
		chat.Last = c.turns[n-1].Time
	}
	return chat, append([]Turn(nil), c.turns...)
}

func profileName(p Profile) string {
	switch {
	case p.FirstName != "" && p.LastName != "":
		return p.FirstName + " " + p.LastName
	case p.FirstName != "":
		return p.FirstName
	}
	return p.LastName
}
