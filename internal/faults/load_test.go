package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
)

// client bounds every call to botgate: a request that hangs past it is a
// failure of the bound the scenario checks, not a stuck test.
var client = &http.Client{Timeout: 30 * time.Second}

// send posts a Bothub send_message whose text is its request id.
func send(url, key, id string, sync bool) (int, []byte, error) {
	return post(url, key, map[string]any{
		"request":        map[string]any{"method": "send_message", "id": id, "sync": sync},
		"recipient":      map[string]any{"id": harness.User},
		"messaging_type": "RESPONSE",
		"message":        map[string]any{"text": id},
	})
}

// post sends a Bothub request with key.
func post(url, key string, v any) (int, []byte, error) {
	status, body, _, err := postHeader(url, key, v)
	return status, body, err
}

// sendHeader is send (async) that also returns the answer's Retry-After.
func sendHeader(url, key, id string) (int, []byte, string, error) {
	return postHeader(url, key, map[string]any{
		"request":        map[string]any{"method": "send_message", "id": id, "sync": false},
		"recipient":      map[string]any{"id": harness.User},
		"messaging_type": "RESPONSE",
		"message":        map[string]any{"text": id},
	})
}

func postHeader(url, key string, v any) (int, []byte, string, error) {
	body, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url+"/api", bytes.NewReader(body))
	req.Header.Set("APIKEY", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header.Get("Retry-After"), err
}

// steadyLoad sends async requests with unique ids, one every gap, until
// stop is called; it returns the function that stops it and waits.
// Requests botgate refused (not 200) are counted in refused.
func steadyLoad(t *testing.T, url, key string, l *ids, gap time.Duration, refused map[int]int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			id := l.next()
			status, body, err := send(url, key, id, false)
			switch {
			case err != nil:
				t.Errorf("async %s: %v (botgate must answer within the bound)", id, err)
			case status == http.StatusOK:
				l.accept(id)
			default:
				mu.Lock()
				refused[status]++
				mu.Unlock()
				if status == http.StatusInternalServerError {
					t.Errorf("async %s: 500 %s", id, body)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// sentByID lists the Graph message ids of the sends Graph accepted, by the
// request id each carries as its text.
func sentByID(fake *fakegraph.Server) map[string][]string {
	out := map[string][]string{}
	for _, s := range fake.Sends() {
		if s.Err != nil {
			continue
		}
		msg, _ := s.Parsed["message"].(map[string]any)
		text, _ := msg["text"].(string)
		id, _, _ := strings.Cut(text, " ") // the id may be followed by more text
		out[id] = append(out[id], s.MessageID)
	}
	return out
}

// callbacks lists the result callbacks the merchant received, by request id.
func callbacks(t *testing.T, in *harness.Inbox) map[string][]callback {
	out := map[string][]callback{}
	for _, r := range in.Received() {
		var c callback
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatalf("callback %s: %v", r.Body, err)
		}
		c.verified, c.webhookID = r.Verified, r.Header.Get("webhook-id")
		out[c.RequestID] = append(out[c.RequestID], c)
	}
	return out
}

type callback struct {
	RequestID string          `json:"request_id"`
	MessageID string          `json:"message_id"`
	Error     json.RawMessage `json:"error"`
	verified  bool
	webhookID string
}

// accountFor waits until every accepted id has reached Graph and its
// result callback has arrived, then checks each was recorded once, with a
// message id Graph gave it. It returns how many ids Graph received more
// than once, which the caller's scenario may allow.
func accountFor(t *testing.T, fake *fakegraph.Server, in *harness.Inbox, accepted []string) (duplicates int) {
	t.Helper()
	duplicates, _ = accountForRepeats(t, fake, in, accepted, false)
	return duplicates
}

// accountForRepeats is accountFor where a callback may be delivered more
// than once (its delivery could not be recorded), as long as every copy is
// the same delivery (one webhook-id), which the merchant dedupes on. It
// also returns how many callbacks were repeats.
func accountForRepeats(t *testing.T, fake *fakegraph.Server, in *harness.Inbox, accepted []string, repeats bool) (duplicates, repeated int) {
	t.Helper()
	harness.WaitFor(t, "every accepted request sent and called back", 60*time.Second, func() bool {
		sent, cbs := sentByID(fake), callbacks(t, in)
		for _, id := range accepted {
			if len(sent[id]) == 0 || len(cbs[id]) == 0 {
				return false
			}
		}
		return true
	})
	sent, cbs := sentByID(fake), callbacks(t, in)
	for _, id := range accepted {
		mids := sent[id]
		if len(mids) > 1 {
			duplicates++
		}
		if len(cbs[id]) != 1 && !repeats {
			t.Errorf("%s: %d callbacks, want 1", id, len(cbs[id]))
			continue
		}
		for _, again := range cbs[id][1:] {
			repeated++
			if first := cbs[id][0]; again.webhookID != first.webhookID || again.MessageID != first.MessageID || string(again.Error) != string(first.Error) {
				t.Errorf("%s: callback %+v repeated as a different delivery %+v", id, cbs[id][0], again)
			}
		}
		c := cbs[id][0]
		if !c.verified || c.Error != nil || !contains(mids, c.MessageID) {
			t.Errorf("%s: callback %+v; Graph's ids %v", id, c, mids)
		}
	}
	return duplicates, repeated
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fmtCounts(m map[int]int) string {
	if len(m) == 0 {
		return "none"
	}
	return fmt.Sprint(m)
}
