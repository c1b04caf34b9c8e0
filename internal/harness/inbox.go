package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/notify"
)

// Inbox is a merchant's callback and webhook receiver. It checks every
// delivery's Standard Webhooks signature, and answers as told.
type Inbox struct {
	URL    string
	Secret string

	mu       sync.Mutex
	received []Received
	respond  func(n int) (status int, delay time.Duration)
	changed  chan struct{}
}

// Received is one POST the inbox got.
type Received struct {
	Header   http.Header
	Body     []byte
	Verified bool // the signature checked out with Secret
	Status   int  // what the inbox answered
}

// NewInbox starts a receiver that answers 204 until told otherwise.
func NewInbox(t testing.TB) *Inbox {
	in := &Inbox{changed: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(in.serve))
	t.Cleanup(srv.Close)
	in.URL = srv.URL + "/hooks/botgate"
	return in
}

// Respond makes the inbox answer its n-th POST (1-based) with status after delay.
func (in *Inbox) Respond(f func(n int) (status int, delay time.Duration)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.respond = f
}

func (in *Inbox) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	in.mu.Lock()
	n := len(in.received) + 1
	status, delay := http.StatusNoContent, time.Duration(0)
	if in.respond != nil {
		status, delay = in.respond(n)
	}
	secret := in.Secret
	in.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	verified := notify.Verify(secret, r.Header, body, time.Now(), 5*time.Minute) == nil
	in.mu.Lock()
	in.received = append(in.received, Received{Header: r.Header.Clone(), Body: body, Verified: verified, Status: status})
	close(in.changed)
	in.changed = make(chan struct{})
	in.mu.Unlock()
	w.WriteHeader(status)
}

// Received returns what arrived so far.
func (in *Inbox) Received() []Received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Received(nil), in.received...)
}

// Wait blocks until n POSTs arrived, and returns them.
func (in *Inbox) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		in.mu.Lock()
		got, changed := len(in.received), in.changed
		in.mu.Unlock()
		if got >= n {
			return in.Received()
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("inbox: %d of %d deliveries after %v", got, n, timeout)
		}
	}
}
