package fakegraph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

const validText = `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`

func TestErrorEnvelopeIsGraphShaped(t *testing.T) {
	_, base := newFake(t, Options{})
	res := postJSON(t, base+sendPath, `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","message":{}}`)
	var e wireError
	if err := json.Unmarshal([]byte(res.body), &e); err != nil {
		t.Fatal(err)
	}
	want := `{"error":{"message":"(#100) Message cannot be empty, must provide valid attachment or text",` +
		`"type":"OAuthException","code":100,"fbtrace_id":"` + e.Error.FBTraceID + `"}}`
	if res.status != 400 || res.body != want || len(e.Error.FBTraceID) != 27 {
		t.Errorf("got HTTP %d\n%s\nwant 400\n%s", res.status, res.body, want)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestTokens(t *testing.T) {
	s, base := newFake(t, Options{})
	s.AddPage("200", "tok-200")
	cases := []struct {
		name    string
		path    string
		bearer  string
		body    string
		status  int
		code    int
		message string
	}{
		{"query token", sendPath, "", validText, 200, 0, ""},
		{"page path with its token", "/v25.0/100/messages?access_token=" + testToken, "", validText, 200, 0, ""},
		{"bearer token", "/v25.0/me/messages", testToken, validText, 200, 0, ""},
		{"bearer on page path", "/v25.0/200/messages", "tok-200", validText, 200, 0, ""},
		{"no token", "/v25.0/me/messages", "", validText, 400, 190,
			"An access token is required to request this resource."},
		{"unknown token", "/v25.0/me/messages?access_token=nope", "", validText, 400, 190,
			"Invalid OAuth access token - Cannot parse access token"},
		{"another page's token", "/v25.0/200/messages?access_token=" + testToken, "", validText, 400, 190,
			"Error validating access token: the token does not belong to page 200"},
		{"token checked before the body", "/v25.0/me/messages?access_token=nope", "", `{}`, 400, 190,
			"Invalid OAuth access token - Cannot parse access token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			res := doRequest(t, req)
			if tc.code == 0 {
				wantSent(t, s, res, "1")
				return
			}
			wantError(t, res, tc.status, tc.code, 0, tc.message)
			if send := lastSend(t, s); send.Err == nil || send.Err.Code != 190 || send.Status != 400 {
				t.Errorf("recorded send %+v", send)
			}
		})
	}
}

func TestRecordedPageOfSend(t *testing.T) {
	s, base := newFake(t, Options{})
	s.AddPage("200", "tok-200")
	postJSON(t, base+"/v25.0/me/messages?access_token=tok-200", validText)
	if send := lastSend(t, s); send.PageID != "200" || send.Token != "tok-200" {
		t.Errorf("page %q token %q, want 200 tok-200", send.PageID, send.Token)
	}
}

func TestPaths(t *testing.T) {
	_, base := newFake(t, Options{})
	cases := []struct {
		method  string
		path    string
		subcode int
		message string
	}{
		{"POST", "/vX/me/messages", 0, "(#100) Unknown path components: /vX/me/messages"},
		{"POST", "/25.0/me/messages", 0, "(#100) Unknown path components: /25.0/me/messages"},
		{"POST", "/me/messages", 0, "(#100) Unknown path components: /me/messages"},
		{"POST", "/v25/me/messages", 0, "(#100) Unknown path components: /v25/me/messages"},
		{"POST", "/v25.0", 0, "(#100) Unknown path components: /v25.0"},
		{"POST", "/v25.0/me/feed", 0, "(#100) Unknown path components: /feed"},
		{"POST", "/v25.0/me/messages/extra", 0, "(#100) Unknown path components: /v25.0/me/messages/extra"},
		{"GET", "/v25.0/me/messages", 33, "Unsupported get request. Object with ID 'me' does not exist, " +
			"cannot be loaded due to missing permissions, or does not support this operation. " +
			"Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := do(t, tc.method, base+tc.path+"?access_token="+testToken, "application/json", validText)
			wantError(t, res, 400, 100, tc.subcode, tc.message)
		})
	}
}

func TestAnyVersionIsAccepted(t *testing.T) {
	s, base := newFake(t, Options{})
	for _, v := range []string{"v2.12", "v19.0", "v25.0", "v100.5"} {
		res := postJSON(t, base+"/"+v+"/me/messages?access_token="+testToken, validText)
		wantSent(t, s, res, "1")
	}
}

func TestFormAndJSONBodiesParseAlike(t *testing.T) {
	s, base := newFake(t, Options{})
	jsonBody := `{"recipient":{"id":"1"},"messaging_type":"RESPONSE",` +
		`"message":{"text":"hi","quick_replies":[{"content_type":"text","title":"Yes","payload":"Y"}]}}`
	form := url.Values{
		"recipient":      {`{"id":"1"}`},
		"messaging_type": {"RESPONSE"},
		"message":        {`{"text":"hi","quick_replies":[{"content_type":"text","title":"Yes","payload":"Y"}]}`},
		"access_token":   {testToken},
	}
	wantSent(t, s, postJSON(t, base+sendPath, jsonBody), "1")
	res := do(t, "POST", base+"/v25.0/me/messages", "application/x-www-form-urlencoded", form.Encode())
	wantSent(t, s, res, "1")

	sends := s.Sends()
	a, b := sends[0], sends[1]
	if !reflect.DeepEqual(a.Parsed, b.Parsed) || !reflect.DeepEqual(a.Recipient, b.Recipient) {
		t.Errorf("JSON parsed to %v, form to %v", a.Parsed, b.Parsed)
	}
	if a.PageID != b.PageID || a.Token != b.Token || b.Token != testToken {
		t.Errorf("page/token %q/%q vs %q/%q", a.PageID, a.Token, b.PageID, b.Token)
	}
	if !reflect.DeepEqual(b.Recipient, map[string]any{"id": "1"}) {
		t.Errorf("recipient %v", b.Recipient)
	}
	if string(b.Body) != form.Encode() {
		t.Errorf("recorded body %q", b.Body)
	}
}

func TestInvalidBodies(t *testing.T) {
	_, base := newFake(t, Options{})
	res := postJSON(t, base+sendPath, `{"recipient":`)
	wantError(t, res, 400, 100, 0, "(#100) Request body is not a valid JSON object")
	res = do(t, "POST", base+sendPath, "application/x-www-form-urlencoded", "recipient=%zz")
	wantError(t, res, 400, 100, 0, "(#100) Request body is not a valid form")
	res = do(t, "POST", base+sendPath, "application/x-www-form-urlencoded", "recipient=notjson&message={}")
	wantError(t, res, 400, 100, 0, "(#100) Param recipient must be a JSON object")
}

func TestLatency(t *testing.T) {
	s, base := newFake(t, Options{Latency: 5 * time.Millisecond})
	s.SetLatency(30 * time.Millisecond)
	start := time.Now()
	wantSent(t, s, postJSON(t, base+sendPath, validText), "1")
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("answered after %v, want at least 30ms", elapsed)
	}
}

func TestOversizedBodyIsASendError(t *testing.T) {
	s, base := newFake(t, Options{})
	res := postJSON(t, base+sendPath, `{"recipient":{"id":"1"},"message":{"text":"`+strings.Repeat("x", maxBody)+`"}}`)
	wantError(t, res, 400, 100, 0, "(#100) Request body could not be read: http: request body too large")
	if send := lastSend(t, s); send.Status != 400 || s.SendCount() != 1 {
		t.Errorf("recorded send %+v", send)
	}
}
