package fakegraph

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A gateway that re-encodes the JSON before checking the signature passes
// with plain UTF-8 but fails on Meta's escaped bodies.
func TestEscapeWebhooks(t *testing.T) {
	s, rc := hookFake(t, Options{Now: fixedClock(1), EscapeWebhooks: true})
	hook, err := s.UserSendsText("100", "7", "äöå 😀 a/b <&>")
	wantDelivered(t, rc, hook, err, `{"object":"page","entry":[{"time":1,"id":"100","messaging":[{"sender":{"id":"7"},`+
		`"recipient":{"id":"100"},"timestamp":1,"message":{"mid":"`+hook.MID+`","text":"\u00e4\u00f6\u00e5 \ud83d\ude00 a\/b <&>"}}]}]}`)
	var back map[string]any
	if err := json.Unmarshal(hook.Body, &back); err != nil {
		t.Fatal(err)
	}
	text := back["entry"].([]any)[0].(map[string]any)["messaging"].([]any)[0].(map[string]any)["message"].(map[string]any)["text"]
	if text != "äöå 😀 a/b <&>" {
		t.Errorf("text decodes to %q", text)
	}
}

func TestDeliver(t *testing.T) {
	s, rc := hookFake(t, Options{})
	batch := []byte(`{"object":"page","entry":[{"id":"1","time":1,"messaging":[]},{"id":"2","time":2,"messaging":[]}]}`)
	cases := []struct {
		name     string
		signWith string
		status   int
		signed   bool
	}{
		{"right secret", secret, 200, true},
		{"wrong secret", "not-the-secret", 403, true},
		{"unsigned", "", 403, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hook, err := s.Deliver(batch, tc.signWith)
			if err != nil {
				t.Fatal(err)
			}
			d := rc.next(t)
			if hook.Status != tc.status || string(d.body) != string(batch) || string(hook.Body) != string(batch) || hook.MID != "" {
				t.Errorf("status %d, delivered %s, returned %+v", hook.Status, d.body, hook)
			}
			sig := d.header.Get("X-Hub-Signature-256")
			if tc.signed && sig != "sha256="+sha256Hex(tc.signWith, batch) {
				t.Errorf("X-Hub-Signature-256 %q", sig)
			}
			if !tc.signed && (sig != "" || d.header.Get("X-Hub-Signature") != "") {
				t.Errorf("unsigned delivery has signatures %v", d.header)
			}
		})
	}
}

func TestWebhookStatusIsPassedOn(t *testing.T) {
	s := New(Options{Seed: 1})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer ts.Close()
	s.SetMessengerWebhook(ts.URL, "")
	hook, err := s.UserReads("100", "7")
	if err != nil || hook.Status != http.StatusServiceUnavailable {
		t.Errorf("status %d, err %v", hook.Status, err)
	}
}

func TestWebhookErrors(t *testing.T) {
	s, rc := hookFake(t, Options{})
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	cases := []struct {
		name   string
		target string
		act    func() (Webhook, error)
		is     error  // errors.Is target, or nil
		msg    string // else the message
	}{
		{"no target", "", func() (Webhook, error) { return s.UserSendsText("100", "7", "hi") }, errNoTarget, ""},
		{"target down", down.URL, func() (Webhook, error) { return s.UserSendsText("100", "7", "hi") }, errDelivery, ""},
		{"bad target URL", "://nope", func() (Webhook, error) { return s.UserReads("100", "7") }, nil,
			`fakegraph: messenger webhook target: parse "://nope": missing protocol scheme`},
		{"no page", rc.URL, func() (Webhook, error) { return s.UserSendsText("", "7", "hi") }, nil,
			"fakegraph: a page id and a PSID (or user_ref) are required"},
		{"no PSID", rc.URL, func() (Webhook, error) { return s.UserReads("100", "") }, nil,
			"fakegraph: a page id and a PSID (or user_ref) are required"},
		{"bad attachment type", rc.URL, func() (Webhook, error) { return s.UserSendsAttachment("100", "7", "gif", "u") }, nil,
			`fakegraph: attachment type "gif" is not one of [image video audio file]`},
		{"bad opt-in status", rc.URL, func() (Webhook, error) { return s.UserOptsIn("100", "7", OptIn{Status: "PAUSE"}) }, nil,
			`fakegraph: opt-in status "PAUSE" is not STOP_NOTIFICATIONS or RESUME_NOTIFICATIONS`},
		{"no checkbox user_ref", rc.URL, func() (Webhook, error) { return s.UserOptsInCheckbox("100", "", "r") }, nil,
			"fakegraph: a page id and a PSID (or user_ref) are required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.SetMessengerWebhook(tc.target, secret)
			hook, err := tc.act()
			switch {
			case err == nil:
				t.Fatalf("no error; delivered %+v", hook)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v, want %v", err, tc.is)
			case tc.is == nil && err.Error() != tc.msg:
				t.Errorf("error %q, want %q", err, tc.msg)
			}
			if hook.Status != 0 {
				t.Errorf("status %d", hook.Status)
			}
			rc.none(t)
		})
	}
}

// The receiver may call back into the fake before it answers, as botgate
// does when it replies at once: the fake holds no lock while it delivers.
func TestReceiverCanCallBack(t *testing.T) {
	s, rc := hookFake(t, Options{})
	s.AddPage(testPage, testToken)
	base := newLoopback(t, s)
	var answer result
	rc.call = func() { answer = postJSON(t, base+sendPath, to("7")) }
	hook, err := s.UserSendsText(testPage, "7", "hi")
	if err != nil || hook.Status != 200 {
		t.Fatalf("status %d, err %v", hook.Status, err)
	}
	rc.next(t)
	wantSent(t, s, answer, "7")
}
