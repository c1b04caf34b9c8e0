package fakegraph

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Request is one Graph call as received and answered. Control API calls are
// not recorded.
type Request struct {
	Seq      int // numbers every Graph call since New, across Reset
	Time     time.Time
	Method   string
	Path     string
	Query    url.Values
	Header   http.Header
	Body     []byte
	Status   int
	Response []byte
}

// Send is one Messenger send call, accepted or not. Seq is the Seq of its
// Request. Parsed is the body as Graph reads it, the same for JSON and form
// bodies; Recipient is its recipient object.
type Send struct {
	Seq       int
	PageID    string
	Token     string
	Body      []byte
	Parsed    map[string]any
	Recipient map[string]any
	MessageID string
	Status    int
	Err       *GraphError
	// CallerGone: the caller hung up before the answer (it crashed mid-call).
	// Graph sent the message, but the caller never learned so and will send
	// it again; a crash test tells these repeats from its commit window's.
	CallerGone bool
}

// recordLocked keeps a call and its reply, returning the call's Seq.
func (s *Server) recordLocked(c *call, rep reply) int {
	s.seq++
	s.requests = append(s.requests, Request{
		Seq:      s.seq,
		Time:     c.received,
		Method:   c.req.Method,
		Path:     c.req.URL.Path,
		Query:    c.query,
		Header:   c.req.Header.Clone(),
		Body:     c.body,
		Status:   rep.status,
		Response: rep.body,
	})
	s.requests = dropOldest(s.requests, s.maxRecorded)
	return s.seq
}

func (s *Server) recordSendLocked(send Send) {
	s.sentTurnLocked(send)
	s.sends = append(s.sends, send)
	s.sends = dropOldest(s.sends, s.maxRecorded)
	s.sendCount++
	s.wakeWaitersLocked()
}

// dropOldest keeps the newest max records (max 0 = all). Re-slicing keeps
// this cheap; append moves the kept records to a fresh array as it grows.
func dropOldest[T any](list []T, max int) []T {
	if max <= 0 || len(list) <= max {
		return list
	}
	drop := len(list) - max
	clear(list[:drop]) // let the dropped bodies be collected
	return list[drop:]
}

// Requests returns every recorded Graph call, oldest first. The records are
// shared: do not modify them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Sends returns the recorded Messenger send calls, oldest first. The records
// are shared: do not modify them.
func (s *Server) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Send(nil), s.sends...)
}

// SendCount is the number of send calls since New or Reset, including those
// MaxRecorded dropped.
func (s *Server) SendCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendCount
}

// WaitSends blocks until at least n Messenger send calls of any outcome
// were recorded since New or Reset, or ctx ends.
func (s *Server) WaitSends(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.sendCount >= n })
}

// waitFor blocks until done, called with the lock held, is true or ctx ends.
// Every recorded send wakes it to look again.
func (s *Server) waitFor(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		if done() {
			s.mu.Unlock()
			return nil
		}
		if s.sendsSignal == nil {
			s.sendsSignal = make(chan struct{})
		}
		signal := s.sendsSignal
		s.mu.Unlock()

		select {
		case <-signal:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// wakeWaitersLocked wakes every WaitSends to look at the count again.
func (s *Server) wakeWaitersLocked() {
	if s.sendsSignal != nil {
		close(s.sendsSignal)
		s.sendsSignal = nil
	}
}

// Reset forgets the recorded calls and conversations, the send counts and
// every rule, and restores Options.Latency. Pages, users, uploaded
// attachments, WhatsApp numbers and webhook targets stay, as they would on
// Facebook.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.sends = nil
	s.sendCount = 0
	s.waSends = nil
	s.waSendCount = 0
	s.chats = map[chatKey]*chatLog{}
	s.rules = newRules(s.latency)
	s.wakeWaitersLocked()
}
