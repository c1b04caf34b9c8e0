package fakegraph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const (
	testPage  = "100"
	testToken = "tok-100"
	sendPath  = "/v25.0/me/messages?access_token=" + testToken
)

// newFake starts a fake with one page on a loopback HTTP server.
func newFake(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := New(opts)
	s.AddPage(testPage, testToken)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, method, url, contentType, body string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return doRequest(t, req)
}

func doRequest(t testing.TB, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func postJSON(t testing.TB, url, body string) result {
	t.Helper()
	return do(t, http.MethodPost, url, "application/json", body)
}

// wireError is Graph's error envelope, decoded strictly so that stray
// fields fail the test.
type wireError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// wantError asserts a Graph error answer.
func wantError(t testing.TB, res result, status, code, subcode int, message string) {
	t.Helper()
	var e wireError
	d := json.NewDecoder(strings.NewReader(res.body))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		t.Fatalf("body %s: %v", res.body, err)
	}
	got := e.Error
	if res.status != status || got.Code != code || got.Subcode != subcode || got.Message != message ||
		got.Type != "OAuthException" || got.FBTraceID == "" {
		t.Errorf("got HTTP %d %s\nwant HTTP %d code %d subcode %d message %q",
			res.status, res.body, status, code, subcode, message)
	}
	if subcode == 0 && strings.Contains(res.body, "error_subcode") {
		t.Errorf("body %s has an error_subcode", res.body)
	}
}

// lastSend is the newest recorded send.
func lastSend(t testing.TB, s *Server) Send {
	t.Helper()
	sends := s.Sends()
	if len(sends) == 0 {
		t.Fatal("no send recorded")
	}
	return sends[len(sends)-1]
}

// wantSent asserts an accepted send whose answer names recipientID ("" for
// none), with the message id that was recorded.
func wantSent(t testing.TB, s *Server, res result, recipientID string) {
	t.Helper()
	send := lastSend(t, s)
	var want string
	if recipientID != "" {
		want = `{"recipient_id":"` + recipientID + `","message_id":"` + send.MessageID + `"}`
	} else {
		want = `{"message_id":"` + send.MessageID + `"}`
	}
	if res.status != http.StatusOK || res.body != want {
		t.Fatalf("got HTTP %d %s, want 200 %s", res.status, res.body, want)
	}
	if !strings.HasPrefix(send.MessageID, "m_") || len(send.MessageID) != 42 {
		t.Errorf("message id %q is not shaped like m_<40 chars>", send.MessageID)
	}
}

func compactJSON(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// newLoopback serves s over loopback HTTP without adding a page.
func newLoopback(t testing.TB, s *Server) string {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

func mustRequest(t testing.TB, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

func itoa(n int) string {
	return strconv.Itoa(n)
}
