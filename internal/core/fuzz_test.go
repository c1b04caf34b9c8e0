package core_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// fuzzSeeds are realistic message bodies, as the faces pass them to DecodeStrict.
var fuzzSeeds = []string{
	`{"text":"Hello!"}`,
	`{"text":"Hi {{first_name}} {{last_name}}, you have {{ points }} points ({{tier}}). Use {{coupon}}."}`,
	`{"text":"Pick one, {{first_name}}","metadata":"m-1","quick_replies":[
		{"content_type":"text","title":"Red {{points}}","payload":"RED_{{points}}","image_url":"https://example.com/red.png"},
		{"content_type":"user_phone_number"},{"content_type":"user_email","title":"{{missing}}"}]}`,
	`{"attachment":{"type":"template","payload":{"template_type":"generic","image_aspect_ratio":"square","elements":[
		{"title":"Welcome {{first_name}}!","subtitle":"You have {{points}} points","image_url":"https://example.com/a.png",
		 "default_action":{"type":"web_url","url":"https://example.com/{{id}}","webview_height_ratio":"tall"},
		 "buttons":[{"type":"web_url","url":"https://example.com","title":"View {{tier}}"},
		            {"type":"postback","title":"Start","payload":"START_{{id}}"},
		            {"type":"block","title":"Menu {{ first_name }}","block_name":"Main menu"}]},
		{"title":"Second","buttons":[{"type":"phone_number","title":"Call","payload":"+8618900001111"}]}]}}}`,
	`{"attachment":{"type":"template","payload":{"template_type":"button","text":"What next, {{first_name}}?","buttons":[
		{"type":"postback","title":"Go","payload":"GO"},{"type":"block","title":"{{unknown}}","block_name":"Help"},
		{"type":"account_link","url":"https://example.com/login"}]}}}`,
	`{"attachment":{"type":"template","payload":{"template_type":"receipt","recipient_name":"Stephane Crozatier",
		"order_number":"12345678902","currency":"USD","payment_method":"Visa 2345","order_url":"https://example.com/o/1",
		"timestamp":"1428444852","address":{"street_1":"1 Hacker Way","city":"Menlo Park","postal_code":"94025","state":"CA","country":"US"},
		"summary":{"subtotal":75.00,"shipping_cost":4.95,"total_tax":6.19,"total_cost":56.14},
		"adjustments":[{"name":"New Customer Discount","amount":20}],
		"elements":[{"title":"Classic White T-Shirt {{tier}}","subtitle":"100% Soft","quantity":2,"price":50,"currency":"USD",
		 "image_url":"https://example.com/shirt.png"}]}}}`,
	`{"attachment":{"type":"template","payload":{"template_type":"receipt","timestamp":1428444852,"summary":{"total_cost":1e2}}}}`,
	`{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image",
		"url":"https://example.com/a.jpg","buttons":[{"type":"web_url","url":"https://example.com","title":"Open"}]}]}}}`,
	`{"attachment":{"type":"template","payload":{"template_type":"notification_messages","title":"Deals for {{first_name}}",
		"image_url":"https://example.com/d.png","payload":"DEALS","notification_messages_frequency":"WEEKLY",
		"notification_messages_reoptin":"ENABLED","notification_messages_cta_text":"SIGN_UP","image_aspect_ratio":"SQUARE"}}}`,
	`{"attachment":{"type":"image","payload":{"url":"https://example.com/a.png","is_reusable":true}}}`,
	`{"attachment":{"type":"file","payload":{"attachment_id":"1857777774821032"}}}`,
	`{"text":"{{a}}{{b}} {{ c }} {{first-name}} {{}} {{{points}}}"}`,
	`{"text":"x","attachment":null,"quick_replies":null}`,
	`{"text":"x","foo":1}`,
	`{"text":5}`,
	`null`,
	`{"text":"unterminated`,
}

var fuzzVars = core.Vars{
	Profile: map[string]string{"first_name": "Ann", "last_name": "Lee", "id": "PSID1", "locale": "en_US", "gender": "female"},
	Stored:  map[string]string{"points": "120", "tier": "gold"},
	Send:    map[string]string{"coupon": "SAVE10", "points": "99", "first_name": "ignored"},
}

// filled mirrors the lookup rules Render documents.
func filled(v core.Vars, key string) bool {
	if _, ok := v.Profile[key]; ok {
		return true
	}
	if key == "first_name" || key == "last_name" {
		return false
	}
	_, send := v.Send[key]
	_, stored := v.Stored[key]
	return send || stored
}

var (
	keyRE           = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	unfilledErrorRE = regexp.MustCompile(`^(.+): placeholder \{\{([A-Za-z0-9_]+)\}\} has no value: pass it in params or set it on the contact$`)
)

// checkCoreError asserts err is a *core.Error of one of kinds whose Field
// lies below root and whose Message names the Field first.
func checkCoreError(t *testing.T, what string, err error, root string, kinds ...core.Kind) *core.Error {
	t.Helper()
	e, ok := err.(*core.Error)
	if !ok {
		t.Fatalf("%s: error %T %v is not a *core.Error", what, err, err)
	}
	if !slices.Contains(kinds, e.Kind) || !strings.HasPrefix(e.Field, root) || !strings.HasPrefix(e.Message, e.Field+": ") {
		t.Fatalf("%s: unexpected error kind=%s field=%q msg=%q", what, e.Kind, e.Field, e.Message)
	}
	return e
}

func blockButtons(m core.Message) int {
	n := 0
	if m.Attachment == nil {
		return 0
	}
	count := func(bs []core.Button) {
		for _, b := range bs {
			if b.Type == "block" {
				n++
			}
		}
	}
	count(m.Attachment.Payload.Buttons)
	for _, e := range m.Attachment.Payload.Elements {
		count(e.Buttons)
	}
	return n
}

// checkRender runs every property of Render and Placeholders on one message.
func checkRender(t *testing.T, m core.Message, pristine core.Message) {
	t.Helper()
	keys := core.Placeholders(m)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] || !keyRE.MatchString(k) {
			t.Fatalf("Placeholders = %q: duplicate or malformed key %q", keys, k)
		}
		seen[k] = true
	}
	if again := core.Placeholders(m); !slices.Equal(again, keys) {
		t.Fatalf("Placeholders not deterministic: %q then %q", keys, again)
	}
	var firstUnfilled string
	for _, k := range keys {
		if !filled(fuzzVars, k) {
			firstUnfilled = k
			break
		}
	}

	outs := map[core.Unfilled]core.Message{}
	for _, mode := range []core.Unfilled{core.UnfilledReject, core.UnfilledEmpty, core.UnfilledKeep} {
		out, err := core.Render(m, fuzzVars, mode, "message")
		if mode == core.UnfilledReject && firstUnfilled != "" {
			e := checkCoreError(t, "Render reject", err, "message", core.KindInvalid)
			sub := unfilledErrorRE.FindStringSubmatch(e.Message)
			if sub == nil || sub[1] != e.Field || sub[2] != firstUnfilled {
				t.Fatalf("reject error %q; want it to name {{%s}} at its field", e.Message, firstUnfilled)
			}
			if !reflect.DeepEqual(out, core.Message{}) {
				t.Fatalf("failed Render returned a message: %+v", out)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Render %s: %v", mode, err)
		}
		if (out.Attachment == nil) != (m.Attachment == nil) || len(out.QuickReplies) != len(m.QuickReplies) ||
			out.Metadata != m.Metadata {
			t.Fatalf("Render %s changed the message's structure", mode)
		}
		if m.Attachment != nil && len(out.Attachment.Payload.Elements) != len(m.Attachment.Payload.Elements) {
			t.Fatalf("Render %s changed the number of elements", mode)
		}
		if n := blockButtons(core.ForGraph(out)); n != 0 {
			t.Fatalf("ForGraph after Render %s left %d block buttons", mode, n)
		}
		outs[mode] = out
	}
	if out, ok := outs[core.UnfilledReject]; ok {
		// Every key is filled: the modes agree, and nothing is left for the customer to see.
		if !reflect.DeepEqual(out, outs[core.UnfilledEmpty]) || !reflect.DeepEqual(out, outs[core.UnfilledKeep]) {
			t.Fatalf("modes disagree on a fully filled message")
		}
		for _, k := range core.Placeholders(out) {
			if !filled(fuzzVars, k) {
				t.Fatalf("reject mode succeeded but the output still holds {{%s}}:\n in  %s\n out %s",
					k, mustJSON(t, m), mustJSON(t, out))
			}
		}
	}
	if !reflect.DeepEqual(m, pristine) {
		t.Fatalf("Render or Placeholders modified the input")
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m, pristine core.Message
		if err := core.DecodeStrict(data, &m, "message"); err != nil {
			checkCoreError(t, "DecodeStrict", err, "message", core.KindBadMessage, core.KindBadText)
			return
		}
		if err := core.DecodeStrict(data, &pristine, "message"); err != nil {
			t.Fatalf("DecodeStrict not deterministic: %v", err)
		}
		if err := core.ValidateMessage(&m, "message"); err != nil {
			checkCoreError(t, "ValidateMessage", err, "message", core.KindInvalid, core.KindBadMessage)
		}
		checkRender(t, m, pristine)
	})
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{"", " ", "{", "[]", `{"text":"a"} x`, `{"text":"a","text":1}`, `{"attachment":{"payload":{"elements":[{"price":"1"}]}}}`,
		`{"attachment":{"payload":{"timestamp":true}}}`, "{\"text\":\"\xff\"}", `{"text":"a\u0000"}`, "{\"te\xfext\":\"a\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m core.Message
		err := core.DecodeStrict(data, &m, "message")
		if err != nil {
			checkCoreError(t, "DecodeStrict", err, "message", core.KindBadMessage, core.KindBadText)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("DecodeStrict accepted invalid JSON %q", data)
		}
		// Whatever DecodeStrict accepts, encoding/json reads the same way...
		var plain core.Message
		if err := json.Unmarshal(data, &plain); err != nil {
			t.Fatalf("DecodeStrict accepted what encoding/json refuses: %v", err)
		}
		out := mustJSON(t, m)
		if got := mustJSON(t, plain); got != out {
			t.Fatalf("DecodeStrict and encoding/json disagree:\n %s\n %s", out, got)
		}
		// ...and what it writes back reads back the same.
		var again core.Message
		if err := core.DecodeStrict([]byte(out), &again, "message"); err != nil {
			t.Fatalf("re-marshalled message refused: %v\n %s", err, out)
		}
		if got := mustJSON(t, again); got != out {
			t.Fatalf("round trip changed the message:\n %s\n %s", out, got)
		}
	})
}
