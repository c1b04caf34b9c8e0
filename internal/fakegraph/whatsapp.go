package fakegraph

import (
	"context"
	"strings"
	"time"
)

// waNumber is a WhatsApp Business phone number registered with the fake.
type waNumber struct {
	display string
	tokens  map[string]bool
}

// WhatsAppSend is one Cloud API send call, accepted or not. Seq is the Seq
// of its Request; Parsed is the body as Graph reads it; To is the "to" as
// given and Type the message type ("text" when the body names none).
type WhatsAppSend struct {
	Seq           int
	Time          time.Time // when the call arrived, as its Request says
	PhoneNumberID string
	Body          []byte
	Parsed        map[string]any
	To            string
	Type          string
	WAMID         string
	Status        int
	Err           *GraphError
}

// AddWhatsAppNumber registers a Cloud API phone number: POST
// /{v}/{phoneNumberID}/messages then goes to the WhatsApp fake, accepting
// accessToken (as "Authorization: Bearer", like the Cloud API, or as
// access_token, like the rest of Graph). Calling it again adds a token, as a
// system user's token may serve several numbers. displayPhone is what
// webhooks show in metadata.display_phone_number.
func (s *Server) AddWhatsAppNumber(phoneNumberID, displayPhone, accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.waNumbers[phoneNumberID]
	if n == nil {
		n = &waNumber{tokens: map[string]bool{}}
		s.waNumbers[phoneNumberID] = n
	}
	n.display = displayPhone
	if accessToken != "" {
		n.tokens[accessToken] = true
	}
}

// isWhatsAppNumber tells route whether an "{id}/messages" call is for the
// Cloud API. A page id wins, should a test register the same id as both.
func (s *Server) isWhatsAppNumber(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.waNumbers[id]; !ok {
		return false
	}
	for _, pageID := range s.pages {
		if pageID == id {
			return false
		}
	}
	return true
}

// serveWhatsAppSend answers a Cloud API send, checking in Graph's order:
// token, body, then FailNext, WhatsAppFail and the transient rate.
func (s *Server) serveWhatsAppSend(c *call) reply {
	params, bodyErr := parseParams(c)
	var req waRequest
	if bodyErr != nil {
		bodyErr = waInvalid("%s", strings.TrimPrefix(bodyErr.Message, "(#100) "))
	} else {
		req, bodyErr = validateWhatsApp(params)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	send := WhatsAppSend{Time: c.received, PhoneNumberID: c.node, Body: c.body, Parsed: params}
	send.To, _ = params["to"].(string)
	if send.Type, _ = params["type"].(string); send.Type == "" {
		send.Type = "text"
	}
	err := s.waTokenLocked(c.node, c.token)
	if err == nil {
		err = bodyErr
	}
	if err == nil {
		err = s.waWindowLocked(c.node, req)
	}
	if err == nil && req.kind == "template" {
		err = s.waTemplateSendLocked(c.node, params)
	}
	if err == nil {
		err = s.whatsAppRuleLocked(req.waID)
	}
	if err == nil {
		err = s.throughputLocked(c.node, c.received)
	}
	var rep reply
	if err != nil {
		send.Err = err
		rep = s.errorReplyLocked(*err, c.node)
	} else {
		send.WAMID = s.newWAMIDLocked(req.waID)
		body := marshal(object{{"messaging_product", "whatsapp"},
			{"contacts", []object{{{"input", req.to}, {"wa_id", req.waID}}}},
			{"messages", []object{{{"id", send.WAMID}}}}})
		rep = reply{status: 200, body: body}
	}
	send.Status = rep.status
	send.Seq = s.recordLocked(c, rep)
	s.recordWASendLocked(send)
	return rep
}

// SetWhatsAppWindow turns the 24-hour window's enforcement on or off
// (Options.WhatsAppWindow).
func (s *Server) SetWhatsAppWindow(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waWindow = on
}

// waWindowLocked refuses, when the fake keeps the window, a non-template
// send to a user who has not written within 24 hours.
func (s *Server) waWindowLocked(phoneNumberID string, req waRequest) *GraphError {
	if !s.waWindow || req.kind == "template" {
		return nil
	}
	c := s.chats[chatKey{ChannelWhatsApp, phoneNumberID, req.waID}]
	if c != nil && !c.lastUser.IsZero() && s.now().Sub(c.lastUser) <= 24*time.Hour {
		return nil
	}
	e := ErrWAOutsideWindow
	return &e
}

// waTokenLocked accepts the tokens added for the number; like pageForLocked,
// it tells a token of another page or number from one Graph never issued.
func (s *Server) waTokenLocked(phoneNumberID, token string) *GraphError {
	e := ErrInvalidToken
	switch {
	case token == "":
		e.Message = "An access token is required to request this resource."
	case s.waNumbers[phoneNumberID] != nil && s.waNumbers[phoneNumberID].tokens[token]:
		return nil
	case s.knownTokenLocked(token):
		e.Message = "Error validating access token: the token does not belong to phone number " + phoneNumberID
	}
	return &e
}

func (s *Server) knownTokenLocked(token string) bool {
	if _, ok := s.pages[token]; ok {
		return true
	}
	for _, n := range s.waNumbers {
		if n.tokens[token] {
			return true
		}
	}
	return false
}

func (s *Server) recordWASendLocked(send WhatsAppSend) {
	s.sentWATurnLocked(send)
	s.waSends = append(s.waSends, send)
	s.waSends = dropOldest(s.waSends, s.maxRecorded)
	s.waSendCount++
	s.wakeWaitersLocked()
}

// WhatsAppSends returns the recorded Cloud API send calls, oldest first.
// The records are shared: do not modify them.
func (s *Server) WhatsAppSends() []WhatsAppSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WhatsAppSend(nil), s.waSends...)
}

// WhatsAppSendCount is the number of Cloud API send calls since New or
// Reset, including those MaxRecorded dropped.
func (s *Server) WhatsAppSendCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waSendCount
}

// WaitWhatsAppSends blocks until at least n Cloud API send calls of any
// outcome were recorded since New or Reset, or ctx ends.
func (s *Server) WaitWhatsAppSends(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.waSendCount >= n })
}
