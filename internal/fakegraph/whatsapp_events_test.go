package fakegraph

import (
	"errors"
	"strings"
	"testing"
)

// waHookFake is a fake with a WhatsApp number whose webhooks go to a
// signature-checking receiver, its clock stopped at 1714120447.751 s.
func waHookFake(t *testing.T, opts Options) (*Server, *receiver) {
	t.Helper()
	opts.Now = fixedClock(1714120447751)
	s, _ := newWAFake(t, opts)
	rc := newReceiver(t, secret)
	s.SetWhatsAppWebhook(rc.URL, secret)
	return s, rc
}

// waEnvelope is the Cloud API webhook around the members of value after
// its metadata.
func waEnvelope(rest string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"` + wabaID(waPhoneID) + `","changes":[{"value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"` + waDisplay + `","phone_number_id":"` + waPhoneID + `"},` +
		rest + `},"field":"messages"}]}]}`
}

func TestWhatsAppWebhooks(t *testing.T) {
	const wamid = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
	cases := []struct {
		name string
		act  func(s *Server) (Webhook, error)
		want string // WAMID stands for the generated wamid
	}{
		{"text", func(s *Server) (Webhook, error) {
			return s.WAUserSendsText(waPhoneID, "+16505551234", "Ann Lee", "Hi <there> & 你好")
		},
			waEnvelope(`"contacts":[{"profile":{"name":"Ann Lee"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234",` +
				`"id":"WAMID","timestamp":"1714120447","text":{"body":"Hi <there> & 你好"},"type":"text"}]`)},
		{"sent", func(s *Server) (Webhook, error) { return s.WAStatus(waPhoneID, wamid, "+16505551234", "sent") },
			waEnvelope(`"statuses":[{"id":"` + wamid + `","status":"sent","timestamp":"1714120447","recipient_id":"16505551234"}]`)},
		{"delivered", func(s *Server) (Webhook, error) { return s.WAStatus(waPhoneID, wamid, "16505551234", "delivered") },
			waEnvelope(`"statuses":[{"id":"` + wamid + `","status":"delivered","timestamp":"1714120447","recipient_id":"16505551234"}]`)},
		{"read", func(s *Server) (Webhook, error) { return s.WAStatus(waPhoneID, wamid, "16505551234", "read") },
			waEnvelope(`"statuses":[{"id":"` + wamid + `","status":"read","timestamp":"1714120447","recipient_id":"16505551234"}]`)},
		{"failed", func(s *Server) (Webhook, error) {
			return s.WAStatus(waPhoneID, wamid, "16505551234", "failed", ErrWAOutsideWindow, GraphError{Code: 131999, Message: "(#131999) Odd"})
		}, waEnvelope(`"statuses":[{"id":"` + wamid + `","status":"failed","timestamp":"1714120447","recipient_id":"16505551234",` +
			`"errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"Message failed to send because more than ` +
			`24 hours have passed since the customer last replied to this number."}},{"code":131999,"title":"Odd","error_data":{"details":"Odd"}}]}]`)},
		{"failed without errors", func(s *Server) (Webhook, error) { return s.WAStatus(waPhoneID, wamid, "16505551234", "failed") },
			waEnvelope(`"statuses":[{"id":"` + wamid + `","status":"failed","timestamp":"1714120447","recipient_id":"16505551234",` +
				`"errors":[{"code":131000,"title":"Something went wrong","error_data":{"details":"Message failed to send due to an unknown error. Try again later."}}]}]`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := waHookFake(t, Options{})
			hook, err := tc.act(s)
			if tc.name == "text" && (len(hook.MID) != len(wamid) || hook.MID[:10] != "wamid.HBgL") {
				t.Errorf("wamid %q", hook.MID)
			}
			if tc.name != "text" && hook.MID != wamid {
				t.Errorf("MID %q, want the status's wamid", hook.MID)
			}
			wantDelivered(t, rc, hook, err, strings.Replace(tc.want, `"id":"WAMID"`, `"id":"`+hook.MID+`"`, 1))
		})
	}
}

// A status answers a real send: the wamid the Cloud API handed out.
func TestWhatsAppStatusOfASend(t *testing.T) {
	s, rc := waHookFake(t, Options{})
	base := newLoopback(t, s)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	send := s.WhatsAppSends()[0]
	hook, err := s.WAStatus(send.PhoneNumberID, send.WAMID, send.To, "delivered")
	wantDelivered(t, rc, hook, err, waEnvelope(`"statuses":[{"id":"`+send.WAMID+
		`","status":"delivered","timestamp":"1714120447","recipient_id":"16505551234"}]`))
}

func TestWhatsAppWebhookErrors(t *testing.T) {
	s, rc := waHookFake(t, Options{})
	cases := []struct {
		name string
		act  func() (Webhook, error)
		msg  string
	}{
		{"unknown number", func() (Webhook, error) { return s.WAUserSendsText("1", "16505551234", "A", "hi") },
			`fakegraph: phone number id "1" was not added with AddWhatsAppNumber`},
		{"bad sender", func() (Webhook, error) { return s.WAUserSendsText(waPhoneID, "ann", "A", "hi") },
			`fakegraph: "ann" is not a phone number`},
		{"no sender", func() (Webhook, error) { return s.WAUserSendsText(waPhoneID, "+", "A", "hi") },
			`fakegraph: "+" is not a phone number`},
		{"bad status", func() (Webhook, error) { return s.WAStatus(waPhoneID, "wamid.X", "1", "seen") },
			`fakegraph: status "seen" is not one of [sent delivered read failed]`},
		{"errors on delivered", func() (Webhook, error) { return s.WAStatus(waPhoneID, "wamid.X", "1", "delivered", ErrWASpam) },
			"fakegraph: errors go only with status failed, not delivered"},
		{"no wamid", func() (Webhook, error) { return s.WAStatus(waPhoneID, "", "1", "read") },
			"fakegraph: a wamid is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.act(); err == nil || err.Error() != tc.msg {
				t.Errorf("error %v, want %q", err, tc.msg)
			}
			rc.none(t)
		})
	}
	s.SetWhatsAppWebhook("", "")
	if _, err := s.WAStatus(waPhoneID, "wamid.X", "1", "read"); !errors.Is(err, errNoTarget) {
		t.Errorf("no target: %v", err)
	}
}
