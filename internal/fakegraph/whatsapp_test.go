package fakegraph

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

const waText = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"body":"hi"}}`

func TestWhatsAppSuccess(t *testing.T) {
	s, base := newWAFake(t, Options{})
	res := waPost(t, base+waSend, waToken, waText)
	send := s.WhatsAppSends()[0]
	want := `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],` +
		`"messages":[{"id":"` + send.WAMID + `"}]}`
	if res.status != 200 || res.body != want {
		t.Fatalf("HTTP %d %s\nwant %s", res.status, res.body, want)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	// A wamid is base64 of a record holding the user's number, as real ones are.
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(send.WAMID, "wamid."))
	if err != nil || !strings.HasPrefix(send.WAMID, "wamid.HBgL") || !strings.Contains(string(raw), "16505551234") ||
		len(send.WAMID) != len("wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA") {
		t.Errorf("wamid %q decodes to %q, %v", send.WAMID, raw, err)
	}
	if send.Time.IsZero() || !send.Time.Equal(s.Requests()[0].Time) {
		t.Errorf("send time %s, request time %s", send.Time, s.Requests()[0].Time)
	}
	wantSend := WhatsAppSend{Seq: 1, Time: send.Time, PhoneNumberID: waPhoneID, Body: []byte(waText),
		Parsed: map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16505551234",
			"type": "text", "text": map[string]any{"body": "hi"}},
		To: "+16505551234", Type: "text", WAMID: send.WAMID, Status: 200}
	if !reflect.DeepEqual(send, wantSend) {
		t.Errorf("recorded %+v\nwant %+v", send, wantSend)
	}
	r := s.Requests()[0]
	if r.Path != waSend || r.Status != 200 || string(r.Response) != res.body || r.Header.Get("Authorization") != "Bearer "+waToken {
		t.Errorf("request %+v", r)
	}
	if len(s.Sends()) != 0 || s.SendCount() != 0 || s.WhatsAppSendCount() != 1 {
		t.Errorf("Messenger sends %d/%d, WhatsApp %d", len(s.Sends()), s.SendCount(), s.WhatsAppSendCount())
	}
	// Without a +, input and wa_id are the same; wamids differ per send.
	res = waPost(t, base+waSend, waToken, `{"messaging_product":"whatsapp","to":"447700900123","text":{"body":"hi"}}`)
	wantWASent(t, s, res)
	if sends := s.WhatsAppSends(); sends[1].WAMID == sends[0].WAMID || sends[1].Type != "text" {
		t.Errorf("second send %+v", sends[1])
	}
}

func TestWhatsAppTokens(t *testing.T) {
	s, base := newWAFake(t, Options{})
	s.AddWhatsAppNumber("200200", "15550000002", "other-wa-tok")
	s.AddWhatsAppNumber(waPhoneID, waDisplay, "second-tok")
	cases := []struct {
		name    string
		path    string
		bearer  string
		body    string
		message string // "" = accepted
	}{
		{"bearer", waSend, waToken, waText, ""},
		{"second token of the number", waSend, "second-tok", waText, ""},
		{"query token", waSend + "?access_token=" + waToken, "", waText, ""},
		{"no token", waSend, "", waText, "An access token is required to request this resource."},
		{"unknown token", waSend, "nope", waText, "Invalid OAuth access token - Cannot parse access token"},
		{"a page's token", waSend, testToken, waText,
			"Error validating access token: the token does not belong to phone number " + waPhoneID},
		{"another number's token", waSend, "other-wa-tok", waText,
			"Error validating access token: the token does not belong to phone number " + waPhoneID},
		{"token checked before the body", waSend, "nope", `{}`, "Invalid OAuth access token - Cannot parse access token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := waPost(t, base+tc.path, tc.bearer, tc.body)
			if tc.message == "" {
				wantWASent(t, s, res)
				return
			}
			wantWAError(t, res, 400, 190, tc.message, "")
			sends := s.WhatsAppSends()
			if last := sends[len(sends)-1]; last.Err == nil || last.Err.Code != 190 || last.Status != 400 || last.WAMID != "" {
				t.Errorf("recorded %+v", last)
			}
		})
	}
}

func TestRoutingPageOrPhoneNumber(t *testing.T) {
	s, base := newWAFake(t, Options{})
	s.AddWhatsAppNumber(testPage, "15550000100", "both-tok") // an id that is also a page stays Messenger's

	wantSent(t, s, postJSON(t, base+"/v25.0/"+testPage+"/messages?access_token="+testToken, to("1")), "1")
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	// An id that is neither: Messenger's token check answers.
	wantError(t, waPost(t, base+"/v25.0/999/messages", waToken, waText), 400, 190, 0,
		"Invalid OAuth access token - Cannot parse access token")
	// A Messenger body to a phone number id is a Cloud API error.
	want100(t, waPost(t, base+waSend, waToken, to("1")), "The parameter messaging_product is required.")
	if m, w := len(s.Sends()), len(s.WhatsAppSends()); m != 2 || w != 2 {
		t.Errorf("%d Messenger and %d WhatsApp sends, want 2 and 2", m, w)
	}
	// GET on a number's messages edge is not a send.
	res := do(t, "GET", base+waSend+"?access_token="+waToken, "", "")
	if res.status != 400 || !strings.Contains(res.body, `"code":100,"error_subcode":33`) {
		t.Errorf("GET: HTTP %d %s", res.status, res.body)
	}
}

func TestWhatsAppFail(t *testing.T) {
	s, base := newWAFake(t, Options{})
	s.WhatsAppFail("+1 650-555-1234", ErrWAOutsideWindow)
	s.WhatsAppFail("447700900123", ErrWANotRegistered)
	toNumber := func(n string) string {
		return `{"messaging_product":"whatsapp","to":"` + n + `","text":{"body":"hi"}}`
	}
	wantWAError(t, waPost(t, base+waSend, waToken, toNumber("16505551234")), 400, 131047, "(#131047) Re-engagement message",
		"Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
	wantWAError(t, waPost(t, base+waSend, waToken, toNumber("+447700900123")), 400, 133010, "(#133010) Phone number not registered",
		"Phone number not registered on the WhatsApp Business Platform.")
	wantWASent(t, s, waPost(t, base+waSend, waToken, toNumber("15550000000")))
	// The body is checked before the rule.
	want100(t, waPost(t, base+waSend, waToken, `{"messaging_product":"whatsapp","to":"16505551234"}`),
		"The parameter text is required.")
	s.WhatsAppFail("16505551234", GraphError{})
	wantWASent(t, s, waPost(t, base+waSend, waToken, toNumber("16505551234")))
	if e := s.WhatsAppSends()[0].Err; e == nil || e.Code != 131047 || e.Details == "" {
		t.Errorf("recorded error %+v", e)
	}
	s.Reset()
	wantWASent(t, s, waPost(t, base+waSend, waToken, toNumber("447700900123")))
}

func TestWhatsAppSharesFailNextAndTransients(t *testing.T) {
	s, base := newWAFake(t, Options{})
	s.FailNext(2, ErrWAThroughput)
	wantWAError(t, waPost(t, base+waSend, waToken, waText), 400, 130429, "(#130429) Rate limit hit",
		"Cloud API message throughput has been reached.")
	// FailNext counts valid sends of either channel.
	res := postJSON(t, base+sendPath, validText)
	if res.status != 400 || !strings.Contains(res.body, `"code":130429`) {
		t.Errorf("Messenger send: HTTP %d %s", res.status, res.body)
	}
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))

	s.SetTransientRate(1)
	wantWAError(t, waPost(t, base+waSend, waToken, waText), 500, 1, "An unknown error has occurred.", "")
	wantWAError(t, waPost(t, base+waSend, waToken, waText), 500, 131000, "(#131000) Something went wrong",
		"Message failed to send due to an unknown error. Try again later.")
	s.SetTransientRate(0)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
}

func TestWhatsAppFormBody(t *testing.T) {
	s, base := newWAFake(t, Options{})
	form := url.Values{"messaging_product": {"whatsapp"}, "to": {"16505551234"}, "text": {`{"body":"hi"}`},
		"access_token": {waToken}}
	res := do(t, "POST", base+waSend, "application/x-www-form-urlencoded", form.Encode())
	wantWASent(t, s, res)
}

func TestWaitWhatsAppSends(t *testing.T) {
	s, base := newWAFake(t, Options{MaxRecorded: 1})
	done := make(chan error, 1)
	go func() { done <- s.WaitWhatsAppSends(context.Background(), 2) }()
	waPost(t, base+waSend, waToken, waText)
	postJSON(t, base+sendPath, validText) // a Messenger send does not count
	waPost(t, base+waSend, "nope", waText)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, kept := s.WhatsAppSendCount(), len(s.WhatsAppSends()); n != 2 || kept != 1 {
		t.Errorf("count %d, kept %d", n, kept)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.WaitWhatsAppSends(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	s.Reset()
	if s.WhatsAppSendCount() != 0 || len(s.WhatsAppSends()) != 0 {
		t.Error("Reset kept WhatsApp sends")
	}
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText)) // the number survives Reset
}

// The throughput judge refuses the send past the number's rate within one
// second (by the fake's clock), counts it, and admits again once the
// second has moved on.
func TestWhatsAppThroughputJudge(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, base := newWAFake(t, Options{Now: func() time.Time { return now }})
	s.SetWhatsAppThroughput(waPhoneID, 2)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	now = now.Add(500 * time.Millisecond)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	now = now.Add(499 * time.Millisecond) // the first is still within the second
	wantWAError(t, waPost(t, base+waSend, waToken, waText), 400, 130429, "(#130429) Rate limit hit",
		"Cloud API message throughput has been reached.")
	now = now.Add(time.Millisecond) // it has just left it
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	if n := s.WhatsAppThroughputViolations(waPhoneID); n != 1 {
		t.Errorf("violations = %d, want 1", n)
	}
	s.SetWhatsAppThroughput(waPhoneID, 0)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
}
