package fakegraph

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// The fake as a user's phone on WhatsApp: webhooks in the Cloud API's
// shape, with the key order of Meta's published samples ("value" before
// "field", a message's "text" before its "type"), signed like Messenger's.
// Statuses carry no conversation or pricing objects: GRAPH-FACTS has none.

// WAUserSendsText delivers a text message from the WhatsApp user from
// (digits, optional +) whose profile name is name, to the number
// phoneNumberID, which must have been added with AddWhatsAppNumber.
func (s *Server) WAUserSendsText(phoneNumberID, from, name, text string) (Webhook, error) {
	waID := strings.TrimPrefix(from, "+")
	if waID == "" || !validPhone(from) {
		return Webhook{}, fmt.Errorf("fakegraph: %q is not a phone number", from)
	}
	return s.waAction(phoneNumberID, func(seconds string) (object, string, error) {
		wamid := s.newWAMIDLocked(waID)
		s.waTurnLocked(phoneNumberID, waID, name, Turn{MessageID: wamid, Kind: "text", Text: text})
		contact := object{{"profile", object{{"name", name}}}, {"wa_id", waID}}
		message := object{{"from", waID}, {"id", wamid}, {"timestamp", seconds},
			{"text", object{{"body", text}}}, {"type", "text"}}
		return object{{"contacts", []object{contact}}, {"messages", []object{message}}}, wamid, nil
	})
}

var waStatuses = []string{"sent", "delivered", "read", "failed"}

// WAStatus delivers the status of an outgoing message wamid to recipient.
// status is sent, delivered, read or failed; errs go only with failed,
// which without any reports ErrWATransient.
func (s *Server) WAStatus(phoneNumberID, wamid, recipient, status string, errs ...GraphError) (Webhook, error) {
	switch {
	case wamid == "":
		return Webhook{}, fmt.Errorf("fakegraph: a wamid is required")
	case !oneOf(status, waStatuses):
		return Webhook{}, fmt.Errorf("fakegraph: status %q is not one of %v", status, waStatuses)
	case len(errs) > 0 && status != "failed":
		return Webhook{}, fmt.Errorf("fakegraph: errors go only with status failed, not %s", status)
	case status == "failed" && len(errs) == 0:
		errs = []GraphError{ErrWATransient}
	}
	return s.waAction(phoneNumberID, func(seconds string) (object, string, error) {
		st := object{{"id", wamid}, {"status", status}, {"timestamp", seconds}, {"recipient_id", digits(recipient)}}
		if len(errs) > 0 {
			list := make([]object, len(errs))
			for i, e := range errs {
				details := e.Details
				if details == "" {
					details = e.title()
				}
				list[i] = object{{"code", e.Code}, {"title", e.title()}, {"error_data", object{{"details", details}}}}
			}
			st = append(st, member{"errors", list})
		}
		return object{{"statuses", []object{st}}}, wamid, nil
	})
}

// waAction builds one webhook under the lock and delivers it without. build
// gets the time in seconds, as the Cloud API writes it (a string), and
// returns the members of value after its metadata.
func (s *Server) waAction(phoneNumberID string, build func(seconds string) (object, string, error)) (Webhook, error) {
	s.mu.Lock()
	n, ok := s.waNumbers[phoneNumberID]
	if !ok {
		s.mu.Unlock()
		return Webhook{}, fmt.Errorf("fakegraph: phone number id %q was not added with AddWhatsAppNumber", phoneNumberID)
	}
	rest, mid, err := build(strconv.FormatInt(s.now().Unix(), 10))
	metadata := object{{"display_phone_number", n.display}, {"phone_number_id", phoneNumberID}}
	value := append(object{{"messaging_product", "whatsapp"}, {"metadata", metadata}}, rest...)
	change := object{{"value", value}, {"field", "messages"}}
	entry := object{{"id", wabaID(phoneNumberID)}, {"changes", []object{change}}}
	body := s.encodeWebhook(object{{"object", "whatsapp_business_account"}, {"entry", []object{entry}}})
	target := s.whatsAppHook
	s.mu.Unlock()
	if err != nil {
		return Webhook{}, err
	}
	return s.post(target, "whatsapp", body, mid)
}

// wabaID stands for the WhatsApp Business Account that owns a number:
// AddWhatsAppNumber takes none, so each number gets a stable made-up one.
func wabaID(phoneNumberID string) string {
	h := fnv.New64a()
	h.Write([]byte("waba:" + phoneNumberID))
	return strconv.FormatUint(1e14+h.Sum64()%9e14, 10)
}
