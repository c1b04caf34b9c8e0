package core_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func TestCapsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string // "" for accepted
	}{
		{"id of 256", core.CheckID("request.id", strings.Repeat("é", 256)), ""},
		{"id of 257", core.CheckID("request.id", strings.Repeat("é", 257)), "request.id: is 257 characters; at most 256 are allowed"},
		{"name of 200", core.CheckName("name", strings.Repeat("名", 200)), ""},
		{"name of 201", core.CheckName("name", strings.Repeat("名", 201)), "name: is 201 characters; at most 200 are allowed"},
		{"URL of 2048", core.ValidateURL("callback_url", "https://e.com/"+strings.Repeat("a", 2048-14)), ""},
		{"URL of 2049", core.ValidateURL("callback_url", "https://e.com/"+strings.Repeat("a", 2049-14)), "callback_url: is 2049 characters; at most 2048 are allowed"},
		{"port 1", core.ValidateURL("webhook_url", "http://e.com:1/x"), ""},
		{"port 65535", core.ValidateURL("webhook_url", "http://e.com:65535/x"), ""},
		{"port 0", core.ValidateURL("webhook_url", "http://e.com:0/x"), "webhook_url: has port 0; a port is 1–65535"},
		{"port 65536", core.ValidateURL("webhook_url", "http://e.com:65536/x"), "webhook_url: has port 65536; a port is 1–65535"},
		{"no host", core.ValidateURL("webhook_url", "http://:80/x"), "webhook_url: must be an absolute http or https URL"},
		{"not http", core.ValidateURL("webhook_url", "ftp://e.com/x"), "webhook_url: must be an absolute http or https URL"},
		{"recipient id", (&core.SendRequest{RequestID: "r", Recipient: core.Recipient{ID: strings.Repeat("1", 257)}}).CheckIDs(core.Fields{RequestID: "request.id", Recipient: "recipient"}),
			"recipient.id: is 257 characters; at most 256 are allowed"},
		{"WhatsApp id", (&core.SendRequest{RequestID: strings.Repeat("x", 300)}).CheckIDs(core.Fields{RequestID: "id", Recipient: "to"}),
			"id: is 300 characters; at most 256 are allowed"},
	}
	for _, c := range cases {
		got := ""
		if c.err != nil {
			got = c.err.Error()
			if core.ErrorKind(c.err) != core.KindInvalid {
				t.Errorf("%s: kind %s", c.name, core.ErrorKind(c.err))
			}
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCheckJSONTextRule(t *testing.T) {
	cases := []struct{ in, kind, field string }{
		{`{"a":"ok","b":[1,"fine",{"c":"é"}]}`, "", ""},
		{`{"request":{"id":"a\u0000b"}}`, "bad_text", "request.id"},
		{"{\"request\":{\"meta\":{\"note\":\"\xff\"}}}", "bad_text", "request.meta.note"},
		{`{"list":["x",{"k":"\u0000"}]}`, "bad_text", "list[1].k"},
		{`{"a\u0000":1}`, "bad_text", "a\x00"},
		{"{\"\xfe\":1}", "bad_text", "\ufffd"},
		{`{"request":{"id":"1","id":"2"}}`, "invalid", "request.id"},
		{`{"message":{"text":"a"},"message":{"text":"b"}}`, "invalid", "message"},
		{`[{"a":1},{"a":1}]`, "", ""}, // the same key in two objects is fine
		{`"\u0000"`, "bad_text", "(body)"},
		{`{"a":`, "", ""}, // malformed: left to the decoder
	}
	for _, c := range cases {
		err := core.CheckJSON([]byte(c.in), "")
		e := core.AsError(err)
		kind, field := "", ""
		if e != nil {
			kind, field = string(e.Kind), e.Field
		}
		if kind != c.kind || field != c.field {
			t.Errorf("CheckJSON(%q) = %v (kind %q, field %q), want kind %q field %q", c.in, err, kind, field, c.kind, c.field)
		}
	}
}
