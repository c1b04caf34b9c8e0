package fakegraph

import (
	"math"
	"strings"
	"time"
)

// rules are the failures and behaviours a test asks for; Reset clears them.
type rules struct {
	outsideWindow   map[string]bool       // PSIDs
	unavailable     map[string]bool       // PSIDs
	unmatchedPhones map[string]bool       // digits only
	waFail          map[string]GraphError // WhatsApp recipients' digits
	withheld        map[string]bool       // PSIDs whose profile Graph does not give
	failNext        int
	failNextErr     GraphError
	transientRate   float64
	transientCount  int // alternates the two transient errors
	latency         time.Duration
	throughput      map[string]*throughput // WhatsApp phone number ids
}

func newRules(latency time.Duration) rules {
	return rules{
		outsideWindow:   map[string]bool{},
		unavailable:     map[string]bool{},
		unmatchedPhones: map[string]bool{},
		waFail:          map[string]GraphError{},
		withheld:        map[string]bool{},
		latency:         latency,
		throughput:      map[string]*throughput{},
	}
}

// OutsideWindow makes sends to psid fail as sent outside the messaging window
// (#10/2018278), unless they carry a message tag.
func (s *Server) OutsideWindow(psid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.outsideWindow[psid] = true
}

// Unavailable makes every send to psid fail with (#10/2018108).
func (s *Server) Unavailable(psid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.unavailable[psid] = true
}

// WithholdProfile makes profile reads of psid fail, as Graph answers for
// users whose profile it does not give the page; sends still work.
func (s *Server) WithholdProfile(psid string, withheld bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.withheld[psid] = withheld
}

// UnmatchedPhone makes sends to recipient.phone_number e164 fail with
// (#100/2018001). Numbers compare by their digits, so "+1 555-0100" matches
// "+15550100".
func (s *Server) UnmatchedPhone(e164 string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.unmatchedPhones[digits(e164)] = true
}

// FailNext makes the next n valid send calls answer e; n <= 0 cancels.
func (s *Server) FailNext(n int, e GraphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.failNext = max(n, 0)
	s.rules.failNextErr = e.clone()
}

// SetTransientRate sets the probability in [0,1] that a valid send fails
// transiently. Failures alternate HTTP 500 code 2 and HTTP 400 code 1200 and
// follow from Options.Seed.
func (s *Server) SetTransientRate(p float64) {
	if math.IsNaN(p) {
		p = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.transientRate = min(max(p, 0), 1)
}

// SetLatency sets the delay added to every Graph call.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.latency = d
}

// WhatsAppFail makes every Cloud API send to this recipient answer e, e.g.
// ErrWAOutsideWindow or ErrWANotRegistered. Numbers compare by their digits;
// an e with Code 0 cancels.
func (s *Server) WhatsAppFail(to string, e GraphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Code == 0 {
		delete(s.rules.waFail, digits(to))
		return
	}
	s.rules.waFail[digits(to)] = e.clone()
}

// sendRuleLocked decides the injected outcome of a valid Messenger send, in
// order: FailNext, the recipient's rules, then the transient rate.
func (s *Server) sendRuleLocked(pageID string, req *sendRequest) *GraphError {
	if e := s.failNextLocked(); e != nil {
		return e
	}
	if e := s.recipientRuleLocked(pageID, req); e != nil {
		return e
	}
	return s.transientLocked(ErrService, ErrTemporary)
}

// whatsAppRuleLocked is sendRuleLocked for a valid Cloud API send. FailNext
// and the transient rate are shared by both channels; WhatsApp's transient
// errors are HTTP 500 code 1 and 131000.
func (s *Server) whatsAppRuleLocked(waID string) *GraphError {
	if e := s.failNextLocked(); e != nil {
		return e
	}
	if e, ok := s.rules.waFail[waID]; ok {
		e = e.clone()
		return &e
	}
	return s.transientLocked(ErrUnknown, ErrWATransient)
}

func (s *Server) failNextLocked() *GraphError {
	r := &s.rules
	if r.failNext <= 0 {
		return nil
	}
	r.failNext--
	e := r.failNextErr.clone()
	return &e
}

// transientLocked fails at the transient rate, alternating odd and even
// from the first failure on.
func (s *Server) transientLocked(odd, even GraphError) *GraphError {
	r := &s.rules
	if r.transientRate <= 0 || s.failures.Float64() >= r.transientRate {
		return nil
	}
	r.transientCount++
	e := odd
	if r.transientCount%2 == 0 {
		e = even
	}
	return &e
}

func (s *Server) recipientRuleLocked(pageID string, req *sendRequest) *GraphError {
	r := &s.rules
	switch req.recipientField {
	case "phone_number":
		if r.unmatchedPhones[digits(req.recipientValue)] {
			e := ErrNoMatchingUser
			return &e
		}
	case "id":
		psid := req.recipientValue
		if s.strictUsers && !s.knownUserLocked(pageID, psid) {
			e := ErrNoMatchingUser
			return &e
		}
		if r.unavailable[psid] {
			e := ErrUnavailable
			return &e
		}
		// A valid tag is what lets a send through outside the window.
		if r.outsideWindow[psid] && req.messagingType != "MESSAGE_TAG" {
			e := ErrOutsideWindow
			return &e
		}
	}
	return nil
}

func digits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
