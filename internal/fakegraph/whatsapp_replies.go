package fakegraph

import (
	"fmt"
	"strings"
)

// The WhatsApp user answering a message: tapping a reply button, picking a
// list row, tapping a template's quick-reply button. Each arrives as an
// inbound message naming the message answered in context.id
// (GRAPH-FACTS.md), the content before "type" as in Meta's samples.

// WAUserTapsButton delivers an interactive button_reply {id, title} to
// the message contextID.
func (s *Server) WAUserTapsButton(phoneNumberID, from, name, contextID, id, title string) (Webhook, error) {
	reply := object{{"type", "button_reply"}, {"button_reply", object{{"id", id}, {"title", title}}}}
	return s.waReply(phoneNumberID, from, name, contextID, "interactive", reply,
		Turn{Kind: "button_reply", Text: title, Payload: id})
}

// WAUserPicksRow delivers an interactive list_reply {id, title,
// description} to the message contextID.
func (s *Server) WAUserPicksRow(phoneNumberID, from, name, contextID, id, title, description string) (Webhook, error) {
	row := object{{"id", id}, {"title", title}}
	if description != "" {
		row = append(row, member{"description", description})
	}
	reply := object{{"type", "list_reply"}, {"list_reply", row}}
	return s.waReply(phoneNumberID, from, name, contextID, "interactive", reply,
		Turn{Kind: "list_reply", Text: title, Payload: id})
}

// WAUserTapsTemplateButton delivers a button {payload, text}: a tap on a
// template's quick-reply button, whose label is text.
func (s *Server) WAUserTapsTemplateButton(phoneNumberID, from, name, contextID, payload, text string) (Webhook, error) {
	return s.waReply(phoneNumberID, from, name, contextID, "button", object{{"payload", payload}, {"text", text}},
		Turn{Kind: "button", Text: text, Payload: payload})
}

func (s *Server) waReply(phoneNumberID, from, name, contextID, kind string, content object, t Turn) (Webhook, error) {
	waID := strings.TrimPrefix(from, "+")
	if waID == "" || !validPhone(from) {
		return Webhook{}, fmt.Errorf("fakegraph: %q is not a phone number", from)
	}
	if contextID == "" {
		return Webhook{}, fmt.Errorf("fakegraph: a reply names the message it answers (context id)")
	}
	return s.waAction(phoneNumberID, func(seconds string) (object, string, error) {
		wamid := s.newWAMIDLocked(waID)
		t.MessageID, t.Context = wamid, contextID
		s.waTurnLocked(phoneNumberID, waID, name, t)
		display := ""
		if n := s.waNumbers[phoneNumberID]; n != nil {
			display = n.display
		}
		contact := object{{"profile", object{{"name", name}}}, {"wa_id", waID}}
		message := object{{"context", object{{"from", display}, {"id", contextID}}},
			{"from", waID}, {"id", wamid}, {"timestamp", seconds}, {kind, content}, {"type", kind}}
		return object{{"contacts", []object{contact}}, {"messages", []object{message}}}, wamid, nil
	})
}

// waTurnLocked records what the WhatsApp user did, and their profile name.
// waAction has checked the number before build runs.
func (s *Server) waTurnLocked(phoneNumberID, waID, name string, t Turn) {
	t.FromUser = true
	k := chatKey{ChannelWhatsApp, phoneNumberID, waID}
	s.addTurnLocked(k, t)
	s.nameLocked(k, name)
}
